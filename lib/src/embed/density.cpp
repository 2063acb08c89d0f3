#include "embed/density.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "embed/model_file.hpp"
#include "index/int8_codes.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

constexpr char kMagic[8] = {'P', 'D', 'X', 'D', 'E', 'N', 'S', '1'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 4 + 4 + 8;

}  // namespace

DensityReference::DensityReference(std::uint32_t dims, std::uint32_t k, float weight,
                                   std::string model_fingerprint, std::span<const float> rows)
    : dims_(dims),
      k_(k),
      weight_(weight),
      model_fingerprint_(std::move(model_fingerprint)),
      rows_(rows, dims) {
  if (dims == 0 || rows.size() % dims != 0) throw Error("density reference: rows of dims numbers");
  if (k == 0 || k > rows_.size()) throw Error("density reference: k must be 1 to its rows");
  if (!(weight >= 0) || !std::isfinite(weight)) throw Error("density reference: bad weight");
  if (model_fingerprint_.size() != 8) throw Error("density reference: bad model fingerprint");
  const auto bytes = serialise();
  fingerprint_ = hex8(XXH3_64bits(bytes.data(), bytes.size() - 8));
}

std::vector<std::byte> DensityReference::serialise() const {
  std::vector<std::byte> bytes;
  for (char c : kMagic) bytes.push_back(static_cast<std::byte>(c));
  put(bytes, dims_);
  put(bytes, static_cast<std::uint32_t>(rows_.size()));
  put(bytes, k_);
  put(bytes, weight_);
  for (char c : model_fingerprint_) bytes.push_back(static_cast<std::byte>(c));
  bytes.insert(bytes.end(), rows_.bytes().begin(), rows_.bytes().end());
  put(bytes, XXH3_64bits(bytes.data(), bytes.size()));
  return bytes;
}

DensityReference DensityReference::read(std::span<const std::byte> bytes, const std::string& name,
                                        std::shared_ptr<const void> owner) {
  Cursor in(bytes, name, "density reference");
  if (std::memcmp(in.take(sizeof kMagic, "header"), kMagic, sizeof kMagic) != 0)
    in.fail("no density reference header (wrong file?)");
  if (bytes.size() < kHeaderBytes + 8) in.fail("cut short in its header");
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  const auto checksum = XXH3_64bits(bytes.data(), bytes.size() - 8);
  if (stored != checksum) in.fail("checksum mismatch (damaged or cut short)");
  DensityReference r;
  r.dims_ = in.get<std::uint32_t>("header");
  const auto count = in.get<std::uint32_t>("header");
  r.k_ = in.get<std::uint32_t>("header");
  r.weight_ = in.get<float>("header");
  r.model_fingerprint_.assign(reinterpret_cast<const char*>(in.take(8, "header")), 8);
  if (r.dims_ < 8 || r.dims_ > 4096) in.fail("dims " + std::to_string(r.dims_));
  if (r.k_ == 0 || r.k_ > count)
    in.fail("k " + std::to_string(r.k_) + " of " + std::to_string(count) + " rows");
  if (!(r.weight_ >= 0) || !std::isfinite(r.weight_)) in.fail("a bad weight");
  if (!std::all_of(r.model_fingerprint_.begin(), r.model_fingerprint_.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    in.fail("a bad model fingerprint");
  const std::size_t expected = kHeaderBytes + std::size_t{count} * (4 + r.dims_) + 8;
  if (bytes.size() != expected)
    in.fail("holds " + std::to_string(bytes.size()) + " bytes, its header implies " +
            std::to_string(expected));
  r.rows_ = QuantisedRows(in.take(std::size_t{count} * (4 + r.dims_), "rows"), count, r.dims_,
                          std::move(owner));
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(r.rows_.scale(i))) in.fail("row " + std::to_string(i) + " has a bad scale");
  r.fingerprint_ = hex8(checksum);
  return r;
}

DensityReference DensityReference::load(const std::filesystem::path& path) {
  auto file = read_file_bytes(path, "density reference");
  return read(file.bytes, path.string(), std::move(file.owner));
}

void DensityReference::save(const std::filesystem::path& path) const {
  write_file_atomically(path, serialise(), "density reference");
}

float DensityReference::density(std::span<const float> unit) const {
  // Scored as int8 codes (the graphs' kernel): exact integer sums, so the same on every
  // machine, and a quarter of the bytes.
  thread_local std::vector<std::byte> code;
  thread_local std::vector<float> best;  // the k highest, a min-heap
  code.resize(index::int8_code_bytes(dims_));
  index::int8_encode(unit.data(), dims_, code.data());
  const std::size_t dim = dims_;
  best.clear();
  const auto all = rows_.bytes();
  const std::size_t stride = 4 + dim;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const float score = 1.0f - index::int8_distance(code.data(), all.data() + i * stride, &dim);
    if (best.size() < k_) {
      best.push_back(score);
      std::push_heap(best.begin(), best.end(), std::greater<>());
    } else if (score > best.front()) {
      std::pop_heap(best.begin(), best.end(), std::greater<>());
      best.back() = score;
      std::push_heap(best.begin(), best.end(), std::greater<>());
    }
  }
  std::sort(best.begin(), best.end());  // summed in one order, whatever the heap's
  double sum = 0;
  for (float s : best) sum += s;
  return std::clamp(static_cast<float>(sum / static_cast<double>(best.size())), -1.0f, 1.0f);
}

void DensityReference::stored_form(std::span<const float> unit, std::span<float> out) const {
  const float a = std::sqrt(1.0f / (1.0f + weight_)), b = std::sqrt(weight_ / (1.0f + weight_));
  const float d = density(unit);
  for (std::size_t i = 0; i < dims_; ++i) out[i] = a * unit[i];
  out[dims_] = b * d;
  out[dims_ + 1] = b * std::sqrt(std::max(0.0f, 1.0f - d * d));
}

void DensityReference::query_form(std::span<const float> unit, std::span<float> out) const {
  const float a = std::sqrt(1.0f / (1.0f + weight_)), b = std::sqrt(weight_ / (1.0f + weight_));
  for (std::size_t i = 0; i < dims_; ++i) out[i] = a * unit[i];
  out[dims_] = -b;
  out[dims_ + 1] = 0.0f;
}

}  // namespace picdex::embed
