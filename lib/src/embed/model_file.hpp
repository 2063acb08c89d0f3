// Reading and writing the embedders' data files (models, density references): whole,
// checked, atomically replaced.
#pragma once

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "picdex/error.hpp"

namespace picdex::embed {

// A file's bytes, read (not mapped: a file replaced in place under a mapping would kill
// the process). `what` names the kind of file in errors ("model file"). Throws
// NotFoundError if it cannot be opened, InputError if it is not a regular file, IoError.
struct FileBytes {
  std::shared_ptr<const std::byte[]> owner;
  std::span<const std::byte> bytes;
};
FileBytes read_file_bytes(const std::filesystem::path& path, const char* what);

// Writes `bytes` to a temporary file beside `path`, then renames it there. Throws IoError.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes,
                           const char* what);

// The first 8 hex digits of a checksum: how specs name a file's contents.
std::string hex8(std::uint64_t checksum);

template <typename T>
void put(std::vector<std::byte>& out, const T& value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

// Reads forward through a file's bytes; failures throw FormatError naming the file and
// the kind of file it should have been.
class Cursor {
 public:
  Cursor(std::span<const std::byte> bytes, std::string name, const char* kind)
      : bytes_(bytes), name_(std::move(name)), kind_(kind) {}
  template <typename T>
  T get(const char* what) {
    T value;
    need(sizeof value, what);
    std::memcpy(&value, bytes_.data() + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  const std::byte* take(std::size_t n, const char* what) {
    need(n, what);
    const auto* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  // The XXH3-64 checksum in the file's last 8 bytes, once checked against everything
  // before them.
  std::uint64_t checked_checksum() const;
  std::uint64_t stored_checksum() const;  // the same, unchecked
  [[noreturn]] void fail(const std::string& why) const {
    throw FormatError(name_ + ": not a usable picdex " + kind_ + ": " + why);
  }

 private:
  void need(std::size_t n, const char* what) const {
    if (bytes_.size() - at_ < n) fail(std::string("cut short in its ") + what);
  }
  std::span<const std::byte> bytes_;
  std::string name_;
  const char* kind_;
  std::size_t at_ = 0;
};

}  // namespace picdex::embed
