#include "index/snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

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

template <typename T>
bool read_pod(std::istream& in, T& value) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(&value), sizeof value));
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string file_checksum(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  std::vector<char> buf(1 << 20);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
    XXH3_64bits_update(state, buf.data(), static_cast<std::size_t>(in.gcount()));
  const auto digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return hex64(digest);
}

// Walks the file as hnswlib's loader would and rejects anything it could misread:
// header fields that disagree with the shape, neighbour ids out of range, link lists
// that overrun, bytes left over.
std::optional<std::string> check_structure(const std::filesystem::path& path,
                                           const GraphShape& shape, std::uint64_t& elements) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot be opened";
  Header h{};
  if (!(read_pod(in, h.offset_level0) && read_pod(in, h.max_elements) && read_pod(in, h.count) &&
        read_pod(in, h.size_per_element) && read_pod(in, h.label_offset) &&
        read_pod(in, h.offset_data) && read_pod(in, h.max_level) && read_pod(in, h.entry_point) &&
        read_pod(in, h.max_m) && read_pod(in, h.max_m0) && read_pod(in, h.m) &&
        read_pod(in, h.mult) && read_pod(in, h.ef_construction)))
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
    if (!in.read(element.data(), static_cast<std::streamsize>(element.size())))
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
    if (!read_pod(in, size)) return "upper layers are truncated";
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
  if (in.peek() != std::char_traits<char>::eof()) return "has bytes past its end";
  elements = h.count;
  return std::nullopt;
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

SnapshotFile write_snapshot(const Graph& graph, const std::filesystem::path& path) {
  auto tmp = path;
  tmp += ".tmp";
  try {
    graph.save(tmp);
  } catch (const std::exception& e) {
    throw IoError(tmp.string() + ": cannot write graph snapshot: " + e.what());
  }
  fsync_path(tmp, O_RDONLY);
  // hnswlib's writer does not report errors: read the file back to catch a short write.
  std::uint64_t elements = 0;
  if (auto why = check_structure(tmp, graph.shape(), elements)) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw IoError(tmp.string() + ": graph snapshot was not written completely (" + *why +
                  "; disk full?)");
  }
  SnapshotFile file{path, std::filesystem::file_size(tmp), file_checksum(tmp), elements};
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw IoError(path.string() + ": cannot rename graph snapshot: " + ec.message());
  fsync_path(path.parent_path().empty() ? "." : path.parent_path(), O_RDONLY | O_DIRECTORY);
  return file;
}

std::optional<std::string> check_snapshot(const SnapshotFile& expected, const GraphShape& shape) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(expected.path, ec);
  if (ec) return "is missing";
  if (bytes != expected.bytes)
    return "has " + std::to_string(bytes) + " bytes, the manifest says " +
           std::to_string(expected.bytes);
  if (file_checksum(expected.path) != expected.checksum) return "fails its checksum";
  std::uint64_t elements = 0;
  if (auto why = check_structure(expected.path, shape, elements)) return why;
  if (elements != expected.elements) return "holds another number of elements than the manifest";
  return std::nullopt;
}

}  // namespace picdex::index
