#include "embed/model_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <fstream>

namespace picdex::embed {

FileBytes read_file_bytes(const std::filesystem::path& path, const char* what) {
  // A catalogue names its model's path: a FIFO or device there must not block or stream.
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw InputError(path.string() + ": " + what + " is not a regular file");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw NotFoundError(path.string() + ": " + what + " cannot be read");
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw IoError(path.string() + ": " + what + " could not be read whole");
  }
  // Into memory that is not zeroed first: what is read from it are views of this buffer.
  const auto size = static_cast<std::size_t>(st.st_size);
  std::shared_ptr<std::byte[]> bytes = std::make_unique_for_overwrite<std::byte[]>(size);
  std::size_t done = 0;
  while (done < size) {
    const auto n = ::read(fd, bytes.get() + done, size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done != size) throw IoError(path.string() + ": " + what + " could not be read whole");
  const std::span<const std::byte> view(bytes.get(), size);
  return {std::move(bytes), view};
}

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes,
                           const char* what) {
  auto tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw IoError(path.string() + ": cannot write the " + what);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw IoError(path.string() + ": cannot write the " + what + ": " + ec.message());
}

std::uint64_t Cursor::stored_checksum() const {
  if (bytes_.size() < 8) fail("cut short");
  std::uint64_t stored;
  std::memcpy(&stored, bytes_.data() + bytes_.size() - 8, 8);
  return stored;
}

std::uint64_t Cursor::checked_checksum() const {
  const auto stored = stored_checksum();
  if (stored != XXH3_64bits(bytes_.data(), bytes_.size() - 8))
    fail("checksum mismatch (damaged or cut short)");
  return stored;
}

std::string hex8(std::uint64_t checksum) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(checksum));
  return std::string(out, 8);
}

}  // namespace picdex::embed
