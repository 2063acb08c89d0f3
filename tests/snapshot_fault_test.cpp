// Every way a graph snapshot can be wrong: detected before hnswlib reads it, repaired
// (rebuilt from SQLite or replayed from the log), one warning line, the same results.
#include <SQLiteCpp/SQLiteCpp.h>
#include <xxhash.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

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

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
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
  const auto bytes = read_all(snapshot);
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
  test::TempDir dir;
  const auto path = dir / "c.pdx";
  const auto queries = test::synthetic_captions(4, 99);
  Results clean;
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical:dim=256"});
    fill(cat, 0, kImages, 5);
    cat.checkpoint();
    clean = results_of(cat, queries);
  }
  const auto snapshot = files_with(dir.path(), ".graph-").at(0);
  const auto size = fs::file_size(snapshot);
  constexpr std::uint64_t kHeader = 96;  // hnswlib 0.6.2's header

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
    const auto original = read_all(snapshot);
    for (const std::uint64_t at :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{8}, kHeader - 1, kHeader, kHeader + 1,
          size / 3, size / 2, size - 9, size - 1}) {
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
  SECTION("a byte flipped in the header, the links, the vectors, the labels, the end") {
    for (const std::uint64_t at :
         {std::uint64_t{17}, kHeader + 4, kHeader + 200, size / 2, size - 1}) {
      {
        auto cat = Catalogue::open(path, {});
        cat.rebuild_index();
      }
      flip_byte(files_with(dir.path(), ".graph-").at(0), at);
      expect_one_warning(("flipped at " + std::to_string(at)).c_str());
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
      auto cat = Catalogue::create(other, {.embedder = "lexical:dim=256"});
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
      f.seekg(16);  // cur_element_count
      f.read(reinterpret_cast<char*>(&count), sizeof count);
      count += 1000;
      f.seekp(16);
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
