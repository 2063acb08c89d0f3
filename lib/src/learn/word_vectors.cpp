#include "learn/word_vectors.hpp"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "picdex/error.hpp"

namespace picdex::learn {
namespace {

constexpr char kMagic[8] = {'P', 'D', 'X', 'W', 'V', 'E', 'C', '1'};

}  // namespace

WordVectors WordVectors::load(const std::filesystem::path& path) {
  const auto name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NotFoundError(name + ": word vector file cannot be read");
  in.seekg(0, std::ios::end);
  std::vector<char> bytes(static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg())));
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw IoError(name + ": word vector file could not be read whole");
  auto fail = [&](const std::string& why) -> FormatError {
    return FormatError(name + ": not a picdex word vector file (.pdxw): " + why);
  };
  if (bytes.size() < sizeof kMagic + 8 + 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw fail("no PDXWVEC1 header");
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (stored != XXH3_64bits(bytes.data(), bytes.size() - 8))
    throw fail("checksum mismatch (damaged or cut short)");
  std::size_t at = 8;
  const std::size_t end = bytes.size() - 8;
  auto take = [&](void* out, std::size_t n) {
    if (end - at < n) throw fail("cut short");
    std::memcpy(out, bytes.data() + at, n);
    at += n;
  };
  WordVectors v;
  std::uint32_t count;
  take(&v.dims, 4);
  take(&count, 4);
  if (v.dims == 0 || v.dims > 4096) throw fail("dims " + std::to_string(v.dims));
  v.words.reserve(count);
  v.values.resize(std::size_t{count} * v.dims);
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t length;
    take(&length, 2);
    std::string word(length, '\0');
    take(word.data(), length);
    v.words.push_back(std::move(word));
    take(v.values.data() + std::size_t{i} * v.dims, std::size_t{v.dims} * 4);
  }
  if (at != end) throw fail("has bytes after its last word");
  return v;
}

WordVectorWriter::WordVectorWriter(const std::filesystem::path& path, std::uint32_t dims)
    : path_(path), dims_(dims) {
  tmp_ = path;
  tmp_ += ".tmp-" + std::to_string(::getpid());
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw IoError(path.string() + ": cannot write the word vector file");
  write(kMagic, sizeof kMagic);
  write(&dims_, 4);
  write(&count_, 4);  // rewritten by finish()
}

WordVectorWriter::~WordVectorWriter() {
  if (!finished_) {
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(tmp_, ignored);
  }
}

void WordVectorWriter::write(const void* data, std::size_t n) {
  out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

void WordVectorWriter::add(std::string_view word, std::span<const float> vector) {
  if (vector.size() != dims_ || word.empty() || word.size() > 0xFFFF)
    throw InputError("word vector for '" + std::string(word) + "': bad size");
  const auto length = static_cast<std::uint16_t>(word.size());
  write(&length, 2);
  write(word.data(), word.size());
  write(vector.data(), vector.size() * 4);
  ++count_;
}

void WordVectorWriter::finish() {
  // The count was written as 0; patch it, then checksum the whole file as written.
  out_.seekp(12);
  write(&count_, 4);
  out_.close();
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> hash(XXH3_createState(),
                                                                &XXH3_freeState);
  XXH3_64bits_reset(hash.get());
  std::ifstream in(tmp_, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    XXH3_64bits_update(hash.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  const std::uint64_t checksum = XXH3_64bits_digest(hash.get());
  std::ofstream tail(tmp_, std::ios::binary | std::ios::app);
  tail.write(reinterpret_cast<const char*>(&checksum), 8);
  if (!tail.flush()) throw IoError(path_.string() + ": cannot write the word vector file");
  tail.close();
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) throw IoError(path_.string() + ": cannot write the word vector file: " + ec.message());
  finished_ = true;
}

}  // namespace picdex::learn
