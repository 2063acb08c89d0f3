#include <SQLiteCpp/SQLiteCpp.h>

#include <unistd.h>
#include <catch2/catch.hpp>
#include <fstream>

#include "support.hpp"

using namespace picdex;
using picdex::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::pair<std::string, float>> results(const Catalogue& cat, const std::string& q) {
  std::vector<std::pair<std::string, float>> out;
  for (const auto& h : cat.search(q, {.k = 5})) out.emplace_back(h.uri, h.score);
  return out;
}

void fill(Catalogue& cat, std::size_t n, unsigned seed) {
  const auto captions = test::synthetic_captions(n, seed);
  std::vector<Image> batch;
  for (std::size_t i = 0; i < n; ++i)
    batch.push_back({"img" + std::to_string(seed) + "-" + std::to_string(i), {captions[i]}, "{}"});
  cat.put(batch);
}

std::vector<fs::path> snapshots(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".graph-") != std::string::npos) out.push_back(e.path());
  return out;
}

struct Warnings {
  std::vector<std::string> lines;
  OpenOptions options() {
    OpenOptions o;
    o.observer.warning = [this](std::string_view m) { lines.emplace_back(m); };
    return o;
  }
};

}  // namespace

TEST_CASE("a catalogue reopens with identical results", "[persistence]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  const auto queries = test::synthetic_captions(5, 99);
  std::vector<std::vector<std::pair<std::string, float>>> before;
  {
    auto cat = Catalogue::create(path, {}, test::eager_snapshots());
    fill(cat, 500, 1);
    for (const auto& q : queries) before.push_back(results(cat, q));
  }
  REQUIRE(snapshots(dir.path()).size() == 1);
  SECTION("in this process") {
    auto cat = Catalogue::open(path);
    for (std::size_t i = 0; i < queries.size(); ++i) CHECK(results(cat, queries[i]) == before[i]);
  }
  SECTION("in a fresh process") {
    const auto run = test::run_picdex({"search", path.string(), queries[0], "-k", "5", "--json"});
    REQUIRE(run.status == 0);
    for (const auto& [uri, score] : before[0])
      CHECK(run.out.find("\"uri\":\"" + uri + "\"") != std::string::npos);
  }
}

TEST_CASE("changes after the last snapshot are replayed on open", "[persistence]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  OpenOptions lazy;
  lazy.checkpoint_after = 1000000;  // never snapshot on its own
  {
    auto cat = Catalogue::create(path, {}, lazy);
    fill(cat, 300, 2);
    cat.checkpoint();
    cat.put({"late.jpg", {"a zebra crossing a wide river at dawn"}, "{}"});
    cat.remove("img2-0");
  }
  auto cat = Catalogue::open(path, lazy);
  const auto stats = cat.stats();
  CHECK(stats.snapshot_seq < stats.last_seq);
  CHECK(cat.search("zebra crossing a river", {.k = 1})[0].uri == "late.jpg");
  for (const auto& h : cat.search(test::synthetic_captions(1, 2)[0], {.k = 300}))
    CHECK(h.uri != "img2-0");
  CHECK(cat.verify().ok());
}

TEST_CASE("commits that are not synced one by one are kept across a close and a reopen",
          "[persistence]") {
  TempDir dir;
  const auto path = dir / "n.pdx";
  OpenOptions normal;
  normal.durable_commits = false;  // SQLite synchronous=NORMAL
  {
    auto cat = Catalogue::create(path, {}, normal);
    fill(cat, 50, 3);
    cat.put({"late.jpg", {"a zebra crossing a wide river at dawn"}, "{}"});
  }
  auto cat = Catalogue::open(path, normal);
  CHECK(cat.size() == 51);
  CHECK(cat.search("zebra crossing a river", {.k = 1})[0].uri == "late.jpg");
  CHECK(cat.verify().ok());
}

TEST_CASE("an empty catalogue's snapshot reopens and takes new images", "[persistence]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical:dim=256"});
    cat.checkpoint();  // a snapshot of an empty graph
  }
  for (const bool read_only : {true, false}) {
    OpenOptions options;
    options.read_only = read_only;
    auto cat = Catalogue::open(path, options);
    CHECK(cat.search("anything at all", {.k = 3}).empty());
  }
  {
    auto cat = Catalogue::open(path);
    cat.put({"a.jpg", {"a lighthouse on a rocky coast"}, "{}"});
    cat.put({"b.jpg", {"a bowl of ripe lemons"}, "{}"});
    CHECK(cat.search("lighthouse by the sea", {.k = 1})[0].uri == "a.jpg");
    CHECK(cat.verify().ok());
  }
  auto cat = Catalogue::open(path);
  CHECK(cat.search("lemons in a bowl", {.k = 1})[0].uri == "b.jpg");
  CHECK(cat.verify().ok());
}

TEST_CASE("a reopened catalogue grows past the room its mapped snapshot left", "[persistence]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical:dim=256"});
    fill(cat, 300, 6);
    cat.checkpoint();
  }
  // The mapping has room for 300 + 1024 elements: 1500 more move layer 0 to the heap.
  auto cat = Catalogue::open(path);
  fill(cat, 1500, 7);
  const auto captions = test::synthetic_captions(1500, 7);
  CHECK(cat.search(captions[1499], {.k = 1})[0].uri == "img7-1499");
  CHECK(cat.search(test::synthetic_captions(300, 6)[5], {.k = 1})[0].uri == "img6-5");
  CHECK(cat.size() == 1800);
  CHECK(cat.verify().ok());
  // The first snapshot was replaced and removed meanwhile: this writer, its layer 0 on the
  // heap now, maps none of it (its hit table's texts included), so its disk space is free.
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    CHECK_FALSE((line.find(path.string()) != std::string::npos &&
                 line.find("(deleted)") != std::string::npos));
}

TEST_CASE("rebuild_index drops deleted elements and keeps results", "[persistence]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  fill(cat, 200, 4);
  for (int i = 0; i < 50; ++i) cat.remove("img4-" + std::to_string(i));
  CHECK(cat.stats().deleted == 50);
  const auto query = test::synthetic_captions(100, 4)[77];
  const auto before = results(cat, query);
  cat.rebuild_index();
  CHECK(cat.stats().deleted == 0);
  CHECK(results(cat, query)[0] == before[0]);
  CHECK(cat.verify().ok());
}

TEST_CASE("opening files that are not usable catalogues gives clear errors", "[persistence]") {
  TempDir dir;
  SECTION("missing") {
    CHECK_THROWS_AS(Catalogue::open(dir / "nope.pdx"), NotFoundError);
  }
  SECTION("not SQLite") {
    test::write_file(dir / "x.pdx", std::string(8192, 'x'));
    CHECK_THROWS_WITH(Catalogue::open(dir / "x.pdx"), Catch::Contains("not a picdex catalogue"));
  }
  SECTION("another SQLite file") {
    SQLite::Database db((dir / "other.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t(x)");
    CHECK_THROWS_WITH(Catalogue::open(dir / "other.db"), Catch::Contains("not a picdex catalogue"));
  }
  SECTION("written by a newer format") {
    { Catalogue::create(dir / "new.pdx"); }
    {
      SQLite::Database db((dir / "new.pdx").string(), SQLite::OPEN_READWRITE);
      db.exec("PRAGMA user_version = 99");
    }
    CHECK_THROWS_WITH(Catalogue::open(dir / "new.pdx"), Catch::Contains("newer picdex"));
  }
  SECTION("creating over an existing file") {
    test::write_file(dir / "exists.pdx", "keep me");
    CHECK_THROWS_AS(Catalogue::create(dir / "exists.pdx"), IoError);
    std::ifstream in(dir / "exists.pdx");
    std::string content((std::istreambuf_iterator<char>(in)), {});
    CHECK(content == "keep me");
  }
}

TEST_CASE("creating a catalogue is all or nothing and clears what a crashed one left",
          "[persistence]") {
  TempDir dir;
  // A creation killed half-way (PID 999999 is not running) and one still at work (us).
  test::write_file(dir / "c.pdx.creating-999999", "half a database");
  test::write_file(dir / "c.pdx.creating-999999-journal", "its journal");
  const auto ours = "c.pdx.creating-" + std::to_string(getpid()) + "-other";
  test::write_file(dir / ours, "in progress");
  { Catalogue::create(dir / "c.pdx", {.embedder = "lexical:dim=64"}); }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path()))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(std::find(names.begin(), names.end(), "c.pdx.creating-999999") == names.end());
  CHECK(std::find(names.begin(), names.end(), "c.pdx.creating-999999-journal") == names.end());
  CHECK(std::find(names.begin(), names.end(), ours) != names.end());
  CHECK(Catalogue::open(dir / "c.pdx").size() == 0);
}

TEST_CASE("a catalogue refuses another embedder than its own", "[persistence]") {
  TempDir dir;
  { Catalogue::create(dir / "c.pdx", {.embedder = "lexical:dim=256"}); }
  OpenOptions o;
  o.expect_embedder = "lexical:dim=512";
  CHECK_THROWS_AS(Catalogue::open(dir / "c.pdx", o), EmbedderMismatchError);
  o.expect_embedder = "lexical-v1:dim=256";
  CHECK_THROWS_AS(Catalogue::open(dir / "c.pdx", o), EmbedderMismatchError);
  o.expect_embedder = "lexical:dim=256";
  CHECK_NOTHROW(Catalogue::open(dir / "c.pdx", o));
}

TEST_CASE("a read-only catalogue searches but refuses writes", "[persistence]") {
  TempDir dir;
  {
    auto cat = Catalogue::create(dir / "c.pdx");
    cat.put({"a.jpg", {"a tall giraffe"}, "{}"});
  }
  OpenOptions o;
  o.read_only = true;
  auto cat = Catalogue::open(dir / "c.pdx", o);
  CHECK(cat.search("giraffe")[0].uri == "a.jpg");
  CHECK_THROWS_AS(cat.put({"b.jpg", {"x y"}, "{}"}), IoError);
}
