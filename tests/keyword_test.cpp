// Keyword and hybrid search: the FTS5 index kept with the captions, ranking by words,
// fusion with the vector ranking, and catalogues of the format before the index.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "support.hpp"

using namespace picdex;
using picdex::test::TempDir;
using picdex::test::uris;

namespace {

const std::vector<Image> kImages = {
    {"dog-beach.jpg", {"A brown dog runs along the beach"}, R"({"year":2020})"},
    {"dogs-park.jpg", {"Two dogs playing with a ball in the park"}, R"({"year":2022})"},
    {"cat-rug.jpg", {"A cat asleep on a woven rug"}, R"({"year":2022})"},
    {"red-car.jpg", {"A red sports car parked on the street", "shiny paint"}, R"({"year":2019})"},
    {"snow.jpg", {"Children building a snowman"}, R"({"year":2021})"}};

SearchOptions mode(SearchMode m, std::size_t k = 10) {
  SearchOptions o;
  o.k = k;
  o.mode = m;
  return o;
}

// kImages in a catalogue taken back to an older format `version` (1 or 2): what the later
// migrations added is dropped (format 2 the pictures table, format 1 also the keyword
// index and its triggers), and the file says it is of that format.
void make_catalogue_of_format(const std::filesystem::path& path, int version) {
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical"});
    cat.put(kImages);
  }
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  db.exec("DELETE FROM meta WHERE key = 'log_trimmed_through'");  // format 4
  db.exec("DROP TABLE pictures");                                 // format 3
  if (version < 2) {
    db.exec("DROP TABLE captions_fts");
    for (const char* t : {"delete", "update"})
      db.exec(std::string("DROP TRIGGER captions_fts_") + t);
  }
  db.exec("PRAGMA user_version = " + std::to_string(version));
}

}  // namespace

TEST_CASE("keyword search ranks images whose captions share the query's words", "[keyword]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "k.pdx", {.embedder = "lexical"});
  cat.put(kImages);
  // Stemmed: "dog" finds "dogs" too; images without a shared word are not returned.
  const auto dogs = uris(cat.search("dog", mode(SearchMode::keyword)));
  CHECK(std::set<std::string>(dogs.begin(), dogs.end()) ==
        std::set<std::string>{"dog-beach.jpg", "dogs-park.jpg"});
  CHECK(uris(cat.search("shiny", mode(SearchMode::keyword))) ==
        std::vector<std::string>{"red-car.jpg"});
  CHECK(cat.search("zeppelin", mode(SearchMode::keyword)).empty());
  // Query syntax in the text is just words: no error, no operator.
  CHECK(uris(cat.search("\"cat\" AND NOT (rug* OR -) NEAR", mode(SearchMode::keyword))) ==
        std::vector<std::string>{"cat-rug.jpg"});
  CHECK_THROWS_WITH(cat.search("!!! ...", mode(SearchMode::keyword)),
                    "text has no words to embed");  // as in every mode
  // Scores are cosine similarity, as in every mode.
  const auto hit = cat.search("cat rug", mode(SearchMode::keyword)).at(0);
  CHECK(hit.score == Approx(cat.search("cat rug", mode(SearchMode::vector, 1)).at(0).score));
  // Filters and offsets apply.
  auto filtered = mode(SearchMode::keyword);
  filtered.where = {Condition::parse("year>=2021")};
  CHECK(uris(cat.search("dog", filtered)) == std::vector<std::string>{"dogs-park.jpg"});
  CHECK(cat.search("dog", {.k = 10, .offset = 1, .mode = SearchMode::keyword}).size() == 1);
  CHECK_THROWS_WITH(
      cat.search(std::vector<float>(cat.embedder().dim(), 1.0f), mode(SearchMode::keyword)),
      "keyword and hybrid search need a query text");

  // A word repeated in the query, in any case, counts once.
  CHECK(uris(cat.search("Car CAR car cat", mode(SearchMode::keyword))) ==
        uris(cat.search("car cat", mode(SearchMode::keyword))));

  SECTION("the index follows every write, in the same transaction") {
    cat.remove("dog-beach.jpg");
    cat.put(Image{"dogs-park.jpg", {"Two puppies playing"}});
    cat.put(Image{"kennel.jpg", {"A dog kennel"}});
    CHECK(uris(cat.search("dog", mode(SearchMode::keyword))) ==
          std::vector<std::string>{"kennel.jpg"});
    CHECK(uris(cat.search("puppies", mode(SearchMode::keyword))) ==
          std::vector<std::string>{"dogs-park.jpg"});
    CHECK(cat.verify().ok());
    cat = Catalogue::open(dir / "k.pdx");
    CHECK(uris(cat.search("dog", mode(SearchMode::keyword))) ==
          std::vector<std::string>{"kennel.jpg"});
  }
}

TEST_CASE("keyword hits carry their BM25, best first; stop words alone match nothing",
          "[keyword]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "s.pdx", {.embedder = "lexical"});
  cat.put(kImages);
  const auto hits = cat.search("a dog in the park", mode(SearchMode::keyword));
  // "dog" and "park" (stemmed: "parked" too); not every caption with "a" or "the".
  const auto found = uris(hits);
  CHECK(std::set<std::string>(found.begin(), found.end()) ==
        std::set<std::string>{"dogs-park.jpg", "dog-beach.jpg", "red-car.jpg"});
  CHECK(hits.at(0).uri == "dogs-park.jpg");  // both words
  for (std::size_t i = 0; i < hits.size(); ++i) {
    CHECK(hits[i].ranked_by > 0);
    if (i) CHECK(hits[i - 1].ranked_by >= hits[i].ranked_by);
  }
  CHECK(cat.search("the in on a", mode(SearchMode::keyword)).empty());
  // In hybrid mode the vector ranking still answers.
  CHECK(cat.search("the in on a", mode(SearchMode::hybrid, 3)).size() == 3);
  // In vector mode, what ranks is the cosine.
  for (const auto& hit : cat.search("a dog", mode(SearchMode::vector)))
    CHECK(hit.ranked_by == Approx(hit.score));
}

TEST_CASE("hybrid search fuses the vector and keyword rankings", "[keyword]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "h.pdx", {.embedder = "lexical"});
  cat.put(kImages);
  const std::string query = "a dog on the beach";
  const auto by_vector = uris(cat.search(query, mode(SearchMode::vector)));
  const auto by_keyword = uris(cat.search(query, mode(SearchMode::keyword)));
  const auto hybrid = uris(cat.search(query, mode(SearchMode::hybrid)));
  // The fusion worked out by hand: 1 / (60 + rank) summed over the lists.
  std::map<std::string, double> fused;
  for (const auto* list : {&by_vector, &by_keyword})
    for (std::size_t rank = 0; rank < list->size(); ++rank)
      fused[(*list)[rank]] += 1.0 / (60.0 + static_cast<double>(rank + 1));
  REQUIRE(hybrid.size() == fused.size());
  for (std::size_t i = 1; i < hybrid.size(); ++i) CHECK(fused[hybrid[i - 1]] >= fused[hybrid[i]]);
  // Each hit carries the fused sum that ranked it.
  for (const auto& hit : cat.search(query, mode(SearchMode::hybrid)))
    CHECK(hit.ranked_by == Approx(fused[hit.uri]).epsilon(1e-12));
  CHECK(hybrid[0] == "dog-beach.jpg");  // first in both lists
  auto paged = mode(SearchMode::hybrid, 2);
  paged.offset = 2;
  CHECK(uris(cat.search(query, paged)) ==
        std::vector<std::string>(hybrid.begin() + 2, hybrid.begin() + 4));
}

TEST_CASE(
    "hybrid search reaches as deep into the words as it fuses, however many captions "
    "an image has",
    "[keyword]") {
  // 30 images of 20 short "dog" captions each rank first for "dog": the first 400 captions
  // hold 20 images, fewer than the 100 hybrid fuses, so it must read FTS5's ranking deeper.
  TempDir dir;
  auto cat = Catalogue::create(dir / "deep.pdx", {.embedder = "lexical"});
  auto numbered = [](std::string text, int n, const char* end = "") {
    text += std::to_string(n);  // (appended: g++ 12 warns falsely on "literal" + string)
    text += end;
    return text;
  };
  std::vector<Image> images;
  for (int i = 0; i < 30; ++i) {
    Image pack{numbered("p", i, ".jpg"), {}, "{}"};
    for (int j = 0; j < 20; ++j) pack.captions.push_back(numbered(numbered("dog p", i, " c"), j));
    images.push_back(std::move(pack));
  }
  for (int i = 0; i < 150; ++i)
    images.push_back({numbered("s", i, ".jpg"),
                      {numbered("a brown dog runs across a wide green field, number ", i)},
                      "{}"});
  cat.put(images);
  const auto by_vector = uris(cat.search("dog", mode(SearchMode::vector, 100)));
  const auto by_keyword = uris(cat.search("dog", mode(SearchMode::keyword, 100)));
  REQUIRE(by_keyword.size() == 100);
  std::map<std::string, double> fused;
  for (const auto* list : {&by_vector, &by_keyword})
    for (std::size_t rank = 0; rank < list->size(); ++rank)
      fused[(*list)[rank]] += 1.0 / (60.0 + static_cast<double>(rank + 1));
  const auto hybrid = cat.search("dog", mode(SearchMode::hybrid, 100));
  REQUIRE(hybrid.size() == 100);
  for (std::size_t i = 0; i < hybrid.size(); ++i) {
    CHECK(hybrid[i].ranked_by == Approx(fused[hybrid[i].uri]).epsilon(1e-12));
    if (i > 0) CHECK(hybrid[i - 1].ranked_by >= hybrid[i].ranked_by);
  }
  // A hit's score is its caption's cosine: for the images of one caption, what keyword
  // search reports (which reads the caption's vector itself).
  std::map<std::string, float> keyword_scores;
  for (const auto& hit : cat.search("dog", mode(SearchMode::keyword, 100)))
    keyword_scores[hit.uri] = hit.score;
  std::size_t compared = 0;
  for (const auto& hit : hybrid)
    if (hit.uri.starts_with("s") && keyword_scores.count(hit.uri)) {
      CHECK(hit.score == Approx(keyword_scores[hit.uri]).margin(1e-6));
      ++compared;
    }
  CHECK(compared > 0);
}

TEST_CASE("a catalogue of format 1 gets its keyword index when opened for writing",
          "[keyword][persistence]") {
  TempDir dir;
  const auto path = dir / "old.pdx";
  make_catalogue_of_format(path, 1);
  OpenOptions read_only;
  read_only.read_only = true;
  CHECK_THROWS_WITH(Catalogue::open(path, read_only), Catch::Contains("open it read-write once"));
  {
    auto cat = Catalogue::open(path);  // upgrades: indexes the captions already there
    CHECK(uris(cat.search("snowman", mode(SearchMode::keyword))) ==
          std::vector<std::string>{"snow.jpg"});
  }
  CHECK(Catalogue::open(path, read_only).search("snowman", mode(SearchMode::keyword)).size() == 1);
}

// Reading commands never write: an older catalogue is refused with the command to run,
// left byte for byte as it was, and `picdex upgrade` brings it up to date.
TEST_CASE("reading commands refuse an older catalogue and name picdex upgrade",
          "[keyword][persistence][cli]") {
  TempDir dir;
  const auto path = dir / "old.pdx";
  make_catalogue_of_format(path, 2);
  const auto bytes_of = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const auto before = bytes_of();
  const auto cat = path.string();
  for (const std::vector<std::string>& reading :
       {std::vector<std::string>{"search", cat, "snowman"},
        {"stats", cat},
        {"export", cat},
        {"get", cat, "snow.jpg"},
        {"verify", cat}}) {
    INFO(reading[0]);
    const auto run = test::run_picdex(reading);
    CHECK(run.status == 65);
    CHECK(run.err == "picdex: " + cat +
                         ": is in an older format than this build's; 'picdex upgrade " + cat +
                         "' upgrades it in place (older builds then cannot open it)\n");
    CHECK(bytes_of() == before);
  }
  const auto upgraded = test::run_picdex({"upgrade", cat});
  CHECK(upgraded.status == 0);
  CHECK(upgraded.err == "upgraded " + cat + " to format 4\n");
  CHECK(test::run_picdex({"upgrade", cat}).err == cat + " is in this build's format (4) already\n");
  const auto found = test::run_picdex({"search", cat, "snowman", "-k", "1"});
  CHECK(found.status == 0);
  CHECK_THAT(found.out, Catch::Contains("snow.jpg"));
}
