// ChangeBeacon: a change counter shared by every process that has a catalogue open, in
// a small file beside it ("NAME.beacon", 8 bytes, memory-mapped), so that a search can
// tell without asking SQLite that no other process has committed since it last looked.
//
// Protocol (a seqlock): a writer, holding SQLite's write lock, makes the counter odd just
// before it commits and even, with a new value, just after, unless another writer has
// begun in between. The counter never goes back to a value it had. A reader that reads an even
// value, then checks SQLite and holds everything committed, may skip SQLite for as long
// as the counter keeps that value. A writer that dies between the two steps leaves the
// counter odd: readers then ask SQLite every time until the next commit ends evenly.
// Without a usable file (a read-only folder, say) every search asks SQLite, and a writer
// that cannot write it refuses to commit rather than commit unseen.
#pragma once

#include <cstdint>
#include <filesystem>

namespace picdex::store {

class ChangeBeacon {
 public:
  ChangeBeacon() = default;
  // Maps `catalogue`.beacon; a writer creates it if missing. Never throws: a reader
  // without one never skips SQLite, and a writer that cannot write it refuses to commit.
  ChangeBeacon(const std::filesystem::path& catalogue, bool writer);
  ChangeBeacon(ChangeBeacon&& other) noexcept;
  ChangeBeacon& operator=(ChangeBeacon&& other) noexcept;
  ~ChangeBeacon();

  // The counter, or an odd value when there is no beacon (so nothing is ever skipped).
  std::uint64_t read() const;
  static bool quiet(std::uint64_t value) { return value % 2 == 0; }
  // Around a commit. begin_commit() throws IoError if the beacon cannot be written.
  void begin_commit();
  void end_commit();

 private:
  bool map(const std::filesystem::path& catalogue, bool writer);
  void require_writable() const;

  std::filesystem::path path_;
  std::uint64_t* counter_ = nullptr;  // in the mapped file
  bool writable_ = false;
  std::uint64_t began_ = 0;  // the odd value this writer's begin_commit() set, until its end
};

}  // namespace picdex::store
