// Metadata filters (--where): parsing, a brute-force oracle over random metadata at
// selectivities from 0.1% to 100%, paging, and SQL-looking input staying data.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "support.hpp"

using namespace picdex;
using picdex::test::run_picdex;
using picdex::test::TempDir;
using picdex::test::uris;
using Op = Condition::Op;

TEST_CASE("conditions parse from their text form, and bad ones say what is wrong", "[filter]") {
  auto parsed = [](std::string_view text) {
    const auto c = Condition::parse(text);
    return std::make_tuple(c.key, c.op, c.values);
  };
  using V = std::vector<std::string>;
  CHECK(parsed("year=2015") == std::make_tuple("year", Op::equal, V{"2015"}));
  CHECK(parsed(" place = New York ") == std::make_tuple("place", Op::equal, V{"New York"}));
  CHECK(parsed("tag!=dog") == std::make_tuple("tag", Op::not_equal, V{"dog"}));
  CHECK(parsed("w<640") == std::make_tuple("w", Op::less, V{"640"}));
  CHECK(parsed("w<=640") == std::make_tuple("w", Op::less_equal, V{"640"}));
  CHECK(parsed("w>1.5e3") == std::make_tuple("w", Op::greater, V{"1.5e3"}));
  CHECK(parsed("w>=-2") == std::make_tuple("w", Op::greater_equal, V{"-2"}));
  CHECK(parsed("colour in red, green,blue") ==
        std::make_tuple("colour", Op::in, V{"red", "green", "blue"}));
  CHECK(parsed("note=a=b") == std::make_tuple("note", Op::equal, V{"a=b"}));
  CHECK(parsed("title=") == std::make_tuple("title", Op::equal, V{""}));

  CHECK_THROWS_WITH(Condition::parse("year"),
                    Catch::StartsWith("where 'year': expected KEY=VALUE"));
  CHECK_THROWS_WITH(Condition::parse("=2015"), "where '=2015': the key is empty");
  CHECK_THROWS_WITH(Condition::parse("year<soon"),
                    "where 'year<soon': '<' compares numbers; 'soon' is not one");
  CHECK_THROWS_WITH(Condition::parse("year>=inf"), Catch::Contains("'inf' is not one"));
  CHECK_THROWS_WITH(Condition::parse("tag in a,,b"), Catch::Contains("an empty value"));
  CHECK_THROWS_WITH(Condition::parse("tag!dog"), Catch::Contains("'!' must be followed by '='"));
  CHECK_THROWS_WITH(Condition::parse("tag=\xb1x"), Catch::EndsWith("is not valid UTF-8"));
}

namespace {

// The oracle's reading of the matching rules in filter.hpp.
bool equal_to(const nlohmann::json& value, const std::string& wanted) {
  if (value.is_string()) return value.get<std::string>() == wanted;
  if (value.is_boolean()) return wanted == (value.get<bool>() ? "true" : "false");
  if (value.is_number()) {
    char* end = nullptr;
    const double n = std::strtod(wanted.c_str(), &end);
    return !wanted.empty() && end == wanted.c_str() + wanted.size() && value.get<double>() == n;
  }
  return false;
}

bool meets(const nlohmann::json& metadata, const Condition& c) {
  const auto it = metadata.find(c.key);
  const bool present = it != metadata.end();
  switch (c.op) {
    case Op::equal:
      return present && equal_to(*it, c.values[0]);
    case Op::not_equal:
      return !present || !equal_to(*it, c.values[0]);
    case Op::in:
      return present && std::any_of(c.values.begin(), c.values.end(),
                                    [&](const std::string& v) { return equal_to(*it, v); });
    default:
      break;
  }
  if (!present || !it->is_number()) return false;
  const double x = it->get<double>(), y = std::stod(c.values[0]);
  switch (c.op) {
    case Op::less:
      return x < y;
    case Op::less_equal:
      return x <= y;
    case Op::greater:
      return x > y;
    default:
      return x >= y;
  }
}

// prefix + n (spelt out: g++ 12 warns falsely, -Wrestrict, on "literal" + std::string).
std::string numbered(std::string prefix, std::size_t n) {
  return prefix += std::to_string(n);
}

struct Corpus {
  std::vector<Image> images;
  std::vector<nlohmann::json> metadata;
  std::vector<std::vector<std::vector<double>>> unit;  // per image, per caption
};

// Images with 1 to 3 captions of clustered random vectors, and random metadata: bucket
// (0..999, uniform), colour (5 values), flag (boolean), size (a real), and note on half.
Corpus make_corpus(std::size_t n, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int> bucket(0, 999), colour(0, 4), captions(1, 3), centre(0, 39);
  std::uniform_real_distribution<double> size(0, 100);
  const char* colours[] = {"red", "green", "blue", "black", "white"};
  std::vector<std::vector<float>> centres(40, std::vector<float>(dim));
  for (auto& c : centres)
    for (auto& x : c) x = normal(rng);
  Corpus out;
  for (std::size_t i = 0; i < n; ++i) {
    nlohmann::json meta = {{"bucket", bucket(rng)},
                           {"colour", colours[colour(rng)]},
                           {"flag", rng() % 2 == 0},
                           {"size", size(rng)}};
    if (i % 2) meta["note"] = numbered("n", i % 7);
    Image image{numbered("img", i), {}, meta.dump()};
    std::vector<std::vector<double>> unit;
    for (int c = captions(rng); c > 0; --c) {
      const auto& base = centres[static_cast<std::size_t>(centre(rng))];
      std::vector<float> v(dim);
      double norm = 0;
      for (std::size_t d = 0; d < dim; ++d) {
        v[d] = base[d] + 0.8f * normal(rng);
        norm += double(v[d]) * v[d];
      }
      std::vector<double> u(dim);
      for (std::size_t d = 0; d < dim; ++d) u[d] = v[d] / std::sqrt(norm);
      image.captions.push_back(numbered("c", static_cast<std::size_t>(c)));
      image.vectors.push_back(std::move(v));
      unit.push_back(std::move(u));
    }
    out.images.push_back(std::move(image));
    out.metadata.push_back(std::move(meta));
    out.unit.push_back(std::move(unit));
  }
  return out;
}

// The k best matching images by their best caption, by brute force.
std::vector<std::string> oracle(const Corpus& corpus, const std::vector<float>& query,
                                const std::vector<Condition>& where, std::size_t k,
                                std::size_t* matching) {
  double norm = 0;
  for (const float x : query) norm += double(x) * x;
  std::vector<std::pair<double, std::size_t>> scored;
  for (std::size_t i = 0; i < corpus.images.size(); ++i) {
    if (!std::all_of(where.begin(), where.end(),
                     [&](const Condition& c) { return meets(corpus.metadata[i], c); }))
      continue;
    double best = -2;
    for (const auto& u : corpus.unit[i]) {
      double dot = 0;
      for (std::size_t d = 0; d < u.size(); ++d) dot += u[d] * query[d];
      best = std::max(best, dot / std::sqrt(norm));
    }
    scored.push_back({best, i});
  }
  *matching = scored.size();
  std::sort(scored.begin(), scored.end(), std::greater<>());
  std::vector<std::string> out;
  for (std::size_t j = 0; j < std::min(k, scored.size()); ++j)
    out.push_back(corpus.images[scored[j].second].uri);
  return out;
}

}  // namespace

TEST_CASE("filtered searches return exactly min(k, matching) images, as a brute-force oracle",
          "[filter][search]") {
  constexpr std::size_t kImages = 6000, kDim = 24, kK = 10, kQueries = 25;
  const auto graph = GENERATE(GraphPrecision::float32, GraphPrecision::int8);
  INFO(graph_precision_name(graph) << " graph");
  const auto corpus = make_corpus(kImages, kDim, 11);
  TempDir dir;
  auto cat = Catalogue::create(dir / "f.pdx", {.embedder = "none:dim=24", .graph = graph});
  cat.put(corpus.images);

  std::mt19937 rng(12);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> queries(kQueries, std::vector<float>(kDim));
  for (auto& q : queries)
    for (auto& x : q) x = normal(rng);

  // From 0.1% of the images to all of them; both strategies (scan, graph) get exercised.
  const std::vector<std::vector<std::string>> cases = {
      {"bucket<1"},  // 0.1%
      {"bucket<10"},
      {"bucket<50"},
      {"bucket>=50", "bucket<130"},  // 8%
      {"colour=red"},                // 20%
      {"colour in red,blue"},
      {"flag=true"},
      {"colour!=red"},
      {"note!=n3"},  // includes the images without a note
      {"size>=0"},   // everything
      {"note in n1,n2", "flag=false", "size<50"},
      {"bucket=999999"},  // nothing
  };
  for (const auto& texts : cases) {
    std::vector<Condition> where;
    for (const auto& t : texts) where.push_back(Condition::parse(t));
    std::size_t matching = 0, found = 0, expected = 0, exact_lists = 0;
    for (const auto& q : queries) {
      const auto truth = oracle(corpus, q, where, kK, &matching);
      const auto hits = cat.search(q, {.k = kK, .where = where});
      INFO(texts[0] << (texts.size() > 1 ? " and more" : "") << ", " << matching << " matching");
      REQUIRE(hits.size() == std::min(kK, matching));
      for (const auto& h : hits) {
        const auto i = std::stoul(h.uri.substr(3));
        CHECK(std::all_of(where.begin(), where.end(),
                          [&](const Condition& c) { return meets(corpus.metadata[i], c); }));
      }
      const std::set<std::string> want(truth.begin(), truth.end());
      for (const auto& u : uris(hits)) found += want.count(u);
      expected += truth.size();
      exact_lists += uris(hits) == truth;
    }
    const double fraction = double(matching) / kImages;
    INFO(texts[0] << ": recall " << (expected ? double(found) / expected : 1.0));
    if (fraction <= 0.05)
      CHECK(exact_lists == kQueries);  // scanned: the oracle's ranking exactly
    else if (graph == GraphPrecision::float32)
      CHECK(found >= expected * 97 / 100);  // the graph: recall@10 0.99 or more in runs here
    else
      // int8 scores rank the deeper candidates a filtered search relies on less surely:
      // recall@10 0.964-0.992 over 60 runs here (builds on two threads differ run to run).
      CHECK(found >= expected * 95 / 100);
  }
}

TEST_CASE("offset pages through the results; filters combine with it", "[filter][search]") {
  const auto corpus = make_corpus(500, 8, 3);
  TempDir dir;
  auto cat = Catalogue::create(dir / "p.pdx", {.embedder = "none:dim=8"});
  cat.put(corpus.images);
  const std::vector<float> q(8, 1.0f);
  const auto all = uris(cat.search(q, {.k = 30}));
  REQUIRE(all.size() == 30);
  const auto second = uris(cat.search(q, {.k = 10, .offset = 10}));
  CHECK(second == std::vector<std::string>(all.begin() + 10, all.begin() + 20));
  CHECK(cat.search(q, {.k = 10, .offset = 500}).empty());
  CHECK(cat.search(q, {.k = 10, .offset = 495}).size() == 5);
  const std::vector<Condition> red = {Condition::parse("colour=red")};
  const auto reds = uris(cat.search(q, {.k = 20, .where = red}));
  CHECK(uris(cat.search(q, {.k = 10, .offset = 10, .where = red})) ==
        std::vector<std::string>(reds.begin() + 10, reds.end()));
}

TEST_CASE("keys and values that look like SQL are just data", "[filter][search]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "s.pdx", {.embedder = "none:dim=2"});
  const std::string key = "k') OR 1=1; DROP TABLE images; --";
  const std::string value = "' OR '1'='1";
  cat.put(
      std::vector<Image>{{"a.jpg", {"a"}, nlohmann::json{{key, value}}.dump(), {{1, 0}}},
                         {"b.jpg", {"b"}, R"({"k":"x"})", {{0, 1}}},
                         {"c.jpg", {"c"}, R"({"quote\"key":"v\"alue","dot.key":1})", {{1, 1}}}});
  const std::vector<float> q{1, 0};
  auto where = [](const std::string& text) { return std::vector{Condition::parse(text)}; };
  // (The text form splits at the first '='; the library takes any key.)
  const std::vector<Condition> literal = {{key, Op::equal, {value}}};
  CHECK(uris(cat.search(q, {.where = literal})) == std::vector<std::string>{"a.jpg"});
  CHECK(uris(cat.search(q, {.where = where("k=' OR '1'='1")})).empty());
  CHECK(uris(cat.search(q, {.where = where("k in x, ') OR 1=1 --")})) ==
        std::vector<std::string>{"b.jpg"});
  CHECK(uris(cat.search(q, {.where = where("quote\"key=v\"alue")})) ==
        std::vector<std::string>{"c.jpg"});
  CHECK(uris(cat.search(q, {.where = where("dot.key>=1")})) == std::vector<std::string>{"c.jpg"});
  // Bytes that are not UTF-8, in a condition built by hand, match nothing (found by fuzzing).
  const std::vector<Condition> not_utf8 = {{"k", Op::in, {"x", "\xb1"}}};
  CHECK(uris(cat.search(q, {.where = not_utf8})) == std::vector<std::string>{"b.jpg"});
  CHECK(cat.size() == 3);
  CHECK(cat.verify().ok());
}

TEST_CASE("picdex search --where and --offset", "[filter][cli]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  const auto jsonl = dir / "images.jsonl";
  test::write_file(
      jsonl,
      R"({"uri":"dog1.jpg","caption":"a brown dog on the grass","metadata":{"year":2015,"place":"park"}})"
      "\n"
      R"({"uri":"dog2.jpg","caption":"a black dog running on the grass","metadata":{"year":2019,"place":"beach"}})"
      "\n"
      R"({"uri":"cat1.jpg","caption":"a cat asleep on a sofa","metadata":{"year":2021,"place":"home"}})"
      "\n");
  REQUIRE(run_picdex({"init", cat}).status == 0);
  REQUIRE(run_picdex({"import", cat, jsonl.string()}).status == 0);
  auto hits_of = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"search", cat, "a dog on the grass", "--json"});
    const auto run = run_picdex(args);
    REQUIRE(run.status == 0);
    std::vector<std::string> out;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);)
      out.push_back(nlohmann::json::parse(line)["uri"]);
    return out;
  };
  CHECK(hits_of({"-k", "1"}).size() == 1);
  CHECK(hits_of({"--where", "year>=2016"}) == std::vector<std::string>{"dog2.jpg", "cat1.jpg"});
  CHECK(hits_of({"--where", "year>=2016", "--where", "place!=home"}) ==
        std::vector<std::string>{"dog2.jpg"});
  CHECK(hits_of({"--where", "place in park,home", "--offset", "1"}) ==
        std::vector<std::string>{"cat1.jpg"});
  const auto bad = run_picdex({"search", cat, "dog", "--where", "year>recent"});
  CHECK(bad.status == 64);
  CHECK(bad.err == "picdex: --where 'year>recent': '>' compares numbers; 'recent' is not one\n");
}
