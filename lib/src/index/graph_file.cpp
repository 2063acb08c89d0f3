// Graph snapshots: writing one, mapping one, and checking a mapped one whole. The file
// layout is described in snapshot_format.hpp.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "index/graph.hpp"
#include "index/hnsw_adapter.hpp"
#include "index/packed_hits.hpp"
#include "index/snapshot_format.hpp"

namespace picdex::index {
namespace {

static_assert(std::is_trivially_copyable_v<SnapshotHeader> && sizeof(SnapshotHeader) == 224);
static_assert(offsetof(SnapshotHeader, hnsw_layout) == kSnapshotHeaderV1Bytes);
static_assert(offsetof(SnapshotHeader, caption_slots_bytes) == kSnapshotHeaderV2Bytes);
// Versions 1 and 2 stored the slots as these structs.
struct StoredImageSlot {
  std::uint64_t uri_at, uri_bytes, metadata_at, metadata_bytes;
};
static_assert(std::is_trivially_copyable_v<HitTable::Caption> && sizeof(HitTable::Caption) == 24);

// 1, 2 or 3; 0 for a file that is no snapshot this build reads.
int version(const SnapshotHeader& h) {
  for (const auto& [magic, v] : {std::pair{kSnapshotMagicV1, 1}, std::pair{kSnapshotMagicV2, 2},
                                 std::pair{kSnapshotMagic, 3}})
    if (std::memcmp(h.magic, magic, sizeof h.magic) == 0) return v;
  return 0;
}
bool version1(const SnapshotHeader& h) {
  return version(h) == 1;
}

std::size_t header_bytes(const SnapshotHeader& h) {
  switch (version(h)) {
    case 1:
      return kSnapshotHeaderV1Bytes;
    case 2:
      return kSnapshotHeaderV2Bytes;
    default:
      return sizeof h;
  }
}
std::uint64_t caption_slots_bytes(const SnapshotHeader& h) {
  return version(h) >= 3 ? h.caption_slots_bytes : h.caption_count * sizeof(HitTable::Caption);
}
std::uint64_t image_slots_bytes(const SnapshotHeader& h) {
  return version(h) >= 3 ? h.image_slots_bytes : h.image_count * sizeof(StoredImageSlot);
}

GraphPrecision precision_of(const SnapshotHeader& h) {
  return static_cast<GraphPrecision>(h.precision);
}

std::uint64_t align_up(std::uint64_t n, std::uint64_t to) {
  return (n + to - 1) / to * to;
}

class Hasher {
 public:
  Hasher() : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
    XXH3_64bits_reset(state_);
  }
  ~Hasher() { XXH3_freeState(state_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void add(const void* data, std::size_t n) { XXH3_64bits_update(state_, data, n); }
  std::uint64_t digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_;
};

// The header's own checksum: over the header (checksum field zero) and every section but
// layer 0, as the file holds them (`hits`: the four hit table sections).
std::uint64_t header_checksum(SnapshotHeader header, std::span<const std::int32_t> levels,
                              std::span<const char> upper, const PackedHitsView& hits) {
  header.checksum = 0;
  Hasher h;
  h.add(&header, header_bytes(header));
  h.add(levels.data(), levels.size_bytes());
  h.add(upper.data(), upper.size_bytes());
  for (const auto section :
       {hits.caption_slots, hits.caption_texts, hits.image_slots, hits.image_texts})
    h.add(section.data(), section.size());
  return h.digest();
}

// A hit table of format 1 or 2, whose slots are stored structs: HitTable::Caption, byte for
// byte, and StoredImageSlot.
HitTable unpack_slots_as_stored(const PackedHitsView& sections) {
  LargeVector<HitTable::Caption> captions(sections.caption_count);
  std::vector<StoredImageSlot> stored(sections.image_count);
  std::memcpy(captions.data(), sections.caption_slots.data(), sections.caption_slots.size());
  std::memcpy(stored.data(), sections.image_slots.data(), sections.image_slots.size());
  // Each image's metadata follows its URI (HitTable::put and compacted() wrote them so).
  LargeVector<HitTable::Image> images(sections.image_count);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto& s = stored[i];
    if (s.uri_bytes > UINT32_MAX || s.metadata_bytes > UINT32_MAX ||
        s.metadata_at != s.uri_at + s.uri_bytes)
      throw std::runtime_error("an image's row points outside its table");
    images[i] = {s.uri_at, static_cast<std::uint32_t>(s.uri_bytes),
                 static_cast<std::uint32_t>(s.metadata_bytes)};
  }
  return HitTable::from_tables(std::move(captions),
                               TextArena(sections.caption_texts, sections.owner), std::move(images),
                               TextArena(sections.image_texts, sections.owner));
}

// The sections of the file from `from` to its end (`bytes`), mapped read-only, and a view
// of them in file offsets: at(offset, n).
class MappedTail {
 public:
  MappedTail(int fd, std::uint64_t from, std::uint64_t bytes) {
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    from_ = from / page * page;
    if (from_ >= bytes) return;  // nothing to map
    const std::size_t length = bytes - from_;
    void* address = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, static_cast<off_t>(from_));
    if (address == MAP_FAILED)
      throw SnapshotError(std::string("cannot be mapped: ") + std::strerror(errno));
    region_ = std::shared_ptr<const void>(
        address, [length](const void* p) { ::munmap(const_cast<void*>(p), length); });
  }
  std::string_view at(std::uint64_t offset, std::uint64_t n) const {
    if (n == 0) return {};
    return {static_cast<const char*>(region_.get()) + (offset - from_), n};
  }
  const std::shared_ptr<const void>& owner() const { return region_; }

 private:
  std::uint64_t from_ = 0;
  std::shared_ptr<const void> region_;
};

// Sets the section offsets from the sizes (count, element_bytes, upper_bytes and the hit
// hits' counts and bytes) and returns where the file ends.
std::uint64_t lay_out(SnapshotHeader& h) {
  h.level0_offset = kSnapshotAlign;
  h.levels_offset = align_up(h.level0_offset + h.count * h.element_bytes, 8);
  h.upper_offset = h.levels_offset + 4 * h.count;
  h.caption_slots_offset = align_up(h.upper_offset + h.upper_bytes, 8);
  h.caption_texts_offset = h.caption_slots_offset + caption_slots_bytes(h);
  h.image_slots_offset = align_up(h.caption_texts_offset + h.caption_texts_bytes, 8);
  h.image_texts_offset = h.image_slots_offset + image_slots_bytes(h);
  return h.image_texts_offset + h.image_texts_bytes;
}

// Writes everything to a file descriptor, hashing what it writes.
class HashedWriter {
 public:
  explicit HashedWriter(int fd) : fd_(fd) {}
  void put(const void* data, std::size_t n) {
    hash_.add(data, n);
    for (auto* p = static_cast<const char*>(data); n > 0;) {
      const auto written = ::write(fd_, p, std::min<std::size_t>(n, 1u << 30));
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0)
        throw SnapshotError(std::string("cannot be written: ") +
                            std::strerror(written < 0 ? errno : EIO));
      p += written;
      n -= static_cast<std::size_t>(written);
      offset_ += static_cast<std::uint64_t>(written);
    }
  }
  void pad_to(std::uint64_t offset) {
    static const char zeros[4096] = {};
    while (offset_ < offset) put(zeros, std::min<std::uint64_t>(sizeof zeros, offset - offset_));
  }
  std::uint64_t digest() const { return hash_.digest(); }

 private:
  int fd_;
  std::uint64_t offset_ = 0;
  Hasher hash_;
};

// Reads exactly `n` bytes at `offset`, or says why not.
void read_at(int fd, void* out, std::size_t n, std::uint64_t offset) {
  for (auto* p = static_cast<char*>(out); n > 0;) {
    const auto got = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) throw SnapshotError("cannot be read");
    p += got;
    n -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
}

struct Fd {
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  Fd& operator=(Fd&&) = delete;
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// The header's promises, checked against the file size and the catalogue's shape, so
// that every section lies inside the file and every size is what hnswlib expects.
void check_header(const SnapshotHeader& h, std::uint64_t file_bytes, const GraphShape& shape) {
  if (version(h) == 0) throw SnapshotError("is not a picdex graph snapshot of this version");
  // Version 1 was written in layout 1 only, and its header stops before these fields.
  const auto layout = version1(h) ? 1 : h.hnsw_layout;
  if (layout != kHnswLayout)
    throw SnapshotError("holds a graph in hnswlib layout " + std::to_string(layout) +
                        ", not the layout " + std::to_string(kHnswLayout) + " this build reads");
  if (h.precision > static_cast<std::uint64_t>(GraphPrecision::int8))
    throw SnapshotError("holds vectors of a precision this build does not know");
  if (h.dim != shape.dim || h.m != shape.m || h.max_m0 != 2 * shape.m ||
      h.element_bytes != hnsw_element_bytes(hnsw_vector_bytes(h.dim, precision_of(h)), h.m))
    throw SnapshotError("header does not match the catalogue's dimension and M");
  if (h.count >= (1ull << 32) || h.deleted > h.count)
    throw SnapshotError("header claims an impossible element count");
  if (h.count == 0 ? h.max_level != -1
                   : (h.entry_point >= h.count || h.max_level < 0 || h.max_level > 64))
    throw SnapshotError("header has an invalid entry point or level");
  // count < 2^32 and element_bytes < 2^20 (dim and M are bounded), and no other size
  // exceeds the file's: no sum in lay_out() overflows.
  SnapshotHeader expected = h;
  const bool fits = h.upper_bytes <= file_bytes && h.caption_count <= file_bytes &&
                    h.caption_texts_bytes <= file_bytes && h.image_count <= file_bytes &&
                    h.image_texts_bytes <= file_bytes && h.caption_slots_bytes <= file_bytes &&
                    h.image_slots_bytes <= file_bytes && lay_out(expected) == file_bytes &&
                    std::memcmp(&expected, &h, sizeof h) == 0;
  if (!fits) throw SnapshotError("sections do not fit the file (truncated?)");
}

}  // namespace

Graph::Mapping::~Mapping() {
  if (address) ::munmap(address, bytes);
  if (fd >= 0) ::close(fd);
}

namespace {

// Opens the snapshot at `path`, which the manifest says is `bytes` long, and reads and
// checks its header (check_header) into `head`.
Fd open_snapshot(const std::filesystem::path& path, std::uint64_t bytes, const GraphShape& shape,
                 SnapshotHeader& head) {
  // Non-blocking: a FIFO in its place must not hang the open (it is refused below).
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)};
  if (file.fd < 0)
    throw SnapshotError(errno == ENOENT ? "is missing"
                                        : std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) throw SnapshotError("cannot be read");
  if (!S_ISREG(st.st_mode)) throw SnapshotError("is not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size != bytes)
    throw SnapshotError("has " + std::to_string(size) + " bytes, the manifest says " +
                        std::to_string(bytes));
  if (size < sizeof head) throw SnapshotError("is too short to hold a header");
  read_at(file.fd, &head, sizeof head, 0);
  // Fields after a version's header are the zeros that pad it.
  if (version1(head)) head.hnsw_layout = head.precision = 0;
  check_header(head, size, shape);
  return file;
}

}  // namespace

std::optional<std::uint64_t> Graph::recorded_deleted(const GraphShape& shape,
                                                     const std::filesystem::path& path,
                                                     std::uint64_t bytes) {
  try {
    SnapshotHeader head{};
    open_snapshot(path, bytes, shape, head);
    return head.deleted;
  } catch (const SnapshotError&) {
    return std::nullopt;
  }
}

Graph Graph::map(const GraphShape& shape, const std::filesystem::path& path, std::uint64_t bytes,
                 const std::string& checksum, HitTable& hits) {
  SnapshotHeader head{};
  auto file = open_snapshot(path, bytes, shape, head);

  // Everything after layer 0 (levels, upper layers, the hit table's sections) is mapped,
  // so that it is read in place rather than copied: the hit table's texts stay there,
  // and opening a large catalogue writes no memory for the rest.
  const MappedTail tail(file.fd, head.levels_offset, bytes);
  const auto levels_bytes = tail.at(head.levels_offset, 4 * head.count);
  // (levels_offset is 8-byte aligned, and so is the mapping: whole pages.)
  const std::span<const std::int32_t> levels(
      reinterpret_cast<const std::int32_t*>(levels_bytes.data()), head.count);
  const auto upper_bytes = tail.at(head.upper_offset, head.upper_bytes);
  const std::span<const char> upper(upper_bytes.data(), upper_bytes.size());
  const PackedHitsView sections{head.caption_count,
                                head.image_count,
                                tail.at(head.caption_slots_offset, caption_slots_bytes(head)),
                                tail.at(head.caption_texts_offset, head.caption_texts_bytes),
                                tail.at(head.image_slots_offset, image_slots_bytes(head)),
                                tail.at(head.image_texts_offset, head.image_texts_bytes),
                                tail.owner()};
  if (header_checksum(head, levels, upper, sections) != head.checksum)
    throw SnapshotError("fails its checksum");
  HitTable loaded;
  try {
    loaded = version(head) >= 3 ? unpack(sections) : unpack_slots_as_stored(sections);
  } catch (const std::runtime_error& e) {
    throw SnapshotError(e.what());
  }

  // Upper layers: sizes agree with the levels, every link stays inside the graph.
  const std::uint64_t list_bytes = hnsw_link_list_bytes(head.m);
  std::uint64_t upper_expected = 0;
  for (const auto level : levels) {
    if (level < 0 || level > head.max_level)
      throw SnapshotError("an element's level is out of range");
    upper_expected += static_cast<std::uint64_t>(level) * list_bytes;
  }
  if (upper_expected != upper.size() ||
      (head.count > 0 && levels[head.entry_point] != head.max_level))
    throw SnapshotError("upper layers do not match the levels");
  // A link on layer l must reach an element that has layer l (a search follows it there).
  std::uint64_t at = 0;
  for (const auto level : levels)
    for (std::int32_t l = 1; l <= level; ++l, at += list_bytes) {
      std::uint32_t n;
      std::memcpy(&n, upper.data() + at, 4);
      if ((n & 0xffff) > head.m) throw SnapshotError("an upper-layer list has too many links");
      for (std::uint32_t j = 0; j < (n & 0xffff); ++j) {
        std::uint32_t id;
        std::memcpy(&id, upper.data() + at + 4 + 4 * j, 4);
        if (id >= head.count || levels[id] < l)
          throw SnapshotError("an upper-layer link is out of range");
      }
    }

  // Room to grow before hnswlib must copy layer 0 to the heap (see reserve()).
  const std::size_t capacity = head.count + std::max<std::size_t>(head.count / 4, 1024);
  const std::size_t level0_bytes = head.count * head.element_bytes;
  const std::size_t reserved = align_up(capacity * head.element_bytes, kSnapshotAlign);
  void* region = ::mmap(nullptr, reserved, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (region == MAP_FAILED)
    throw SnapshotError(std::string("cannot be mapped: ") + std::strerror(errno));
  auto mapping = std::make_unique<Mapping>(region, reserved, std::exchange(file.fd, -1));
  if (level0_bytes > 0 &&
      ::mmap(region, level0_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, mapping->fd,
             static_cast<off_t>(head.level0_offset)) == MAP_FAILED)
    throw SnapshotError(std::string("cannot be mapped: ") + std::strerror(errno));
  // Searches touch scattered elements: read only the pages they touch, not their neighbours.
  if (level0_bytes > 0) ::madvise(region, level0_bytes, MADV_RANDOM);
  auto mapped_shape = shape;
  mapped_shape.precision = precision_of(head);
  Graph graph(mapped_shape,
              HnswIndex::over({.dim = head.dim,
                               .precision = mapped_shape.precision,
                               .m = head.m,
                               .ef_construction = head.ef_construction,
                               .count = head.count,
                               .deleted = head.deleted,
                               .capacity = capacity,
                               .mult = head.mult,
                               .max_level = static_cast<int>(head.max_level),
                               .entry_point = static_cast<std::uint32_t>(head.entry_point),
                               .level0 = static_cast<char*>(region),
                               .levels = levels,
                               .upper = upper}));
  graph.mapping_ = std::move(mapping);
  hits = std::move(loaded);
  graph.file_ = path;
  graph.unchecked_ = checksum;
  return graph;
}

std::optional<std::string> Graph::make_writable() {
  if (writable()) return std::nullopt;
  Hasher whole;
  std::vector<char> buffer(1 << 20);
  for (off_t at = 0;;) {
    const auto got = ::pread(mapping_->fd, buffer.data(), buffer.size(), at);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return std::string("cannot be read: ") + std::strerror(errno);
    if (got == 0) break;
    whole.add(buffer.data(), static_cast<std::size_t>(got));
    at += got;
  }
  if (checksum_hex(whole.digest()) != unchecked_) return "fails its checksum";

  if (auto why = hnsw_->index_labels()) return why;
  unchecked_.clear();
  return std::nullopt;
}

std::uint64_t Graph::write(int fd, const HitTable& all_hits) const {
  require_writable();
  const auto hits = pack(all_hits.compacted());
  const auto h = hnsw_->layout();
  const std::uint64_t count = h.count;
  std::vector<std::int32_t> levels(count);
  std::vector<char> upper;
  for (std::size_t id = 0; id < count; ++id) {
    levels[id] = h.levels[id];
    if (levels[id] > 0)
      upper.insert(upper.end(), h.upper[id],
                   h.upper[id] + static_cast<std::size_t>(levels[id]) * h.upper_list_bytes);
  }
  SnapshotHeader head{};
  std::memcpy(head.magic, kSnapshotMagic, sizeof head.magic);
  head.hnsw_layout = kHnswLayout;
  head.precision = static_cast<std::uint64_t>(shape_.precision);
  head.dim = shape_.dim;
  head.m = h.m;
  head.max_m0 = h.max_m0;
  head.ef_construction = h.ef_construction;
  head.mult = h.mult;
  head.count = count;
  head.deleted = h.deleted;
  head.max_level = h.max_level;
  head.entry_point = h.entry_point;
  head.element_bytes = h.element_bytes;
  head.upper_bytes = upper.size();
  head.caption_count = hits.caption_count;
  head.caption_slots_bytes = hits.caption_slots.size();
  head.caption_texts_bytes = hits.caption_texts.size();
  head.image_count = hits.image_count;
  head.image_slots_bytes = hits.image_slots.size();
  head.image_texts_bytes = hits.image_texts.size();
  lay_out(head);
  head.checksum = header_checksum(head, levels, upper, view_of(hits));

  HashedWriter out(fd);
  out.put(&head, sizeof head);
  out.pad_to(head.level0_offset);
  out.put(h.level0, count * head.element_bytes);
  out.pad_to(head.levels_offset);
  out.put(levels.data(), levels.size() * 4);
  out.put(upper.data(), upper.size());
  out.pad_to(head.caption_slots_offset);
  out.put(hits.caption_slots.data(), hits.caption_slots.size());
  out.put(hits.caption_texts.data(), hits.caption_texts.size());
  out.pad_to(head.image_slots_offset);
  out.put(hits.image_slots.data(), hits.image_slots.size());
  out.put(hits.image_texts.data(), hits.image_texts.size());
  return out.digest();
}

}  // namespace picdex::index
