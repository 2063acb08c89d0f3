// picdex push and search --on against real ClickHouse shards on this machine
// (scripts/clickhouse-shards.sh; Debian's clickhouse-server), on Flickr8k captions.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "child.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using picdex::test::run_picdex;
using picdex::test::TempDir;

namespace {

const fs::path kShards = fs::path(PICDEX_SOURCE_DIR) / "scripts" / "clickhouse-shards.sh";

// Two ClickHouse shards in a folder of their own, stopped (killed) at the end. Each test
// has its own ports (from `base`), so that tests may run at once.
class Shards {
 public:
  Shards(const fs::path& dir, int base) : dir_(dir), base_(base) {
    fs::create_directories(dir);
    const auto command = "bash " + kShards.string() + " start " + dir.string() + " 2 " +
                         std::to_string(base) + " > " + (dir / "url").string();
    started_ = std::system(command.c_str()) == 0;
    std::ifstream in(dir / "url");
    std::getline(in, url_);
  }
  ~Shards() { shard("stop", ""); }
  bool started() const { return started_; }
  const std::string& url() const { return url_; }
  // "stop" (kill -9) or "restart" shard `which` ("" for all).
  bool shard(const std::string& action, const std::string& which) {
    const auto command =
        "bash " + kShards.string() + " " + action + " " + dir_.string() + " " + which;
    return std::system(command.c_str()) == 0;
  }
  // A query's answer from one shard's HTTP port (1-based), through curl.
  std::string query(int which, const std::string& sql) {
    const auto out = dir_ / "answer";
    const auto command = "curl -sf 'http://127.0.0.1:" + std::to_string(base_ + which) +
                         "/' --data-binary '" + sql + "' > " + out.string();
    if (std::system(command.c_str()) != 0) return "";
    std::ifstream in(out);
    return {std::istreambuf_iterator<char>(in), {}};
  }

 private:
  fs::path dir_;
  int base_;
  std::string url_;
  bool started_ = false;
};

// Flickr8k: the first `images` images with all their captions, and a metadata field for
// filters; and the captions #1 of 50 other images as queries.
struct Flickr {
  std::vector<picdex::Image> images;
  std::vector<std::string> queries;
};

std::optional<Flickr> flickr8k(std::size_t images) {
  std::ifstream in(fs::path(PICDEX_SHARED_DATA) / "flickr8k" / "captions.tsv");
  if (!in) return std::nullopt;
  Flickr out;
  std::map<std::string, std::size_t> index;
  for (std::string line; std::getline(in, line);) {
    const auto tab = line.find('\t'), tab2 = line.find('\t', tab + 1);
    const auto uri = line.substr(0, tab), caption = line.substr(tab2 + 1);
    const bool number_one = line.substr(tab + 1, tab2 - tab - 1) == "1";
    if (auto it = index.find(uri); it != index.end()) {
      out.images[it->second].captions.push_back(caption);
    } else if (out.images.size() < images) {
      const auto n = out.images.size();
      index[uri] = n;
      out.images.push_back({uri, {caption}, R"({"n":)" + std::to_string(n % 4) + "}"});
    } else if (number_one && out.queries.size() < 50) {
      out.queries.push_back(caption);
    }
  }
  return out;
}

// Exact search over the catalogue's stored vectors: each image's best caption, the best
// images first, among those with n meeting `keep`.
std::vector<std::pair<std::string, float>> exact(const picdex::Catalogue& catalogue,
                                                 const std::vector<float>& query, std::size_t k,
                                                 const std::function<bool(int)>& keep) {
  std::vector<std::pair<std::string, float>> all;
  catalogue.for_each_image(
      [&](const picdex::Image& image) {
        const int n = image.metadata[5] - '0';  // {"n":D}
        if (!keep(n)) return;
        float best = -2;
        for (const auto& v : image.vectors) {
          float dot = 0;
          for (std::size_t i = 0; i < v.size(); ++i) dot += v[i] * query[i];
          best = std::max(best, dot);
        }
        all.emplace_back(image.uri, best);
      },
      /*with_vectors=*/true);
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.second > b.second; });
  all.resize(std::min(k, all.size()));
  return all;
}

// The engine's hits equal the exact ones: scores within 1e-5 rank by rank, and URIs equal
// wherever the score is not tied (within 1e-5) with a neighbour.
void check_equal(const std::vector<picdex::Hit>& hits,
                 const std::vector<std::pair<std::string, float>>& expected) {
  REQUIRE(hits.size() == expected.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    CHECK(std::abs(hits[i].score - expected[i].second) < 1e-5);
    const bool tied =
        (i > 0 && std::abs(expected[i - 1].second - expected[i].second) < 1e-5) ||
        (i + 1 < hits.size() && std::abs(expected[i + 1].second - expected[i].second) < 1e-5);
    if (!tied) CHECK(hits[i].uri == expected[i].first);
  }
}

// Why the ClickHouse tests cannot run here (no server, no data), or nothing.
std::optional<std::string> why_clickhouse_cannot_run() {
  if (std::system("command -v clickhouse-server > /dev/null") != 0)
    return "clickhouse-server is not installed (scripts/install-deps.sh --test)";
  if (!flickr8k(1)) return "../shared/data/flickr8k is absent";
  return std::nullopt;
}

// A catalogue of `data`'s images in `dir`; returns its path.
std::string make_catalogue(const TempDir& dir, const Flickr& data) {
  const auto path = (dir / "f8k.pdx").string();
  picdex::Catalogue::create(path).put(data.images);
  return path;
}

}  // namespace

TEST_CASE("a catalogue pushed to two ClickHouse shards searches there as exactly as here",
          "[engines]") {
  if (const auto why = why_clickhouse_cannot_run()) return picdex::test::skip(*why);
  const auto data = flickr8k(1000);
  TempDir dir;
  Shards shards(dir / "shards", 18120);
  REQUIRE(shards.started());
  const auto cat = make_catalogue(dir, *data);
  const auto first = run_picdex({"push", cat, shards.url()});
  REQUIRE(first.status == 0);
  CHECK_THAT(first.err, Catch::Contains(": 1000 sent, 0 removed, 0 unchanged"));
  // Both shards hold a share, and together every image once.
  const auto on1 = std::stoi(shards.query(1, "SELECT count() FROM default.images_shard FINAL"));
  const auto on2 = std::stoi(shards.query(2, "SELECT count() FROM default.images_shard FINAL"));
  CHECK(on1 > 300);
  CHECK(on2 > 300);
  CHECK(on1 + on2 == 1000);

  auto catalogue = picdex::Catalogue::open(cat);
  auto remote = picdex::RemoteCatalogue::connect(shards.url());
  CHECK(remote.embedder_spec() == catalogue.embedder_spec());
  for (const auto& query : data->queries) {
    std::vector<float> vector(catalogue.dim());
    catalogue.embedder().embed_query(query, vector);
    check_equal(remote.search(query, {.k = 10}),
                exact(catalogue, vector, 10, [](int) { return true; }));
    picdex::SearchOptions filtered{.k = 10};
    filtered.where = {picdex::Condition::parse("n=1")};
    check_equal(remote.search(query, filtered),
                exact(catalogue, vector, 10, [](int n) { return n == 1; }));
    filtered.where = {picdex::Condition::parse("n>=2")};
    check_equal(remote.search(query, filtered),
                exact(catalogue, vector, 10, [](int n) { return n >= 2; }));
  }

  SECTION("a push after changes sends only them, and removals") {
    catalogue.put(
        picdex::Image{data->images[3].uri, {"A brand new caption about a red kite"}, "{\"n\":0}"});
    REQUIRE(catalogue.remove(data->images[4].uri));
    const auto second = run_picdex({"push", cat, shards.url()});
    REQUIRE(second.status == 0);
    CHECK_THAT(second.err, Catch::Contains(": 1 sent, 1 removed, 998 unchanged"));
    const auto hits = remote.search("a red kite", {.k = 1});
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].uri == data->images[3].uri);
    CHECK(hits[0].caption == "A brand new caption about a red kite");
    for (const auto& hit : remote.search(data->images[4].captions[0], {.k = 20}))
      CHECK(hit.uri != data->images[4].uri);
  }
  SECTION("another embedder's catalogue is refused, in one line") {
    const auto lexical = (dir / "lexical.pdx").string();
    REQUIRE(run_picdex({"init", lexical, "--embedder", "lexical"}).status == 0);
    const auto refused = run_picdex({"push", lexical, shards.url()});
    CHECK(refused.status != 0);
    CHECK_THAT(refused.err,
               Catch::StartsWith("picdex: " + shards.url() + ": holds vectors of embedder '" +
                                 catalogue.embedder_spec() + "', not 'lexical-"));
    CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
  }
}

TEST_CASE("a learned-v3 catalogue shows the same scores on ClickHouse as here", "[engines]") {
  if (const auto why = why_clickhouse_cannot_run()) return picdex::test::skip(*why);
  const auto data = flickr8k(300);
  TempDir dir;
  Shards shards(dir / "shards", 18160);
  REQUIRE(shards.started());
  const auto cat = (dir / "v3.pdx").string();
  auto catalogue = picdex::Catalogue::create(cat, {.embedder = "learned-v3"});
  catalogue.put(data->images);
  REQUIRE(run_picdex({"push", cat, shards.url()}).status == 0);
  auto remote = picdex::RemoteCatalogue::connect(shards.url());
  // Both show cosine - 0.25 x (caption density - query density), and a cut by min_score
  // there (on the inner product it stands for) keeps what it keeps here.
  std::size_t compared = 0;
  for (const auto& query : data->queries) {
    const auto here = catalogue.search(query, {.k = 10});
    REQUIRE(here.size() == 10);
    std::vector<std::pair<std::string, float>> expected;
    for (const auto& hit : here) expected.emplace_back(hit.uri, hit.score);
    check_equal(remote.search(query, {.k = 10}), expected);
    const float cut = here[4].score - 1e-4f;
    const auto above = remote.search(query, {.k = 10, .min_score = cut});
    CHECK(above.size() >= 5);
    for (const auto& hit : above) CHECK(hit.score >= cut);
    compared += expected.size();
  }
  CHECK(compared == 500);
  // Its own caption, searched for there, scores 1.
  const auto own = remote.search(data->images[7].captions[0], {.k = 1});
  REQUIRE(own.size() == 1);
  CHECK(own[0].score == Approx(1.0f).margin(1e-4));
}

TEST_CASE("a shard killed mid-push fails the push in one line, and the next push completes it",
          "[engines]") {
  if (const auto why = why_clickhouse_cannot_run()) return picdex::test::skip(*why);
  const auto data = flickr8k(1000);
  TempDir dir;
  Shards shards(dir / "shards", 18140);
  REQUIRE(shards.started());
  const auto cat = make_catalogue(dir, *data);
  // Batches of 5 images: 200 requests, long enough to kill shard 2 in the middle.
  picdex::test::Child push(PICDEX_BINARY, {"push", cat, shards.url(), "--batch", "5"}, {},
                           (dir / "push.err").string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto held = shards.query(1, "SELECT count() FROM default.images_shard");
    if (!held.empty() && std::stoi(held) >= 50) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(shards.shard("stop", "2"));
  const int status = push.wait();
  std::ifstream err_file(dir / "push.err");
  const std::string err{std::istreambuf_iterator<char>(err_file), {}};
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);
  CHECK_THAT(err, Catch::StartsWith("picdex: clickhouse://"));
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);

  REQUIRE(shards.shard("restart", "2"));
  const auto again = run_picdex({"push", cat, shards.url()});
  REQUIRE(again.status == 0);
  CHECK_THAT(again.err, Catch::Contains(" 0 removed, "));
  // Every image once, nothing lost or doubled, and each as the catalogue has it.
  CHECK(shards.query(
            1, "SELECT count(), uniqExact(uri) FROM default.images FINAL WHERE deleted = 0") ==
        "1000\t1000\n");
  const auto third = run_picdex({"push", cat, shards.url()});
  CHECK_THAT(third.err, Catch::Contains(": 0 sent, 0 removed, 1000 unchanged"));
}

TEST_CASE("a catalogue pushed to Chroma finds what an exact search finds", "[engines]") {
  const auto data = flickr8k(1000);
  if (!data) return picdex::test::skip("../shared/data/flickr8k is absent");
  TempDir dir;
  const auto script = fs::path(PICDEX_SOURCE_DIR) / "scripts" / "chroma-server.sh";
  const auto start = "bash " + script.string() + " start " + (dir / "chroma").string() +
                     " 18180 > " + (dir / "url").string();
  const int started = std::system(start.c_str());
  struct Stop {
    std::string command;
    ~Stop() { (void)std::system(command.c_str()); }
  } stop{"bash " + script.string() + " stop " + (dir / "chroma").string()};
  if (WIFEXITED(started) && WEXITSTATUS(started) == 69)
    return picdex::test::skip("Chroma cannot be fetched here (node, npm or the registry missing)");
  REQUIRE(started == 0);
  std::ifstream url_file(dir / "url");
  std::string url;
  std::getline(url_file, url);
  url += "/flickr8k";

  const auto cat = (dir / "f8k.pdx").string();
  auto catalogue = picdex::Catalogue::create(cat);
  catalogue.put(data->images);
  const auto first = run_picdex({"push", cat, url});
  REQUIRE(first.status == 0);
  CHECK_THAT(first.err, Catch::Contains(": 1000 sent, 0 removed, 0 unchanged"));

  auto remote = picdex::RemoteCatalogue::connect(url);
  CHECK(remote.embedder_spec() == catalogue.embedder_spec());
  double found = 0, filtered_found = 0, wanted = 0;
  for (const auto& query : data->queries) {
    std::vector<float> vector(catalogue.dim());
    catalogue.embedder().embed_query(query, vector);
    const auto truth = exact(catalogue, vector, 10, [](int) { return true; });
    const auto hits = remote.search(query, {.k = 10});
    REQUIRE(hits.size() == 10);
    for (const auto& hit : hits)
      found += std::any_of(truth.begin(), truth.end(), [&](auto& t) { return t.first == hit.uri; });
    picdex::SearchOptions filtered{.k = 10};
    filtered.where = {picdex::Condition::parse("n=1")};
    const auto filtered_truth = exact(catalogue, vector, 10, [](int n) { return n == 1; });
    for (const auto& hit : remote.search(query, filtered)) {
      CHECK(hit.metadata == R"({"n":1})");
      filtered_found += std::any_of(filtered_truth.begin(), filtered_truth.end(),
                                    [&](auto& t) { return t.first == hit.uri; });
    }
    wanted += 10;
  }
  std::printf("Chroma recall@10 against an exact search: %.4f, with n=1: %.4f\n", found / wanted,
              filtered_found / wanted);
  CHECK(found / wanted >= 0.99);
  CHECK(filtered_found / wanted >= 0.99);

  catalogue.put(
      picdex::Image{data->images[3].uri, {"A brand new caption about a red kite"}, "{\"n\":0}"});
  REQUIRE(catalogue.remove(data->images[4].uri));
  const auto second = run_picdex({"push", cat, url});
  REQUIRE(second.status == 0);
  CHECK_THAT(second.err, Catch::Contains(": 1 sent, 1 removed, 998 unchanged"));
  const auto kite = remote.search("a red kite", {.k = 1});
  REQUIRE(kite.size() == 1);
  CHECK(kite[0].caption == "A brand new caption about a red kite");
  for (const auto& hit : remote.search(data->images[4].captions[0], {.k = 20}))
    CHECK(hit.uri != data->images[4].uri);
}
