#include "index/snapshot.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "fault/failpoint.hpp"
#include "picdex/error.hpp"

namespace picdex::index {
namespace {

// hnswlib 0.6.2's saveIndex header, field by field.
struct Header {
  std::uint64_t offset_level0, max_elements, count, size_per_element, label_offset, offset_data;
  std::int32_t max_level;
  std::uint32_t entry_point;
  std::uint64_t max_m, max_m0, m;
  double mult;
  std::uint64_t ef_construction;
};

// Reads a file forward, hashing every byte read (XXH3-64), so the structure walk and
// the checksum cost one pass over the file.
class HashingReader {
 public:
  explicit HashingReader(const std::filesystem::path& path)
      : in_(path, std::ios::binary), state_(XXH3_createState()) {
    XXH3_64bits_reset(state_);
  }
  ~HashingReader() { XXH3_freeState(state_); }
  bool is_open() const { return in_.is_open(); }
  bool read(char* data, std::size_t n) {
    in_.read(data, static_cast<std::streamsize>(n));
    XXH3_64bits_update(state_, data, static_cast<std::size_t>(in_.gcount()));
    return in_.gcount() == static_cast<std::streamsize>(n);
  }
  template <typename T>
  bool pod(T& value) {
    return read(reinterpret_cast<char*>(&value), sizeof value);
  }
  // Hashes the rest of the file; true if there was any.
  bool drain() {
    std::vector<char> buf(1 << 16);
    bool any = false;
    while (in_) {
      in_.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      any |= in_.gcount() > 0;
      XXH3_64bits_update(state_, buf.data(), static_cast<std::size_t>(in_.gcount()));
    }
    return any;
  }
  std::uint64_t digest() const { return XXH3_64bits_digest(state_); }

 private:
  std::ifstream in_;
  XXH3_state_t* state_;
};

struct Scan {
  std::optional<std::string> problem;
  std::string checksum;
  std::uint64_t elements = 0;
};

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Walks the file as hnswlib's loader would and rejects anything it could misread:
// header fields that disagree with the shape, neighbour ids out of range, link lists
// that overrun, bytes left over.
std::optional<std::string> check_structure(HashingReader& in, const GraphShape& shape,
                                           std::uint64_t& elements) {
  if (!in.is_open()) return "cannot be opened";
  Header h{};
  if (!(in.pod(h.offset_level0) && in.pod(h.max_elements) && in.pod(h.count) &&
        in.pod(h.size_per_element) && in.pod(h.label_offset) && in.pod(h.offset_data) &&
        in.pod(h.max_level) && in.pod(h.entry_point) && in.pod(h.max_m) && in.pod(h.max_m0) &&
        in.pod(h.m) && in.pod(h.mult) && in.pod(h.ef_construction)))
    return "header is truncated";
  const std::uint64_t links0 = h.max_m0 * 4 + 4;
  const std::uint64_t links = h.max_m * 4 + 4;
  if (h.m != shape.m || h.max_m != shape.m || h.max_m0 != 2 * shape.m || h.offset_level0 != 0 ||
      h.offset_data != links0 || h.label_offset != links0 + shape.dim * 4 ||
      h.size_per_element != links0 + shape.dim * 4 + 8)
    return "header does not match the catalogue's dimension and M";
  if (h.count > h.max_elements || h.count > (1ull << 32))
    return "header claims an impossible element count";
  if (h.count == 0 ? h.max_level != -1
                   : (h.entry_point >= h.count || h.max_level < 0 || h.max_level > 64))
    return "header has an invalid entry point or level";

  std::vector<char> element(h.size_per_element);
  for (std::uint64_t i = 0; i < h.count; ++i) {
    if (!in.read(element.data(), element.size()))
      return "holds fewer elements than its header claims";
    std::uint32_t n;
    std::memcpy(&n, element.data(), 4);
    n &= 0xffff;  // the high bytes hold the deleted mark
    if (n > h.max_m0) return "element " + std::to_string(i) + " has too many links";
    for (std::uint32_t j = 0; j < n; ++j) {
      std::uint32_t neighbour;
      std::memcpy(&neighbour, element.data() + 4 + 4 * j, 4);
      if (neighbour >= h.count) return "element " + std::to_string(i) + " links out of range";
    }
  }
  std::vector<char> upper;
  for (std::uint64_t i = 0; i < h.count; ++i) {
    std::uint32_t size;
    if (!in.pod(size)) return "upper layers are truncated";
    if (size % links != 0 || size / links > static_cast<std::uint64_t>(h.max_level))
      return "element " + std::to_string(i) + " has an invalid upper-layer size";
    upper.resize(size);
    if (size && !in.read(upper.data(), size)) return "upper layers are truncated";
    for (std::uint64_t level = 0; level < size / links; ++level) {
      std::uint32_t n;
      std::memcpy(&n, upper.data() + level * links, 4);
      if (n > h.max_m) return "element " + std::to_string(i) + " has too many upper links";
      for (std::uint32_t j = 0; j < n; ++j) {
        std::uint32_t neighbour;
        std::memcpy(&neighbour, upper.data() + level * links + 4 + 4 * j, 4);
        if (neighbour >= h.count) return "element " + std::to_string(i) + " links out of range";
      }
    }
  }
  if (in.drain()) return "has bytes past its end";
  elements = h.count;
  return std::nullopt;
}

Scan scan(const std::filesystem::path& path, const GraphShape& shape) {
  HashingReader in(path);
  Scan result;
  result.problem = check_structure(in, shape, result.elements);
  in.drain();
  result.checksum = hex64(in.digest());
  return result;
}

void fsync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw IoError(path.string() + ": cannot sync: " + std::strerror(err));
  }
  ::close(fd);
}

}  // namespace

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::string snapshot_prefix(const std::filesystem::path& catalogue) {
  return catalogue.filename().string() + ".graph-";
}

SnapshotFile write_snapshot(const Graph& graph, const std::filesystem::path& catalogue,
                            std::int64_t seq) {
  const auto base = catalogue.parent_path() / (snapshot_prefix(catalogue) + std::to_string(seq));
  auto tmp = base;
  tmp += ".tmp-";
  tmp += std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw IoError(tmp.string() + ": cannot create graph snapshot: " + std::strerror(errno));
  FileLock lock(fd);
  ::flock(fd, LOCK_EX);  // ours alone: a fresh name no one else waits on
  auto discard = [&] {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
  };
  try {
    graph.save(tmp);
  } catch (const std::exception& e) {
    discard();
    throw IoError(tmp.string() + ": cannot write graph snapshot: " + e.what());
  }
  fsync_path(tmp, O_RDONLY);
  // hnswlib's writer does not report errors: read the file back to catch a short write.
  const auto written = scan(tmp, graph.shape());
  if (written.problem) {
    discard();
    throw IoError(tmp.string() + ": graph snapshot was not written completely (" +
                  *written.problem + "; disk full?)");
  }
  auto path = base;
  path += "-";
  path += written.checksum.substr(0, 8);
  SnapshotFile file{path, std::filesystem::file_size(tmp), written.checksum, written.elements,
                    std::move(lock)};
  fault::failpoint("snapshot.temp");
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    discard();
    throw IoError(path.string() + ": cannot rename graph snapshot: " + ec.message());
  }
  sync_folder_of(catalogue);
  fault::failpoint("snapshot.renamed");
  return file;
}

void sync_folder_of(const std::filesystem::path& path) {
  fsync_path(path.parent_path().empty() ? "." : path.parent_path(), O_RDONLY | O_DIRECTORY);
}

std::vector<std::filesystem::path> stale_snapshots(const std::filesystem::path& catalogue,
                                                   const std::string& keep) {
  const auto prefix = snapshot_prefix(catalogue);
  const auto folder = catalogue.parent_path().empty() ? "." : catalogue.parent_path();
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with(prefix) && name != keep) out.push_back(entry.path());
  }
  return out;
}

std::size_t remove_stale_snapshots(const std::filesystem::path& catalogue,
                                   const std::string& keep) {
  std::size_t removed = 0;
  for (const auto& path : stale_snapshots(catalogue, keep)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    FileLock lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) continue;  // a save in progress
    std::error_code ignored;
    removed += std::filesystem::remove(path, ignored);
  }
  return removed;
}

std::optional<std::string> check_snapshot(const SnapshotFile& expected, const GraphShape& shape) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(expected.path, ec);
  if (ec) return "is missing";
  if (bytes != expected.bytes)
    return "has " + std::to_string(bytes) + " bytes, the manifest says " +
           std::to_string(expected.bytes);
  const auto found = scan(expected.path, shape);
  if (found.checksum != expected.checksum) return "fails its checksum";
  if (found.problem) return found.problem;
  if (found.elements != expected.elements)
    return "holds another number of elements than the manifest";
  return std::nullopt;
}

}  // namespace picdex::index
