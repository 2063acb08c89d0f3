#include "embed/model.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "embed/model_file.hpp"
#include "embed/wordnet.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

constexpr char kMagic[8] = {'P', 'D', 'X', 'M', 'O', 'D', 'L', '1'};
constexpr std::uint32_t kLatestFormat = 2;
std::size_t header_bytes(std::uint32_t format) {
  return format == 1 ? 8 + 4 + 4 + 4 * 4 + 4 + 4 + 4 : 8 + 4 + 4 + 5 * 4 + 4 + 4 + 4 + 4 + 4;
}

}  // namespace

Model::Model(std::uint32_t dims, const FeatureWeights& weights,
             std::vector<std::uint64_t> vocabulary, std::uint32_t buckets,
             std::span<const float> rows, WordTable words, std::span<const float> projection)
    : dims_(dims),
      weights_(weights),
      vocabulary_(std::move(vocabulary)),  // (throws Error unless strictly ascending)
      buckets_(buckets),
      rows_(rows, dims),
      words_(std::move(words)),
      projection_(projection.begin(), projection.end()) {
  if (rows.size() != (vocabulary_.size() + buckets_) * dims_)
    throw Error("model: rows do not match the vocabulary");
  if (projection_.size() != std::size_t{dims_} * words_.dims())
    throw Error("model: the projection does not match the word vectors");
  if (words_.empty() != (weights_.words <= 0))
    throw Error("model: word vectors and their weight go together");
  const auto bytes = serialise();
  file_bytes_ = bytes.size();
  fingerprint_ = hex8(XXH3_64bits(bytes.data(), bytes.size() - 8));
}

std::vector<std::byte> Model::serialise() const {
  const std::uint32_t format = words_.empty() ? 1 : 2;
  std::vector<std::byte> bytes;
  for (char c : kMagic) bytes.push_back(static_cast<std::byte>(c));
  put(bytes, format);
  put(bytes, dims_);
  put(bytes, weights_.stem);
  put(bytes, weights_.bigram);
  put(bytes, weights_.trigram);
  put(bytes, weights_.concepts);
  if (format >= 2) put(bytes, weights_.words);
  put(bytes, weights_.concepts > 0 ? wordnet::fingerprint() : std::uint32_t{0});
  put(bytes, static_cast<std::uint32_t>(vocabulary_.size()));
  put(bytes, buckets_);
  if (format >= 2) {
    put(bytes, static_cast<std::uint32_t>(words_.size()));
    put(bytes, words_.dims());
  }
  bytes.insert(bytes.end(), vocabulary_.bytes().begin(), vocabulary_.bytes().end());
  bytes.insert(bytes.end(), rows_.bytes().begin(), rows_.bytes().end());
  if (format >= 2) {
    const auto hashes = words_.hashes().bytes();
    bytes.insert(bytes.end(), hashes.begin(), hashes.end());
    const auto vectors = words_.vectors().bytes();
    bytes.insert(bytes.end(), vectors.begin(), vectors.end());
    for (float v : projection_) put(bytes, v);
  }
  put(bytes, XXH3_64bits(bytes.data(), bytes.size()));
  return bytes;
}

Model Model::read(std::span<const std::byte> bytes, const std::string& name,
                  std::shared_ptr<const void> owner) {
  return read(bytes, name, std::move(owner), /*whole=*/true);
}

Model Model::read_built_in(std::span<const std::byte> bytes, const std::string& name,
                           std::span<const std::byte> hash_index) {
  return read(bytes, name, nullptr, /*whole=*/false, hash_index);
}

std::vector<std::byte> Model::hash_index() const {
  auto out = vocabulary_.index_bytes();
  const auto words = words_.hashes().index_bytes();
  out.insert(out.end(), words.begin(), words.end());
  return out;
}

Model Model::read(std::span<const std::byte> bytes, const std::string& name,
                  std::shared_ptr<const void> owner, bool whole,
                  std::span<const std::byte> hash_index) {
  Cursor in(bytes, name, "model");
  const auto* magic = in.take(sizeof kMagic, "header");
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) in.fail("no model header (wrong file?)");
  const auto format = in.get<std::uint32_t>("header");
  if (format < 1 || format > kLatestFormat)
    in.fail("format " + std::to_string(format) + "; this build reads formats 1 to " +
            std::to_string(kLatestFormat));
  if (bytes.size() < header_bytes(format) + 8) in.fail("cut short in its header");
  const auto checksum = whole ? in.checked_checksum() : in.stored_checksum();

  Model m;
  m.dims_ = in.get<std::uint32_t>("header");
  m.weights_.stem = in.get<float>("header");
  m.weights_.bigram = in.get<float>("header");
  m.weights_.trigram = in.get<float>("header");
  m.weights_.concepts = in.get<float>("header");
  m.weights_.words = format >= 2 ? in.get<float>("header") : 0.0f;
  const auto wordnet_tables = in.get<std::uint32_t>("header");
  const auto vocabulary = in.get<std::uint32_t>("header");
  m.buckets_ = in.get<std::uint32_t>("header");
  const auto words = format >= 2 ? in.get<std::uint32_t>("header") : 0;
  const auto word_dims = format >= 2 ? in.get<std::uint32_t>("header") : 0;
  if (m.dims_ < 8 || m.dims_ > 4096) in.fail("dims " + std::to_string(m.dims_));
  if (format >= 2 && (words == 0 || word_dims == 0 || word_dims > 4096 || !(m.weights_.words > 0) ||
                      !std::isfinite(m.weights_.words)))
    in.fail("word vectors: " + std::to_string(words) + " of " + std::to_string(word_dims) +
            " numbers");
  if (m.buckets_ == 0) in.fail("no buckets for unseen features");
  if (whole && m.weights_.concepts > 0 && wordnet_tables != wordnet::fingerprint()) {
    in.fail("trained with other WordNet tables than this build's (" + wordnet::fingerprint_hex() +
            ")");
  }
  const std::size_t rows = std::size_t{vocabulary} + m.buckets_;
  const std::size_t expected =
      header_bytes(format) + 8 * std::size_t{vocabulary} + rows * (4 + std::size_t{m.dims_}) +
      std::size_t{words} * (8 + 4 + word_dims) + std::size_t{m.dims_} * word_dims * 4 + 8;
  if (bytes.size() != expected)
    in.fail("holds " + std::to_string(bytes.size()) + " bytes, its header implies " +
            std::to_string(expected));
  // Scales are read from every row: a file must not smuggle in a number that is not finite.
  auto view_rows = [&](std::size_t count, std::size_t dims, const char* what) {
    const auto* data = in.take(count * (4 + dims), what);
    QuantisedRows view(data, count, dims, owner);
    for (std::size_t r = 0; whole && r < count; ++r)
      if (!std::isfinite(view.scale(r)))
        in.fail(std::string(what) + ": row " + std::to_string(r) + " has a bad scale");
    return view;
  };
  // Hashes out of order cannot be indexed: SortedHashes throws Error. A given index is
  // taken from the front of `hash_index`.
  auto view_hashes = [&](std::size_t count, const char* what) {
    const auto* data = in.take(8 * count, what);
    if (!hash_index.empty()) {
      const auto length = SortedHashes::index_length(hash_index);
      try {
        SortedHashes view(data, count, hash_index.first(length));
        hash_index = hash_index.subspan(length);
        return view;
      } catch (const Error& e) {
        in.fail(std::string(what) + ": " + e.what());
      }
    }
    try {
      return SortedHashes(data, count, owner);
    } catch (const Error&) {
      in.fail(std::string(what) + " out of order");
    }
  };
  m.vocabulary_ = view_hashes(vocabulary, "vocabulary");
  m.rows_ = view_rows(rows, m.dims_, "rows");
  if (words > 0) {
    auto hashes = view_hashes(words, "words");
    m.words_ = WordTable(std::move(hashes), view_rows(words, word_dims, "word vectors"));
    m.projection_.resize(std::size_t{m.dims_} * word_dims);
    std::memcpy(m.projection_.data(), in.take(m.projection_.size() * 4, "projection"),
                m.projection_.size() * 4);
    for (float v : m.projection_)
      if (!std::isfinite(v)) in.fail("the projection holds a number that is not finite");
  }
  m.file_bytes_ = bytes.size();
  m.fingerprint_ = hex8(checksum);
  return m;
}

Model Model::load(const std::filesystem::path& path) {
  auto file = read_file_bytes(path, "model file");
  return read(file.bytes, path.string(), std::move(file.owner));
}

void Model::save(const std::filesystem::path& path) const {
  write_file_atomically(path, serialise(), "model file");
}

std::size_t feature_row(std::span<const std::uint64_t> vocabulary, std::uint32_t buckets,
                        std::uint64_t hash) {
  const auto it = std::lower_bound(vocabulary.begin(), vocabulary.end(), hash);
  if (it != vocabulary.end() && *it == hash)
    return static_cast<std::size_t>(it - vocabulary.begin());
  return vocabulary.size() + hash % buckets;
}

void Model::project(std::span<const float> sum, std::span<float> out) const {
  // Column by column: each inner loop is an axpy the compiler vectorises.
  for (std::size_t j = 0; j < words_.dims(); ++j) {
    const float w = sum[j];
    if (w == 0) continue;
    const float* column = projection_.data() + j * dims_;
    for (std::size_t d = 0; d < dims_; ++d) out[d] += w * column[d];
  }
}

}  // namespace picdex::embed
