// A model-based test: seeded random sequences of put, upsert, remove, search, checkpoint
// and reopen against a plain in-memory model, with snapshots after every few changes (so
// the change log is trimmed all the time) and a read-only handle kept open across them
// (so it falls behind the trimmed log again and again). After every step the catalogue
// must agree with the model: counts, every field, and search against an exact scan.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support.hpp"

using namespace picdex;

namespace {

constexpr std::size_t kDim = 8;

struct Model {
  std::map<std::string, Image> images;  // by URI

  // The best cosine of any stored caption to `query` (unit vectors), or -2 when empty.
  float best(const std::vector<float>& query) const {
    float best = -2;
    for (const auto& [uri, image] : images)
      for (const auto& v : image.vectors) {
        float dot = 0;
        for (std::size_t d = 0; d < kDim; ++d) dot += v[d] * query[d];
        best = std::max(best, dot);
      }
    return best;
  }
};

class Run {
 public:
  explicit Run(unsigned seed) : rng_(seed) {}

  std::vector<float> vector() {
    return test::random_unit_vectors(1, kDim, static_cast<unsigned>(rng_()));
  }
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  Image random_image(const std::string& uri) {
    Image image(uri, {}, "{\"n\":" + std::to_string(pick(1000)) + "}");
    for (std::size_t c = 0, n = 1 + pick(3); c < n; ++c) {
      image.captions.push_back("caption " + std::to_string(next_caption_++));
      image.vectors.push_back(vector());
    }
    return image;
  }

 private:
  std::mt19937 rng_;
  std::size_t next_caption_ = 0;
};

// `cat` holds exactly what `model` holds.
void check_agrees(const Catalogue& cat, const Model& model, Run& run, const std::string& step) {
  INFO(step);
  REQUIRE(cat.size() == model.images.size());
  if (!model.images.empty()) {
    auto it = model.images.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(run.pick(model.images.size())));
    const auto got = cat.get(it->first);
    CHECK(got.captions == it->second.captions);
    CHECK(got.metadata == it->second.metadata);
    REQUIRE(got.vectors.size() == it->second.vectors.size());
    for (std::size_t i = 0; i < got.vectors.size(); ++i)
      for (std::size_t d = 0; d < kDim; ++d)
        CHECK(got.vectors[i][d] == Approx(it->second.vectors[i][d]).margin(1e-6));
  }
  const auto query = run.vector();
  const auto hits = cat.search(std::span<const float>(query), {.k = 3, .ef = 400});
  CHECK(hits.size() == std::min<std::size_t>(3, model.images.size()));
  if (!hits.empty()) {
    CHECK(hits[0].score == Approx(model.best(query)).margin(1e-5));
    const auto found = model.images.find(hits[0].uri);
    REQUIRE(found != model.images.end());
    CHECK(std::count(found->second.captions.begin(), found->second.captions.end(),
                     hits[0].caption) == 1);
    CHECK(hits[0].metadata == found->second.metadata);
  }
}

}  // namespace

TEST_CASE("random puts, upserts, removes, checkpoints and reopens agree with a model",
          "[persistence][log][model]") {
  for (unsigned seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    test::TempDir dir;
    const auto path = dir / "m.pdx";
    OpenOptions options;
    options.checkpoint_after = 7;  // snapshots, and so trims of the log, all the time
    auto cat = std::make_optional(
        Catalogue::create(path, {.embedder = "none:dim=" + std::to_string(kDim), .m = 8}, options));
    OpenOptions read_only;
    read_only.read_only = true;
    auto reader = std::make_optional(Catalogue::open(path, read_only));
    Model model;
    Run run(seed);
    std::size_t next_uri = 0, reopened = 0, trimmed_behind = 0;
    for (int step = 0; step < 400; ++step) {
      const auto op = run.pick(100);
      std::string what;
      if (op < 35 || model.images.empty()) {  // a new image
        auto image = run.random_image("img" + std::to_string(next_uri++));
        cat->put(image);
        model.images[image.uri] = image;
        what = "put " + image.uri;
      } else if (op < 55) {  // an upsert: new captions and metadata for an image
        auto it = model.images.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(run.pick(model.images.size())));
        auto image = run.random_image(it->first);
        cat->put(image);
        it->second = image;
        what = "upsert " + image.uri;
      } else if (op < 80) {  // a removal, sometimes of a URI that is not there
        const bool present = run.pick(4) != 0;
        auto it = model.images.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(run.pick(model.images.size())));
        const auto uri = present ? it->first : "missing" + std::to_string(step);
        CHECK(cat->remove(uri) == present);
        model.images.erase(uri);
        what = "remove " + uri;
      } else if (op < 88) {
        cat->checkpoint();
        what = "checkpoint";
      } else if (op < 94) {  // close and open again
        cat.reset();
        cat.emplace(Catalogue::open(path, options));
        ++reopened;
        what = "reopen";
      } else {  // the long-lived reader: it must catch up, across trims of the log
        const auto stats = cat->stats();
        trimmed_behind += static_cast<std::int64_t>(stats.log_entries) < stats.last_seq;
        check_agrees(*reader, model, run, "reader at step " + std::to_string(step));
        what = "reader";
      }
      check_agrees(*cat, model, run, "step " + std::to_string(step) + ": " + what);
    }
    CHECK(reopened > 10);
    CHECK(trimmed_behind > 5);  // the log was trimmed while the reader was open
    CHECK(cat->verify().ok());
    check_agrees(*reader, model, run, "the reader at the end");
    cat.reset();
    reader.reset();
    check_agrees(Catalogue::open(path, read_only), model, run, "a fresh open at the end");
  }
}
