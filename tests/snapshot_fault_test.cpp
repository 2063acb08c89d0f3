// Every way a graph snapshot can be wrong: detected before the graph is used (a read-write
// open checks the file whole; a read-only one checks all but layer 0, which it checks
// before any change and which searches cannot be led out of), repaired (rebuilt from
// SQLite or replayed from the log), one warning line, the same results.
#include <SQLiteCpp/SQLiteCpp.h>
#include <xxhash.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "index/snapshot_format.hpp"
#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kImages = 300;
const SearchOptions kNearExact{.k = 5, .ef = 512};  // ef above the size: exhaustive

using Results = std::vector<std::vector<std::pair<std::string, float>>>;

Results results_of(const Catalogue& cat, const std::vector<std::string>& queries) {
  Results out;
  for (const auto& q : queries) {
    out.emplace_back();
    for (const auto& h : cat.search(q, kNearExact)) out.back().emplace_back(h.uri, h.score);
  }
  return out;
}

void fill(Catalogue& cat, std::size_t first, std::size_t count, unsigned seed) {
  const auto captions = test::synthetic_captions(first + count, seed);
  std::vector<Image> batch;
  for (std::size_t i = first; i < first + count; ++i)
    batch.push_back({"img" + std::to_string(i), {captions[i]}, "{}"});
  cat.put(batch);
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& part) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(part) != std::string::npos) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void flip_byte(const fs::path& p, std::uint64_t offset) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  const char c = static_cast<char>(f.get());
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
}

// Rewrites the manifest so it vouches for the file as it now is (size and checksum): only
// the structure check stands between such a file and hnswlib.
void vouch_for(const fs::path& catalogue, const fs::path& snapshot) {
  const auto bytes = test::read_text(snapshot);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(bytes.data(), bytes.size())));
  SQLite::Database db(catalogue.string(), SQLite::OPEN_READWRITE);
  SQLite::Statement s(db, "UPDATE snapshot SET bytes = ?, checksum = ?");
  s.bind(1, static_cast<std::int64_t>(bytes.size()));
  s.bind(2, std::string(hex));
  s.exec();
}

struct Opened {
  std::vector<std::string> warnings;
  Results results;
  bool verified = false;
};

Opened open_and_search(const fs::path& catalogue, const std::vector<std::string>& queries) {
  Opened o;
  OpenOptions options;
  options.observer.warning = [&](std::string_view m) { o.warnings.emplace_back(m); };
  auto cat = Catalogue::open(catalogue, options);
  o.results = results_of(cat, queries);
  o.verified = cat.verify().ok();
  return o;
}

}  // namespace

TEST_CASE("a damaged, missing, stale or foreign snapshot is caught and repaired", "[snapshot]") {
  const auto graph = GENERATE(GraphPrecision::float32, GraphPrecision::int8);
  INFO(graph_precision_name(graph) << " graph");
  test::TempDir dir;
  const auto path = dir / "c.pdx";
  const auto queries = test::synthetic_captions(4, 99);
  const CreateOptions create{.embedder = "lexical:dim=256", .graph = graph};
  Results clean;
  {
    auto cat = Catalogue::create(path, create);
    fill(cat, 0, kImages, 5);
    cat.checkpoint();
    clean = results_of(cat, queries);
  }
  const auto snapshot = files_with(dir.path(), ".graph-").at(0);
  constexpr std::uint64_t kHeader = sizeof(index::SnapshotHeader);
  constexpr std::uint64_t kLayer0 = index::kSnapshotAlign;

  auto expect_one_warning = [&](const char* what) {
    const auto o = open_and_search(path, queries);
    INFO(what);
    REQUIRE(o.warnings.size() == 1);
    CHECK_THAT(o.warnings[0], Catch::Contains("graph snapshot"));
    CHECK(o.results == clean);
    CHECK(o.verified);
    // Repaired for good: the next open has nothing to say.
    CHECK(open_and_search(path, queries).warnings.empty());
  };

  SECTION("truncated at many offsets") {
    const auto original = test::read_text(snapshot);
    const std::uint64_t size = original.size();
    for (const std::uint64_t at :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{8}, kHeader - 1, kHeader, kHeader + 1,
          kLayer0, kLayer0 + 1, size / 3, size / 2, size - 9, size - 1}) {
      // Each offset on the original file and manifest, as the repair replaces both.
      test::write_file(snapshot, original);
      {
        auto cat = Catalogue::open(path, {});
        cat.rebuild_index();  // re-saves: the manifest names a fresh snapshot again
      }
      const auto current = files_with(dir.path(), ".graph-").at(0);
      fs::resize_file(current, at);
      expect_one_warning(("truncated to " + std::to_string(at)).c_str());
    }
  }
  SECTION("a byte flipped in the header, layer 0's links and vectors, the image map") {
    constexpr std::int64_t kLast = -1;  // the last byte, in the image map
    for (const std::int64_t at : {std::int64_t{17}, std::int64_t{kLayer0 + 4},
                                  std::int64_t{kLayer0 + 200}, std::int64_t{2 * kLayer0}, kLast}) {
      {
        auto cat = Catalogue::open(path, {});
        cat.rebuild_index();
      }
      const auto current = files_with(dir.path(), ".graph-").at(0);
      const auto offset = at == kLast ? fs::file_size(current) - 1 : static_cast<std::uint64_t>(at);
      flip_byte(current, offset);
      expect_one_warning(("flipped at " + std::to_string(offset)).c_str());
    }
  }
  SECTION("zero length") {
    fs::resize_file(snapshot, 0);
    expect_one_warning("zero length");
  }
  SECTION("missing") {
    fs::remove(snapshot);
    expect_one_warning("missing");
  }
  SECTION("another catalogue's snapshot in its place") {
    const auto other = dir / "other.pdx";
    {
      auto cat = Catalogue::create(other, create);
      fill(cat, 0, kImages, 6);
      cat.checkpoint();
    }
    fs::copy_file(files_with(dir.path(), "other.pdx.graph-").at(0), snapshot,
                  fs::copy_options::overwrite_existing);
    expect_one_warning("foreign");
  }
  SECTION("an older snapshot of the same catalogue in its place") {
    const auto older = dir / "older.graph";
    fs::copy_file(snapshot, older);
    {
      auto cat = Catalogue::open(path, {});
      fill(cat, kImages, 50, 5);
      cat.checkpoint();
      clean = results_of(cat, queries);
    }
    const auto current = files_with(dir.path(), "c.pdx.graph-").at(0);
    fs::copy_file(older, current, fs::copy_options::overwrite_existing);
    expect_one_warning("older");
  }
  SECTION("a header that claims more elements than the file holds") {
    std::uint64_t count = 0;
    {
      std::fstream f(snapshot, std::ios::in | std::ios::out | std::ios::binary);
      constexpr auto kCount = offsetof(index::SnapshotHeader, count);
      f.seekg(kCount);
      f.read(reinterpret_cast<char*>(&count), sizeof count);
      count += 1000;
      f.seekp(kCount);
      f.write(reinterpret_cast<const char*>(&count), sizeof count);
    }
    vouch_for(path, snapshot);
    expect_one_warning("more elements");
  }
  SECTION("a leftover temp file of an interrupted save") {
    test::write_file(snapshot.string() + ".tmp-999999", std::string(5000, '\x07'));
    auto stale = snapshot;
    stale.replace_filename("c.pdx.graph-7-0123abcd");  // renamed, never recorded
    test::write_file(stale, "half a graph");
    const auto o = open_and_search(path, queries);
    REQUIRE(o.warnings.size() == 1);
    CHECK_THAT(o.warnings[0], Catch::Contains("removed 2 leftover"));
    CHECK(o.results == clean);
    CHECK(files_with(dir.path(), ".graph-") == std::vector<fs::path>{snapshot});
  }
}

TEST_CASE("changes newer than the snapshot are replayed without a warning", "[snapshot]") {
  test::TempDir dir;
  const auto path = dir / "c.pdx";
  const auto queries = test::synthetic_captions(4, 98);
  Results expected;
  std::int64_t snapshot_seq = 0, last_seq = 0;
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical:dim=256"});
    fill(cat, 0, kImages, 7);
    cat.checkpoint();
    fill(cat, kImages, 40, 7);  // after the snapshot: too few to be saved on close
    cat.remove("img3");
    expected = results_of(cat, queries);
  }
  {
    OpenOptions read_only;
    read_only.read_only = true;
    const auto stats = Catalogue::open(path, read_only).stats();
    snapshot_seq = stats.snapshot_seq;
    last_seq = stats.last_seq;
  }
  REQUIRE(last_seq - snapshot_seq == 41);  // the snapshot is stale by 41 changes
  const auto o = open_and_search(path, queries);
  CHECK(o.warnings.empty());
  CHECK(o.results == expected);
  CHECK(o.verified);
}

TEST_CASE("a read-only open checks layer 0 only before it must change the graph", "[snapshot]") {
  test::TempDir dir;
  const auto path = dir / "c.pdx";
  const auto queries = test::synthetic_captions(4, 97);
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical:dim=256"});
    fill(cat, 0, kImages, 8);
    cat.checkpoint();
  }
  // A flipped byte in a vector in layer 0: the file no longer matches its checksum.
  flip_byte(files_with(dir.path(), ".graph-").at(0), index::kSnapshotAlign + 4 * 64 + 4 + 40);

  std::vector<std::string> warnings;
  OpenOptions options;
  options.read_only = true;
  options.observer.warning = [&](std::string_view m) { warnings.emplace_back(m); };
  auto reader = Catalogue::open(path, options);
  CHECK(warnings.empty());  // opening read-only does not read layer 0
  for (const auto& q : queries) CHECK(reader.search(q, {.k = 5}).size() == 5);
  const auto report = reader.verify();
  CHECK_FALSE(report.ok());
  CHECK_THAT(Catch::Detail::stringify(report.problems), Catch::Contains("fails its checksum"));

  // Another process adds an image: the reader must change its graph to catch up, so it
  // checks layer 0 first, finds the damage and rebuilds from the stored vectors.
  {
    OpenOptions quiet;
    quiet.observer.warning = [](std::string_view) {};
    auto writer = Catalogue::open(path, quiet);  // repairs the file for good, too
    writer.put({"new", {"a unique caption about zebras on a glacier"}, "{}"});
  }
  const auto hits = reader.search("a unique caption about zebras on a glacier", {.k = 1});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].uri == "new");
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("fails its checksum"));
  CHECK_THAT(warnings[0], Catch::Contains("rebuilding"));
  CHECK(reader.verify().ok());
}

TEST_CASE("a link out of range in an unchecked layer 0 cannot lead a search astray", "[snapshot]") {
  test::TempDir dir;
  const auto path = dir / "c.pdx";
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical:dim=256"});
    fill(cat, 0, kImages, 9);
    cat.checkpoint();
  }
  // Every neighbour of every element points far outside the graph, and the manifest is
  // made to vouch for the file, so only the bounds checks stand between a search and
  // memory that is not the graph's.
  const auto snapshot = files_with(dir.path(), ".graph-").at(0);
  {
    index::SnapshotHeader head{};
    std::fstream f(snapshot, std::ios::in | std::ios::out | std::ios::binary);
    f.read(reinterpret_cast<char*>(&head), sizeof head);
    for (std::uint64_t id = 0; id < head.count; ++id) {
      const auto list = static_cast<std::streamoff>(head.level0_offset + id * head.element_bytes);
      std::uint32_t n = 0;
      f.seekg(list);
      f.read(reinterpret_cast<char*>(&n), 4);
      f.seekp(list + 4);
      for (std::uint32_t j = 0; j < (n & 0xffff); ++j) {
        const std::uint32_t far = 0x7fffffff - j;
        f.write(reinterpret_cast<const char*>(&far), 4);
      }
    }
  }
  vouch_for(path, snapshot);
  OpenOptions options;
  options.read_only = true;
  auto reader = Catalogue::open(path, options);
  const auto hits = reader.search("a caption", {.k = 5, .ef = 64});
  CHECK(hits.size() <= 5);  // only the entry region is reachable; no crash
  CHECK_THAT(Catch::Detail::stringify(reader.verify().problems), Catch::Contains("out of range"));

  std::vector<std::string> warnings;
  OpenOptions writable;
  writable.observer.warning = [&](std::string_view m) { warnings.emplace_back(m); };
  auto writer = Catalogue::open(path, writable);
  CHECK(writer.search("a caption", {.k = 5}).size() == 5);  // opens the graph: rebuilds it
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("links out of range"));
}
