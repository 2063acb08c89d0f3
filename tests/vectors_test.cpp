// Catalogues of vectors computed elsewhere: --embedder none, vectors in, vector queries.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "support.hpp"

using namespace picdex;
using test::run_picdex;

using picdex::test::uris;

TEST_CASE("a catalogue of external vectors stores, finds and refuses vectors", "[vectors]") {
  test::TempDir dir;
  auto cat = Catalogue::create(dir / "v.pdx", {.embedder = "none:dim=4"});
  CHECK(cat.embedder().spec() == "none:dim=4");
  const std::vector<Image> images = {
      {"x.jpg", {"east"}, "{}", {{2, 0, 0, 0}}},
      {"y.jpg", {"north", "north-east"}, "{}", {{0, 1, 0, 0}, {1, 1, 0, 0}}},
      {"z.jpg", {"up"}, "{}", {{0, 0, 0, 5}}}};
  cat.put(images);
  const std::vector<float> query{1, 0.2f, 0, 0};
  const auto hits = cat.search(query, {.k = 3});
  CHECK(uris(hits) == std::vector<std::string>{"x.jpg", "y.jpg", "z.jpg"});
  CHECK(hits[0].score == Approx(1 / std::sqrt(1.04)).epsilon(1e-5));
  CHECK(hits[1].caption == "north-east");  // the image's best caption
  // Stored at unit length; get gives them back.
  const auto y = cat.get("y.jpg");
  REQUIRE(y.vectors.size() == 2);
  CHECK(y.vectors[1][0] == Approx(1 / std::sqrt(2.0f)));

  SECTION("identical content is a no-op; a changed vector is an update") {
    CHECK(cat.put(cat.get("y.jpg")).unchanged == 1);
    CHECK(cat.put(Image{"x.jpg", {"east"}, "{}", {{0, 0, 0, 1}}}).updated == 1);
    CHECK(cat.search(std::vector<float>{0, 0, 0, 1}, {.k = 1})[0].score == Approx(1.0f));
    CHECK(cat.verify().ok());
  }
  SECTION("bad vectors are refused whole, naming the image and the vector") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(cat.put(Image{"w.jpg", {"a", "b"}, "{}", {{1, 0, 0, 0}}}),
                      Catch::Contains("w.jpg: vectors: 1 for 2 captions"));
    CHECK_THROWS_WITH(cat.put(Image{"w.jpg", {"a"}, "{}", {{1, 0, 0}}}),
                      Catch::Contains("w.jpg: vector 1: has 3 dimensions; the catalogue has 4"));
    CHECK_THROWS_WITH(cat.put(Image{"w.jpg", {"a"}, "{}", {{1, nan, 0, 0}}}),
                      Catch::Contains("w.jpg: vector 1: holds NaN or infinity"));
    CHECK_THROWS_WITH(cat.put(Image{"w.jpg", {"a"}, "{}", {{0, 0, 0, 0}}}),
                      Catch::Contains("w.jpg: vector 1: is zero"));
    CHECK_THROWS_WITH(cat.put(Image{"w.jpg", {"a"}}),
                      Catch::Contains("needs one vector per caption"));
    CHECK_THROWS_WITH(cat.search("east"), Catch::Contains("no text embedder"));
    CHECK(cat.size() == 3);
  }
  SECTION("a catalogue that embeds its captions refuses vectors") {
    auto text = Catalogue::create(dir / "t.pdx", {.embedder = "lexical:dim=64"});
    CHECK_THROWS_WITH(text.put(Image{"a.jpg", {"a cat"}, "{}", {std::vector<float>(64, 1.0f)}}),
                      Catch::Contains("embeds its captions itself"));
  }
  SECTION("reopened, the same") {
    const auto before = cat.search(query, {.k = 3});
    cat = Catalogue::open(dir / "v.pdx");
    CHECK(uris(cat.search(query, {.k = 3})) == uris(before));
  }
}

TEST_CASE("picdex imports JSONL vectors and searches with a vector file", "[vectors][cli]") {
  test::TempDir dir;
  const auto cat = (dir / "v.pdx").string();
  CHECK(run_picdex({"init", cat, "--embedder", "none"}).status == 64);  // no --dim
  REQUIRE(run_picdex({"init", cat, "--embedder", "none", "--dim", "3"}).status == 0);
  test::write_file(dir / "v.jsonl",
                   "{\"uri\":\"a.jpg\",\"caption\":\"red\",\"vector\":[1,0,0]}\n"
                   "{\"uri\":\"b.jpg\",\"captions\":[\"green\",\"teal\"],"
                   "\"vectors\":[[0,1,0],[0,1,1]]}\n");
  const auto imported = run_picdex({"import", cat, (dir / "v.jsonl").string()});
  REQUIRE(imported.status == 0);
  CHECK_THAT(imported.err, Catch::Contains("2 added"));

  test::write_file(dir / "q.txt", "0.1 0.9 0.2\n");
  const auto found =
      run_picdex({"search", cat, "--vector-file", (dir / "q.txt").string(), "-k", "1"});
  CHECK(found.status == 0);
  CHECK_THAT(found.out, Catch::Contains("b.jpg") && Catch::Contains("green"));
  CHECK_THAT(run_picdex({"search", cat, "--vector-file", "-", "--json"}, "[1, 0, 0]").out,
             Catch::StartsWith("{\"rank\":1,\"uri\":\"a.jpg\""));

  auto refused = [&](const std::string& line, const std::string& says) {
    const auto run = run_picdex({"import", cat, "-", "--format", "jsonl"}, line + "\n");
    CHECK(run.status == 65);
    CHECK_THAT(run.err, Catch::Contains("picdex: <stdin>:1: " + says));
  };
  refused(R"({"uri":"c.jpg","caption":"x","vector":[1,0]})",
          "vector 1: has 2 dimensions; the catalogue has 3 (image \"c.jpg\")");
  refused(R"({"uri":"c.jpg","caption":"x","vector":[0,0,0]})",
          "vector 1: is zero (image \"c.jpg\")");
  refused(R"({"uri":"c.jpg","caption":"x","vector":[1e39,0,0]})",
          "vector: holds a number out of range");
  refused(R"({"uri":"c.jpg","caption":"x","vector":[1,"a",0]})",
          "vector: must be an array of numbers");
  refused(R"({"uri":"c.jpg","captions":["x","y"],"vectors":[[1,0,0]]})",
          "vectors: 1 vectors for 2 captions");
  refused(R"({"uri":"c.jpg","caption":"x"})", "vectors: 0 for 1 captions");
  const auto wrong = run_picdex({"search", cat, "--vector-file", "-"}, "1 2");
  CHECK(wrong.status == 65);
  CHECK_THAT(wrong.err, Catch::Contains("<stdin>:1: query vector: has 2 dimensions"));

  // Many vectors, one a line: one JSON line of results each, naming its line.
  const auto many =
      run_picdex({"search", cat, "--vector-file", "-", "-k", "1", "--json"}, "[1,0,0]\n\n0 1 0\n");
  CHECK(many.status == 0);
  CHECK(many.out ==
        "{\"line\":1,\"results\":[{\"rank\":1,\"uri\":\"a.jpg\",\"score\":1.0,\"caption\":"
        "\"red\",\"matched\":\"caption\",\"metadata\":{}}]}\n"
        "{\"line\":3,\"results\":[{\"rank\":1,\"uri\":\"b.jpg\",\"score\":1.0,\"caption\":"
        "\"green\",\"matched\":\"caption\",\"metadata\":{}}]}\n");
  // One JSON array over several lines is one vector.
  CHECK_THAT(
      run_picdex({"search", cat, "--vector-file", "-", "--json"}, "[\n 0,\n 1,\n 0\n]\n").out,
      Catch::StartsWith("{\"rank\":1,\"uri\":\"b.jpg\""));
  // A bad line is refused, with its line, before any result is printed.
  for (const auto& [input, says] : std::vector<std::pair<std::string, std::string>>{
           {"1 0 0\n1 2\n", "picdex: <stdin>:2: vector: has 2 numbers; the first vector has 3\n"},
           {"1 0 0\n1 x 2\n", "picdex: <stdin>:2: vector: 'x' is not a number\n"},
           {"\n \n", "picdex: <stdin>: vector: the file holds none\n"}}) {
    const auto bad = run_picdex({"search", cat, "--vector-file", "-"}, input);
    CHECK(bad.status == 65);
    CHECK(bad.out.empty());
    CHECK(bad.err == says);
  }
  CHECK(run_picdex({"verify", cat}).status == 0);
}
