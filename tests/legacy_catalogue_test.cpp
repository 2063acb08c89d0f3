// Catalogues made by earlier releases keep working: tests/fixtures/legacy-v1 was made by
// picdex 0.1.0 with that release's default model (learned-v1, fingerprint 2100c377).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

namespace {

const fs::path kFixture = fs::path(PICDEX_FIXTURES_DIR) / "legacy-v1";

// A writable copy of the fixture catalogue in `dir`.
fs::path copy_fixture(const test::TempDir& dir) {
  for (const auto& entry : fs::directory_iterator(kFixture))
    if (entry.path().filename().string().starts_with("legacy.pdx"))
      fs::copy_file(entry.path(), dir / entry.path().filename().string());
  return dir / "legacy.pdx";
}

}  // namespace

TEST_CASE("a catalogue made with the 0.1.0 default model searches as it did then", "[legacy]") {
  test::TempDir dir;
  const auto cat = copy_fixture(dir).string();
  const auto queries = (kFixture / "queries.txt").string();

  SECTION("the command line prints what 0.1.0 printed, byte for byte") {
    const auto run = test::run_picdex({"search", cat, "--queries", queries, "--json", "-k", "5"});
    REQUIRE(run.status == 0);
    CHECK(run.err.empty());  // no rebuilt snapshot, no warning
    CHECK(run.out == test::read_text(kFixture / "expected.jsonl"));
  }
  SECTION("the library opens it with the old model, and new writes embed with it too") {
    auto catalogue = Catalogue::open(cat);
    CHECK(catalogue.embedder().spec() == "learned-v1:model=default,fingerprint=2100c377");
    const std::string caption = "A grey cat sleeping on a carpet", query = "a cat sitting on a mat";
    catalogue.put({"images/new.jpg", {caption}, "{}"});
    const auto hits = catalogue.search(query, {.k = 2});
    REQUIRE(hits.size() == 2);
    CHECK(test::uris(hits) == std::vector<std::string>{"images/new.jpg", "images/kitten-rug.jpg"});
    // The score is the old model's cosine of the two texts.
    const auto old = make_embedder("learned-v1:model=default-v1");
    std::vector<float> a(old->dim()), b(old->dim());
    old->embed(caption, a);
    old->embed(query, b);
    float cosine = 0;
    for (std::size_t d = 0; d < a.size(); ++d) cosine += a[d] * b[d];
    CHECK(hits[0].score == Approx(cosine).margin(1e-5));
    CHECK(catalogue.verify().ok());
  }
  SECTION("its model is also reachable by its versioned name") {
    const auto old = make_embedder("learned-v1:model=default-v1");
    CHECK(old->spec() == "learned-v1:model=default-v1,fingerprint=2100c377");
    const auto by_version = make_embedder("learned-v1");
    CHECK(by_version->spec() == "learned-v1:model=default,fingerprint=2100c377");
  }
}

TEST_CASE("catalogues whose snapshots hold unpacked hit tables (format 2) search as they did",
          "[legacy][snapshot]") {
  // tests/fixtures/snapshot-v2: sample/captions.tsv in a float32 and an int8 catalogue,
  // checkpointed by the last build that wrote snapshot format 2 (243b8f5).
  const auto fixture = fs::path(PICDEX_FIXTURES_DIR) / "snapshot-v2";
  const auto precision = GENERATE(as<std::string>{}, "float32", "int8");
  INFO(precision << " graph");
  test::TempDir dir;
  for (const auto& entry : fs::directory_iterator(fixture))
    if (entry.path().filename().string().starts_with(precision + ".pdx"))
      fs::copy_file(entry.path(), dir / entry.path().filename().string());
  const auto cat = (dir / (precision + ".pdx")).string();
  const auto queries = (fixture / "queries.txt").string();
  const auto expected = test::read_text(fixture / ("expected-" + precision + ".jsonl"));
  auto search = [&] {
    return test::run_picdex({"search", cat, "--queries", queries, "--json", "-k", "5"});
  };
  auto snapshot_magic = [&] {
    std::vector<fs::path> snapshots;
    for (const auto& entry : fs::directory_iterator(dir.path()))
      if (entry.path().filename().string().find(".graph-") != std::string::npos)
        snapshots.push_back(entry.path());
    REQUIRE(snapshots.size() == 1);
    return test::read_text(snapshots[0]).substr(0, 8);
  };

  REQUIRE(snapshot_magic() == "PDXGRAF2");
  auto run = search();
  REQUIRE(run.status == 0);
  CHECK(run.err.empty());  // read from the old snapshot: nothing rebuilt, no warning
  CHECK(run.out == expected);

  // The next snapshot is written in format 3, and holds the same hits.
  {
    auto catalogue = Catalogue::open(cat);
    catalogue.put({"images/extra.jpg", {"A lighthouse on a cliff at dusk"}, "{}"});
    catalogue.checkpoint();
    CHECK(catalogue.remove("images/extra.jpg"));
    catalogue.checkpoint();
    CHECK(catalogue.verify().ok());
  }
  CHECK(snapshot_magic() == "PDXGRAF3");
  run = search();
  REQUIRE(run.status == 0);
  CHECK(run.err.empty());
  CHECK(run.out == expected);
}
