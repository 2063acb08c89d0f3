// Catalogue::reembed and `picdex reembed`: every caption embedded again with another
// embedder, all or nothing, and what other processes and a crash see.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "child.hpp"
#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

namespace {

const std::string kSample = std::string(PICDEX_SAMPLE_DIR) + "/captions.tsv";

std::vector<Image> sample_images() {
  std::vector<Image> images;
  const auto captions = test::synthetic_captions(60, 11);
  for (std::size_t i = 0; i < captions.size(); i += 2)
    images.push_back({"img/" + std::to_string(i),
                      {captions[i], captions[i + 1]},
                      "{\"n\":" + std::to_string(i) + "}"});
  return images;
}

// What a search for each of `queries` returns: URIs and scores.
std::vector<std::pair<std::string, float>> answers(const Catalogue& c,
                                                   const std::vector<std::string>& queries) {
  std::vector<std::pair<std::string, float>> out;
  for (const auto& q : queries)
    for (const auto& hit : c.search(q, {.k = 5})) out.emplace_back(hit.uri, hit.score);
  return out;
}

// Every stored vector equals `e`'s embedding of its caption.
void check_vectors_are(const Catalogue& c, const Embedder& e) {
  std::size_t checked = 0;
  c.for_each_image(
      [&](const Image& image) {
        for (std::size_t i = 0; i < image.captions.size(); ++i) {
          std::vector<float> expected(e.dim());
          e.embed(image.captions[i], expected);
          REQUIRE(image.vectors[i].size() == expected.size());
          for (std::size_t d = 0; d < expected.size(); ++d)
            REQUIRE(image.vectors[i][d] == Approx(expected[d]).margin(1e-6));
          ++checked;
        }
      },
      true);
  CHECK(checked == c.caption_count());
}

}  // namespace

TEST_CASE("reembed moves a catalogue to another embedder, as if made with it", "[reembed]") {
  test::TempDir dir;
  const auto images = sample_images();
  const std::vector<std::string> queries = {test::synthetic_captions(3, 99)[0],
                                            images[3].captions[0], images[7].captions[1]};
  {
    auto old =
        Catalogue::create(dir / "moved.pdx", {.embedder = "lexical"}, test::eager_snapshots());
    old.put(images);
  }
  auto fresh = Catalogue::create(dir / "fresh.pdx", {.embedder = "learned-v1"});
  fresh.put(images);

  auto moved = Catalogue::open(dir / "moved.pdx");
  const auto report = moved.reembed("learned-v1");
  CHECK_THAT(report.from, Catch::StartsWith("lexical-v2:dim=1024,wordnet="));
  CHECK(report.to == fresh.embedder().spec());
  CHECK(report.captions == fresh.caption_count());
  CHECK(report.verify.ok());
  CHECK(moved.embedder().spec() == fresh.embedder().spec());
  CHECK(moved.stats().dim == fresh.stats().dim);
  check_vectors_are(moved, fresh.embedder());
  CHECK(answers(moved, queries) == answers(fresh, queries));

  SECTION("and stays moved when opened again, in this process or another") {
    const auto before = answers(moved, queries);
    moved = Catalogue::open(dir / "fresh.pdx");  // closes the moved one
    const auto reopened = Catalogue::open(dir / "moved.pdx");
    CHECK(reopened.embedder().spec() == fresh.embedder().spec());
    CHECK(answers(reopened, queries) == before);
    const auto run = test::run_picdex({"verify", (dir / "moved.pdx").string()});
    CHECK(run.status == 0);
    CHECK(run.err.empty());  // a sound snapshot: no rebuild, no warning
  }
  SECTION("a second reembed to the same embedder does nothing") {
    const auto again = moved.reembed("learned-v1");
    CHECK(again.captions == 0);
    CHECK(again.verify.ok());
  }
  SECTION("another open of the catalogue refuses to search on with the old embedder") {
    // Opened before the move: its embedder and graph are the old ones.
    auto other = Catalogue::open(dir / "fresh.pdx");
    other.reembed("lexical");
    auto stale = Catalogue::open(dir / "moved.pdx");
    moved.reembed("lexical");
    CHECK_THROWS_WITH(
        stale.search(queries[0]),
        Catch::Contains("was re-embedded with 'lexical-v2") && Catch::Contains("open it again"));
  }
}

TEST_CASE("reembed is all or nothing", "[reembed]") {
  test::TempDir dir;
  const auto cat = dir / "c.pdx";
  SECTION("a caption the new embedder cannot embed leaves everything as it was") {
    {
      auto c = Catalogue::create(cat, {.embedder = "none:dim=4"});
      c.put(Image{"a", {"a red car"}, "{}", {{1, 0, 0, 0}}});
      c.put(Image{"b", {"!!!"}, "{}", {{0, 1, 0, 0}}});
    }
    auto c = Catalogue::open(cat);
    CHECK_THROWS_WITH(c.reembed("lexical"), Catch::Contains("no words"));
    CHECK(c.embedder().spec() == "none:dim=4");
    CHECK(c.search(std::vector<float>{0, 1, 0, 0}, {.k = 1})[0].uri == "b");
    CHECK(c.verify().ok());
    CHECK_THROWS_AS(c.reembed("none:dim=8"), InputError);
  }
  SECTION("killed before or after its commit, the catalogue opens whole, old or new") {
    const auto path = cat.string();
    REQUIRE(test::run_picdex({"init", path, "--embedder", "lexical"}).status == 0);
    REQUIRE(test::run_picdex({"import", path, kSample}).status == 0);
    OpenOptions read_only;
    read_only.read_only = true;
    const auto old_spec = Catalogue::open(cat, read_only).embedder().spec();
    const auto new_spec = make_embedder("learned-v1")->spec();
    for (const std::string point : {"reembed.before", "reembed.after"}) {
      test::Child child(PICDEX_BINARY, {"reembed", path, "--embedder", "learned-v1"},
                        {"PICDEX_FAILPOINT=" + point});
      const int status = child.wait();
      REQUIRE(WIFSIGNALED(status));
      const auto c = Catalogue::open(cat);
      INFO(point);
      CHECK(c.embedder().spec() == (point == "reembed.before" ? old_spec : new_spec));
      CHECK(c.verify().ok());
      check_vectors_are(c, *make_embedder(c.embedder().spec()));
      CHECK(c.search("a dog on the beach", {.k = 1})[0].uri == "images/beach-dog.jpg");
    }
  }
}

TEST_CASE("picdex reembed reports what it did in one line", "[reembed][cli]") {
  test::TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(test::run_picdex({"init", cat, "--embedder", "lexical"}).status == 0);
  REQUIRE(test::run_picdex({"import", cat, kSample}).status == 0);
  const auto run = test::run_picdex({"reembed", cat, "--embedder", "learned-v1"});
  CHECK(run.status == 0);
  CHECK_THAT(run.err, Catch::StartsWith("re-embedded " + cat + ": 31 captions in ") &&
                          Catch::Contains("-> learned-v1:model=default,fingerprint=2100c377; "
                                          "verify: ok\n"));
  const auto again = test::run_picdex({"reembed", cat, "--embedder", "learned-v1"});
  CHECK(again.status == 0);
  CHECK_THAT(again.err, Catch::Contains("nothing to do"));
  const auto none = test::run_picdex({"reembed", cat, "--embedder", "none:dim=3"});
  CHECK(none.status == 65);
  CHECK_THAT(none.err, Catch::Contains("takes vectors from outside"));
  const auto missing = test::run_picdex({"reembed", (dir / "nope.pdx").string()});
  CHECK(missing.status == 66);
}
