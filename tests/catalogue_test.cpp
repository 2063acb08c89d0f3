#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <future>
#include <random>

#include "support.hpp"

using namespace picdex;
using picdex::test::TempDir;

using picdex::test::uris;

namespace {

// `n` images PREFIX0.. with one caption "v" and a random 16-d vector each.
std::vector<Image> random_vector_images(std::mt19937& rng, const std::string& prefix,
                                        std::size_t n) {
  std::normal_distribution<float> normal;
  std::vector<Image> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<float> v(16);
    for (auto& x : v) x = normal(rng);
    out.push_back({prefix + std::to_string(i), {"v"}, "{}", {v}});
  }
  return out;
}

}  // namespace

TEST_CASE("put, get, upsert and remove images by URI", "[catalogue]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  SECTION("a new image is added and reads back as written") {
    const auto r = cat.put({"a.jpg", {"A red bicycle", "A bike by a wall"}, R"({"year": 2020})"});
    CHECK(r.added == 1);
    const auto got = cat.get("a.jpg");
    CHECK(got.captions == std::vector<std::string>{"A red bicycle", "A bike by a wall"});
    CHECK(got.metadata == R"({"year":2020})");
    CHECK(cat.size() == 1);
    CHECK(cat.caption_count() == 2);
  }
  SECTION("putting identical content again is a no-op with no write") {
    cat.put({"a.jpg", {"A red bicycle"}, "{}"});
    const auto seq = cat.stats().last_seq;
    const auto r = cat.put({"a.jpg", {"A red bicycle"}, "{}"});
    CHECK(r.unchanged == 1);
    CHECK(r.added + r.updated == 0);
    CHECK(cat.stats().last_seq == seq);
  }
  SECTION("an upsert replaces captions and metadata") {
    cat.put({"a.jpg", {"A red bicycle", "A bike"}, R"({"k": 1})"});
    const auto r = cat.put({"a.jpg", {"A green kayak"}, R"({"k": 2})"});
    CHECK(r.updated == 1);
    CHECK(cat.get("a.jpg").captions == std::vector<std::string>{"A green kayak"});
    CHECK(cat.caption_count() == 1);
    const auto hits = cat.search("bicycle", {.k = 5});
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].caption == "A green kayak");  // the old captions are gone from the graph
    CHECK(hits[0].metadata == R"({"k":2})");
  }
  SECTION("remove deletes the image and its captions from results") {
    cat.put({"a.jpg", {"A red bicycle"}, "{}"});
    cat.put({"b.jpg", {"A blue boat"}, "{}"});
    CHECK(cat.remove("a.jpg"));
    CHECK_FALSE(cat.remove("a.jpg"));
    CHECK_THROWS_AS(cat.get("a.jpg"), NotFoundError);
    CHECK(uris(cat.search("red bicycle")) == std::vector<std::string>{"b.jpg"});
    CHECK(cat.stats().deleted == 1);
  }
  SECTION("bad images are refused whole, naming the field") {
    CHECK_THROWS_WITH(cat.put({"", {"x"}, "{}"}), Catch::Contains("uri: is empty"));
    CHECK_THROWS_WITH(cat.put({"a.jpg", {}, "{}"}), Catch::Contains("a.jpg: captions"));
    CHECK_THROWS_WITH(cat.put({"a.jpg", {"ok", " "}, "{}"}),
                      Catch::Contains("a.jpg: caption 2: is empty"));
    CHECK_THROWS_WITH(cat.put({"a.jpg", {"ok"}, "[1]"}),
                      Catch::Contains("a.jpg: metadata: must be a JSON object"));
    CHECK_THROWS_WITH(cat.put({"a.jpg", {"ok"}, "{bad"}),
                      Catch::Equals("a.jpg: metadata: is not valid JSON: invalid literal; last "
                                    "read: '{b'; expected string literal (at character 2)"));
    const std::vector<Image> batch{{"good.jpg", {"fine words"}, "{}"}, {"bad.jpg", {"?!"}, "{}"}};
    CHECK_THROWS_WITH(cat.put(batch), Catch::Contains("bad.jpg: caption 1: text has no words"));
    CHECK(cat.size() == 0);  // the good image of the failed batch was not written
  }
}

// stats() reads the deleted count from the snapshot's header until the graph is loaded,
// when the snapshot holds every change; else it loads the graph.
TEST_CASE("stats before and after the graph is loaded agree", "[catalogue]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  std::mt19937 rng(4);
  auto same = [](const Stats& a, const Stats& b) {
    CHECK(a.deleted == b.deleted);
    CHECK(a.captions == b.captions);
    CHECK(a.m == b.m);
    CHECK(a.graph == b.graph);
    CHECK(a.snapshot_seq == b.snapshot_seq);
  };
  auto fresh_then_loaded = [&] {
    OpenOptions read_only;
    read_only.read_only = true;
    auto cat = Catalogue::open(path, read_only);
    const auto before = cat.stats();
    cat.search(std::vector<float>(16, 0.25f), {.k = 3});
    same(before, cat.stats());
    return before;
  };
  const auto images = random_vector_images(rng, "a", 200);
  {
    auto cat = Catalogue::create(path, {.embedder = "none:dim=16", .graph = GraphPrecision::int8});
    for (const auto& image : images) cat.put(image);
    for (std::size_t i = 0; i < 40; ++i) cat.remove(images[i].uri);
  }  // closing saves a snapshot holding every change
  const auto saved = fresh_then_loaded();
  CHECK(saved.deleted == 40);
  CHECK(saved.snapshot_seq == saved.last_seq);
  {
    auto cat = Catalogue::open(path);
    for (std::size_t i = 40; i < 45; ++i) cat.remove(images[i].uri);
  }  // too few changes to save again: the log holds them
  const auto logged = fresh_then_loaded();
  CHECK(logged.deleted == 45);
  CHECK(logged.snapshot_seq < logged.last_seq);
}

TEST_CASE("hits carry the current URI, caption and metadata, also for handles opened before",
          "[catalogue][search]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  auto writer = Catalogue::create(path, {.embedder = "lexical:dim=256"});
  writer.put({"a.jpg", {"A red bicycle by a wall", "A bike"}, R"({"v": 1})"});
  writer.put({"b.jpg", {"A blue boat on a lake"}, "{}"});
  writer.checkpoint();  // the hit table is saved with the graph snapshot
  OpenOptions read_only;
  read_only.read_only = true;
  auto reader = Catalogue::open(path, read_only);
  auto first = [](const Catalogue& cat) {
    const auto hits = cat.search("red bicycle", {.k = 1});
    REQUIRE(hits.size() == 1);
    return hits[0];
  };
  CHECK(first(reader).uri == "a.jpg");
  CHECK(first(reader).caption == "A red bicycle by a wall");
  CHECK(first(reader).metadata == R"({"v":1})");

  // A metadata-only change, then a caption change, each seen by the older handle.
  writer.put({"a.jpg", {"A red bicycle by a wall", "A bike"}, R"({"v": 2})"});
  CHECK(first(reader).metadata == R"({"v":2})");
  writer.put({"a.jpg", {"A red bicycle in the snow"}, R"({"v": 2})"});
  CHECK(first(reader).caption == "A red bicycle in the snow");
  CHECK(reader.verify().ok());

  // And by a fresh handle, from the snapshot saved on close plus the log.
  writer = Catalogue::open(path);
  writer.put({"b.jpg", {"A blue boat on a lake"}, R"({"w": true})"});
  { auto closing = std::move(writer); }
  auto reopened = Catalogue::open(path, read_only);
  CHECK(first(reopened).caption == "A red bicycle in the snow");
  const auto boat = reopened.search("blue boat", {.k = 1});
  REQUIRE(boat.size() == 1);
  CHECK(boat[0].metadata == R"({"w":true})");
  CHECK(reopened.verify().ok());
}

TEST_CASE("several captions of one image group into one hit carrying the best caption",
          "[catalogue][search]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  cat.put({"dog.jpg",
           {"A dog catches a frisbee", "A brown dog in a park", "A dog jumping in the air"},
           "{}"});
  cat.put({"cat.jpg", {"A cat sleeping on a sofa"}, "{}"});
  cat.put({"car.jpg", {"A red car parked on a street"}, "{}"});
  const auto hits = cat.search("dog jumping", {.k = 10});
  REQUIRE(hits.size() == 3);  // exactly min(k, images), one per image
  CHECK(hits[0].uri == "dog.jpg");
  CHECK(hits[0].caption == "A dog jumping in the air");
  CHECK(hits[0].score >= hits[1].score);
  CHECK(hits[1].score >= hits[2].score);
}

TEST_CASE("search returns exactly min(k, images) even when one image has many captions",
          "[catalogue][search]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) many.push_back("sunset over the sea number " + std::to_string(i));
  cat.put({"sunsets.jpg", many, "{}"});
  const auto others = test::synthetic_captions(50, 7);
  for (std::size_t i = 0; i < others.size(); ++i)
    cat.put({"img" + std::to_string(i), {others[i]}, "{}"});
  for (std::size_t k : {1, 5, 10, 51, 100}) {
    const auto hits = cat.search("sunset over the sea", {.k = k});
    CHECK(hits.size() == std::min<std::size_t>(k, 51));
    CHECK(hits[0].uri == "sunsets.jpg");
  }
  CHECK(cat.search("sunset over the sea", {.k = 10, .min_score = 0.5f}).size() == 1);
}

TEST_CASE("a query vector searches like text", "[catalogue][search]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  cat.put({"a.jpg", {"A lighthouse on a cliff"}, "{}"});
  cat.put({"b.jpg", {"A bowl of noodles"}, "{}"});
  std::vector<float> q(cat.embedder().dim());
  cat.embedder().embed_query("lighthouse", q);
  for (auto& v : q) v *= 3.0f;  // any length: the query is normalised
  CHECK(cat.search(q, {.k = 1})[0].uri == "a.jpg");
  CHECK_THROWS_WITH(cat.search(std::vector<float>(3, 1.0f)), Catch::Contains("3 dimensions"));
  CHECK_THROWS_WITH(cat.search(std::vector<float>(q.size(), 0.0f)), Catch::Contains("zero"));
}

// No word is shared: the default embedder must know that a cat is a pet and a mat a rug.
TEST_CASE("the seed example: a pet on a rug is closer to a cat on a mat than a car",
          "[catalogue][seed]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  cat.put({"pet.jpg", {"A pet on a rug"}, "{}"});
  cat.put({"car.jpg", {"A person driving a car"}, "{}"});
  const auto hits = cat.search("A cat sitting on a mat");
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].uri == "pet.jpg");
  CHECK(hits[0].score > 2 * hits[1].score);
}

TEST_CASE(
    "a put's stored callback: the rows are readable, the next put may store its own, "
    "and searches see both",
    "[catalogue]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "v.pdx", {.embedder = "none:dim=16"});
  std::mt19937 rng(9);
  auto random_images = [&](const std::string& prefix, std::size_t n) {
    return random_vector_images(rng, prefix, n);
  };
  const auto first = random_images("a", 2000), second = random_images("b", 2000);
  std::optional<Image> read_when_stored;
  std::future<PutResult> next;
  std::future<std::vector<Hit>> search_meanwhile;
  int calls = 0;
  const auto result = cat.put(first, [&] {
    ++calls;
    read_when_stored = cat.get("a1999");  // SQLite holds the batch already
    // Another writer and a search, on threads of their own: the second batch stores its
    // rows meanwhile; the search waits for the graph to hold the first.
    next = std::async(std::launch::async, [&] { return cat.put(second); });
    search_meanwhile = std::async(std::launch::async,
                                  [&] { return cat.search(first[1999].vectors[0], {.k = 1}); });
  });
  CHECK(calls == 1);
  CHECK(result.added == 2000);
  REQUIRE(read_when_stored);
  CHECK(read_when_stored->uri == "a1999");
  CHECK(next.get().added == 2000);
  const auto hits = search_meanwhile.get();
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].uri == "a1999");
  CHECK(cat.size() == 4000);
  for (const auto* image : {&first[7], &second[1234]})
    CHECK(cat.search(image->vectors[0], {.k = 1}).at(0).uri == image->uri);
  CHECK(cat.verify().ok());
}

TEST_CASE("a put that fails part-way leaves nothing behind, in SQLite or in the graph",
          "[catalogue][faults]") {
  // Whatever a failed put wrote (rows, graph entries) must be gone: the same URIs put
  // again, with other vectors, must be found by those vectors.
  TempDir dir;
  const auto path = dir / "v.pdx";
  auto cat = Catalogue::create(path, {.embedder = "none:dim=16"});
  std::mt19937 rng(5);
  auto random_images = [&](const std::string& prefix, std::size_t n) {
    return random_vector_images(rng, prefix, n);
  };
  auto finds_itself = [&](const Image& image) {
    const auto hits = cat.search(image.vectors[0], {.k = 1});
    return !hits.empty() && hits[0].uri == image.uri;
  };
  REQUIRE(cat.put(random_images("a", 300)).added == 300);

  // A trigger stands in for any failure after rows and graph entries are written: SQLite
  // refuses the batch's last caption. (The catalogue's writer connection is open already;
  // a connection opened while the trigger exists would refuse the catalogue.)
  SQLite::Database(path.string(), SQLite::OPEN_READWRITE)
      .exec(
          "CREATE TRIGGER refuse BEFORE INSERT ON captions WHEN NEW.text = 'refused' "
          "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  auto refused = random_images("b", 300);
  refused.back().captions = {"refused"};
  CHECK_THROWS_WITH(cat.put(refused), Catch::Contains("refused by the test"));
  SQLite::Database(path.string(), SQLite::OPEN_READWRITE).exec("DROP TRIGGER refuse");
  CHECK(cat.size() == 300);
  for (std::size_t i = 0; i < refused.size(); i += 7)
    CHECK(cat.search(refused[i].vectors[0], {.k = 1})[0].uri.starts_with("a"));

  // The same URIs again with other vectors: they take the ids the failed batch had.
  const auto retried = random_images("b", 300);
  CHECK(cat.put(retried).added == 300);
  std::size_t found = 0;
  for (const auto& image : retried) found += finds_itself(image);
  CHECK(found == retried.size());
  CHECK(cat.verify().ok());
  cat = Catalogue::open(path);
  found = 0;
  for (const auto& image : retried) found += finds_itself(image);
  CHECK(found == retried.size());
}
