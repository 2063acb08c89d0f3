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
