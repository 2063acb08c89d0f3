#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "store/beacon.hpp"
#include "support.hpp"

using picdex::store::ChangeBeacon;
namespace test = picdex::test;

// Two writers, as two processes would: SQLite's write lock is released by the first
// one's commit, so the second may begin before the first has marked its commit ended.
TEST_CASE("the change beacon stays odd while a second writer's commit is pending", "[beacon]") {
  test::TempDir dir;
  const auto catalogue = dir / "c.pdx";
  ChangeBeacon first(catalogue, true), second(catalogue, true), reader(catalogue, false);
  const auto start = reader.read();
  REQUIRE(ChangeBeacon::quiet(start));

  first.begin_commit();   // ...first commits, releasing SQLite's lock
  second.begin_commit();  // ...and second takes it
  first.end_commit();
  const auto pending = reader.read();
  CHECK_FALSE(ChangeBeacon::quiet(pending));  // second has not committed: readers must look
  second.end_commit();
  const auto after = reader.read();
  CHECK(ChangeBeacon::quiet(after));
  CHECK(after > pending);

  // Every value is new, so a reader that trusted an old even value never trusts it again.
  std::vector<std::uint64_t> seen = {start, pending, after};
  for (int round = 0; round < 3; ++round) {
    first.begin_commit();
    seen.push_back(reader.read());
    first.end_commit();
    seen.push_back(reader.read());
  }
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
}

TEST_CASE("a writer that died inside its commit leaves the beacon odd until the next commit",
          "[beacon]") {
  test::TempDir dir;
  const auto catalogue = dir / "c.pdx";
  {
    ChangeBeacon dying(catalogue, true);
    dying.begin_commit();  // and never ends
  }
  ChangeBeacon reader_after(catalogue, false);
  CHECK_FALSE(ChangeBeacon::quiet(reader_after.read()));
  ChangeBeacon next(catalogue, true);
  next.begin_commit();
  next.end_commit();
  CHECK(ChangeBeacon::quiet(reader_after.read()));
}
