// The shipped model knows words its training captions never used: each pair below joins
// a word that occurs in no training caption (Flickr8k train, flickr30k_train train) to a
// word of like meaning that does. Each pair must be nearer than the unseen word is to any
// of a few unrelated words. 0.1.0's model (default-v1), without word vectors, places 31 of
// the 58; default-v2 all but the two in kStillFailing (issue 16 stays open for them).
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "embed/text.hpp"
#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

namespace {

// Chosen before the model was trained: unseen word, seen word of like meaning.
const std::vector<std::pair<std::string, std::string>> kPairs = {
    {"pooch", "dog"},
    {"mutt", "dog"},
    {"physician", "doctor"},
    {"attorney", "judge"},
    {"lorry", "truck"},
    {"motorcar", "car"},
    {"freighter", "ship"},
    {"steamship", "ship"},
    {"warship", "ship"},
    {"spacecraft", "rocket"},
    {"blimp", "balloon"},
    {"railcar", "train"},
    {"hurricane", "storm"},
    {"typhoon", "storm"},
    {"blizzard", "snow"},
    {"drizzle", "rain"},
    {"thunderstorm", "rain"},
    {"quake", "earthquake"},
    {"tsunami", "wave"},
    {"iceberg", "ice"},
    {"savanna", "grassland"},
    {"estuary", "river"},
    {"atoll", "island"},
    {"islet", "island"},
    {"archipelago", "island"},
    {"basilica", "church"},
    {"synagogue", "temple"},
    {"monastery", "monk"},
    {"chalet", "cabin"},
    {"mare", "horse"},
    {"filly", "horse"},
    {"heifer", "cow"},
    {"dromedary", "camel"},
    {"rhinoceros", "elephant"},
    {"hippopotamus", "elephant"},
    {"cheetah", "leopard"},
    {"panther", "leopard"},
    {"lynx", "bobcat"},
    {"jackal", "coyote"},
    {"hyena", "wolf"},
    {"koala", "kangaroo"},
    {"serpent", "snake"},
    {"cobra", "snake"},
    {"viper", "snake"},
    {"eel", "fish"},
    {"walrus", "seal"},
    {"otter", "beaver"},
    {"emu", "ostrich"},
    {"raven", "crow"},
    {"sauntering", "strolling"},
    {"ambling", "strolling"},
    {"gobbling", "eating"},
    {"devouring", "eating"},
    {"sobbing", "crying"},
    {"plummeting", "falling"},
    {"lad", "boy"},
    {"lass", "girl"},
    {"maiden", "girl"},
};
const std::vector<std::string> kUnrelated = {
    "banana", "guitar", "computer", "kitchen", "umbrella", "basketball", "painting",
    "bread",  "shirt",  "scissors", "piano",   "pizza",    "book",       "chair"};

// Pairs the shipped model does not yet place: listed, so that every other pair is held
// to the rule and a fix shows here. (For gobbling, the "unrelated" kitchen is not.)
const std::vector<std::string> kStillFailing = {"chalet/cabin", "gobbling/eating"};

struct Outcome {
  std::size_t passed = 0;
  std::vector<std::string> failed;   // "unseen/seen"
  std::vector<std::string> details;  // "unseen/seen 0.12 <= 0.20 (unrelated)"
};

Outcome judge(const Embedder& e) {
  auto vector = [&](const std::string& text) {
    std::vector<float> v(e.dim());
    e.embed(text, v);
    return v;
  };
  auto cosine = [](const std::vector<float>& a, const std::vector<float>& b) {
    float s = 0;
    for (std::size_t d = 0; d < a.size(); ++d) s += a[d] * b[d];
    return s;
  };
  Outcome out;
  for (const auto& [unseen, seen] : kPairs) {
    const auto u = vector(unseen);
    const float pair = cosine(u, vector(seen));
    float nearest = -2;
    std::string which;
    for (const auto& other : kUnrelated)
      if (const float c = cosine(u, vector(other)); c > nearest) nearest = c, which = other;
    if (pair > nearest) {
      ++out.passed;
    } else {
      out.failed.push_back(unseen + "/" + seen);
      out.details.push_back(unseen + "/" + seen + " " + std::to_string(pair) +
                            " <= " + std::to_string(nearest) + " (" + which + ")");
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the default model places words no training caption used", "[learned][words]") {
  const auto shipped = judge(*make_embedder("learned"));
  INFO("failed: " << Catch::Detail::stringify(shipped.details));
  CHECK(shipped.failed == kStillFailing);
  CHECK(shipped.passed == kPairs.size() - kStillFailing.size());
  CHECK(kPairs.size() >= 40);
  // The test can fail: 0.1.0's model, without word vectors, does.
  const auto old = judge(*make_embedder("learned-v1"));
  INFO("0.1.0's model passes " << old.passed << " of " << kPairs.size());
  CHECK(old.passed < kPairs.size() * 3 / 4);
}

TEST_CASE("the unseen words of that test are in no training caption", "[learned][words]") {
  const fs::path data = PICDEX_SHARED_DATA;
  if (!fs::exists(data / "flickr8k/captions.tsv") ||
      !fs::exists(data / "flickr30k_train/captions.tsv")) {
    return test::skip("no " + data.string() + " (the shared data sets)");
  }
  std::set<std::string> unseen;
  for (const auto& pair : kPairs) unseen.insert(pair.first);
  std::set<std::string> found;
  std::size_t lines = 0;
  for (const auto* file : {"flickr8k/captions.tsv", "flickr30k_train/captions.tsv"}) {
    std::ifstream in(data / file);
    for (std::string line; std::getline(in, line); ++lines)
      for (const auto& word : embed::words(embed::normalise(line)))
        if (unseen.count(word)) found.insert(word);
  }
  CHECK(lines > 170000);
  // All captions, every split: then certainly none of the training ones.
  CHECK(found.empty());
}
