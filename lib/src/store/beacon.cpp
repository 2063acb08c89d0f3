#include "store/beacon.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "picdex/error.hpp"

namespace picdex::store {
namespace {

constexpr std::size_t kBytes = sizeof(std::uint64_t);

std::atomic_ref<std::uint64_t> atomic(std::uint64_t* counter) {
  return std::atomic_ref<std::uint64_t>(*counter);
}

}  // namespace

ChangeBeacon::ChangeBeacon(const std::filesystem::path& catalogue, bool writer) {
  path_ = catalogue;
  path_ += ".beacon";
  if (writer && map(catalogue, true)) return;
  // Read-only: a writer that gets here refuses to commit (begin_commit).
  map(catalogue, false);
}

bool ChangeBeacon::map(const std::filesystem::path& catalogue, bool writer) {
  struct stat st {};
  // Created with the catalogue's permissions, as SQLite creates its -wal and -shm files.
  const mode_t mode = ::stat(catalogue.c_str(), &st) == 0 ? (st.st_mode & 0666) : 0644;
  const int fd = writer ? ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode)
                        : ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  void* map = MAP_FAILED;
  // A new file is extended with zeros (so is one another process is just creating).
  if (::fstat(fd, &st) == 0 &&
      (st.st_size >= static_cast<off_t>(kBytes) || (writer && ::ftruncate(fd, kBytes) == 0)))
    map = ::mmap(nullptr, kBytes, writer ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return false;
  counter_ = static_cast<std::uint64_t*>(map);
  writable_ = writer;
  return true;
}

void ChangeBeacon::require_writable() const {
  if (!writable_)
    throw IoError(path_.string() + ": cannot be written (read-only file or folder?); " +
                  "commits must be signalled to other processes");
}

ChangeBeacon::ChangeBeacon(ChangeBeacon&& other) noexcept
    : path_(std::move(other.path_)),
      counter_(std::exchange(other.counter_, nullptr)),
      writable_(std::exchange(other.writable_, false)),
      began_(std::exchange(other.began_, 0)) {}

ChangeBeacon& ChangeBeacon::operator=(ChangeBeacon&& other) noexcept {
  if (this != &other) {
    if (counter_) ::munmap(counter_, kBytes);
    path_ = std::move(other.path_);
    counter_ = std::exchange(other.counter_, nullptr);
    writable_ = std::exchange(other.writable_, false);
    began_ = std::exchange(other.began_, 0);
  }
  return *this;
}

ChangeBeacon::~ChangeBeacon() {
  if (counter_) ::munmap(counter_, kBytes);
}

std::uint64_t ChangeBeacon::read() const {
  return counter_ ? atomic(counter_).load(std::memory_order_acquire) : 1;
}

// The counter only ever grows, so a value a reader has seen never comes back. Both steps
// are compare-and-swap: end_commit() runs after SQLite has released its write lock, so the
// next writer may already have begun; then its odd value must stay until it ends.
void ChangeBeacon::begin_commit() {
  require_writable();
  auto v = atomic(counter_).load(std::memory_order_relaxed);
  while (!atomic(counter_).compare_exchange_weak(v, (v + 1) | 1, std::memory_order_seq_cst,
                                                 std::memory_order_relaxed)) {
  }
  began_ = (v + 1) | 1;
}

void ChangeBeacon::end_commit() {
  if (!writable_ || !began_) return;
  auto expected = std::exchange(began_, 0);
  // Fails, leaving the counter odd, if another writer began since: its end makes it even.
  atomic(counter_).compare_exchange_strong(expected, expected + 1, std::memory_order_release,
                                           std::memory_order_relaxed);
}

}  // namespace picdex::store
