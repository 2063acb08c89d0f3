// Simulated power cuts for SQLite's files. A process that calls install_powercut_recorder()
// writes through a VFS shim that logs, before each change to a file (write, truncate,
// delete, create), what it changes and the bytes it replaces, and each sync. After the
// process is killed (its files then hold every write: the page cache survives a kill),
// materialise_power_cut() turns them into a state a disk might hold after losing power:
// everything synced, plus any subset of the unsynced changes (each sector ending at one
// of the versions written to it, never an older one over a newer), some writes torn at
// 512-byte sectors; a file created and never synced may be gone, and a
// deletion not synced to its folder undone. The library's own files (graph snapshots) are
// watched too (fault/file_watch.hpp): one not synced since its creation loses sectors, and
// a creation, rename or removal not followed by a sync of its folder may be undone. The
// shared-memory index (-shm) is not logged: SQLite rebuilds it on the first open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace picdex::test {

// Registers the recording VFS as SQLite's default and watches the library's files,
// logging to `log` (appended). With
// `cut_at_change` N > 0, the process kills itself (SIGKILL) on its Nth change or sync,
// before making it: the power goes at that very point.
void install_powercut_recorder(const std::filesystem::path& log, std::uint64_t cut_at_change = 0);

struct PowerCut {
  std::size_t unsynced = 0;    // changes not synced when the power went
  std::size_t kept = 0;        // of which reached the disk (torn ones included)
  std::size_t torn = 0;        // writes of which only some sectors reached the disk
  std::size_t lost_files = 0;  // created, never synced, gone
  std::string describe() const;
};

// Rewrites the files `log` names into a random state allowed after a power cut, chosen by
// `seed` (the same log and seed give the same state). Then removes the log.
PowerCut materialise_power_cut(const std::filesystem::path& log, std::uint64_t seed);

}  // namespace picdex::test
