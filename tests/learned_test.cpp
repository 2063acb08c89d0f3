#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <random>

#include "embed/built_in_models.hpp"
#include "embed/model.hpp"
#include "embed/sorted_hashes.hpp"
#include "picdex/error.hpp"
#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

namespace {

// A made-up language with synonyms: each concept has two unrelated words. An image is
// three concepts; each of its captions picks a word per concept and filler words. Only
// training can tell that "zobu" and "kirapa" mean the same.
struct Language {
  std::vector<std::array<std::string, 2>> concepts;
  std::vector<std::string> fillers;
  explicit Language(unsigned seed) {
    const auto words = test::synthetic_captions(600, seed);  // one word each is enough
    std::size_t w = 0;
    auto word = [&] {
      const auto& caption = words[w++];
      return caption.substr(0, caption.find(' '));
    };
    for (int c = 0; c < 150; ++c) concepts.push_back({word(), word()});
    for (int f = 0; f < 30; ++f) fillers.push_back(word());
  }
  std::string caption(const std::array<std::size_t, 3>& image, int synonym,
                      std::mt19937& rng) const {
    std::string out;
    for (auto c : image)
      out += concepts[c][static_cast<std::size_t>(synonym < 0 ? rng() % 2 : synonym)] + " " +
             fillers[rng() % fillers.size()] + " ";
    return out;
  }
};

std::array<std::size_t, 3> random_image(std::mt19937& rng, std::size_t concepts) {
  return {rng() % concepts, rng() % concepts, rng() % concepts};
}

// `images` random images, each described by `captions` random captions.
std::vector<std::vector<std::string>> training_groups(const Language& language, std::size_t images,
                                                      std::size_t captions, std::mt19937& rng) {
  std::vector<std::vector<std::string>> groups(images);
  for (auto& group : groups) {
    const auto image = random_image(rng, language.concepts.size());
    for (std::size_t c = 0; c < captions; ++c) group.push_back(language.caption(image, -1, rng));
  }
  return groups;
}

using test::cosine;

TrainOptions small(std::size_t epochs) {
  return test::small_training(epochs);
}

}  // namespace

TEST_CASE("a small training run learns synonyms it was never told", "[learned]") {
  test::TempDir dir;
  const Language language(5);
  std::mt19937 rng(7);
  const auto groups = training_groups(language, 800, 3, rng);
  // Held out: first and second synonyms only, so a pair shares no word but fillers.
  std::vector<std::pair<std::string, std::string>> held_out;
  for (int i = 0; i < 40; ++i) {
    const auto image = random_image(rng, language.concepts.size());
    held_out.emplace_back(language.caption(image, 0, rng), language.caption(image, 1, rng));
  }
  // The rank of each held-out partner among all held-out second captions, on average.
  auto mean_rank = [&](const Embedder& e) {
    double total = 0;
    for (const auto& [a, b] : held_out) {
      const float right = cosine(e, a, b);
      std::size_t rank = 1;
      for (const auto& other : held_out) rank += cosine(e, a, other.second) > right;
      total += static_cast<double>(rank);
    }
    return total / static_cast<double>(held_out.size());
  };

  const auto barely = train_model(groups, small(1), dir / "one.pdxm");
  const auto trained = train_model(groups, small(15), dir / "fifteen.pdxm");
  CHECK(trained.epoch_loss.back() < 0.5 * trained.epoch_loss.front());
  const auto before = mean_rank(*make_embedder("learned:model=" + (dir / "one.pdxm").string()));
  const auto after = mean_rank(*make_embedder("learned:model=" + (dir / "fifteen.pdxm").string()));
  INFO("mean rank of the held-out partner among 40: after 1 epoch " << before << ", after 15 "
                                                                    << after);
  CHECK(after < before / 2);
  CHECK(after < 3.0);
  // The same seed and options give the same model, byte for byte.
  const auto again = train_model(groups, small(15), dir / "again.pdxm");
  CHECK(again.fingerprint == trained.fingerprint);
}

TEST_CASE("model files round trip, and bad ones are refused by name", "[learned]") {
  test::TempDir dir;
  const Language language(9);
  std::mt19937 rng(3);
  const auto groups = training_groups(language, 200, 2, rng);
  const auto model = dir / "m.pdxm";
  const auto report = train_model(groups, small(2), model);
  const auto bytes = [&] {
    std::ifstream in(model, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  CHECK(bytes.size() == report.model_bytes);

  SECTION("a catalogue names its model and refuses another") {
    const auto spec = make_embedder("learned:model=" + model.string())->spec();
    CHECK(spec == "learned-v1:model=" + model.string() + ",fingerprint=" + report.fingerprint);
    { Catalogue::create(dir / "c.pdx", {.embedder = "learned:model=" + model.string()}); }
    CHECK(Catalogue::open(dir / "c.pdx", {}).embedder().spec() == spec);
    // Retrained with another seed into the same file: the catalogue will not use it.
    auto other = small(2);
    other.seed = 99;
    train_model(groups, other, dir / "other.pdxm");
    fs::copy_file(dir / "other.pdxm", dir / "c-model.pdxm");
    const auto moved = "learned-v1:model=" + (dir / "c-model.pdxm").string() +
                       ",fingerprint=" + report.fingerprint;
    CHECK_THROWS_AS(make_embedder(moved), EmbedderMismatchError);
  }
  auto refused = [&](const std::string& content, const std::string& says) {
    const auto bad = dir / "bad.pdxm";
    test::write_file(bad, content);
    try {
      make_embedder("learned:model=" + bad.string());
      FAIL("accepted a bad model file: " << says);
    } catch (const FormatError& e) {
      CHECK_THAT(e.what(), Catch::Contains(bad.string()) && Catch::Contains(says));
    }
  };
  SECTION("truncated") {
    refused(bytes.substr(0, bytes.size() / 2), "checksum mismatch");
  }
  SECTION("cut inside the header") {
    refused(bytes.substr(0, 20), "cut short");
  }
  SECTION("one byte changed") {
    auto changed = bytes;
    changed[bytes.size() / 2] ^= 0x10;
    refused(changed, "checksum mismatch");
  }
  SECTION("not a model") {
    refused("id\tcaption\nthis is a captions file\n", "no model header");
  }
  SECTION("a newer format") {
    auto newer = bytes;
    newer[8] = 3;  // the format version follows the 8-byte magic
    refused(newer, "format 3");
  }
  SECTION("missing") {
    CHECK_THROWS_AS(make_embedder("learned:model=" + (dir / "none.pdxm").string()), NotFoundError);
  }
}

TEST_CASE("sorted hashes find every hash they hold and no other", "[learned]") {
  std::mt19937_64 rng(5);
  for (std::size_t n : {0, 1, 2, 3, 7, 100, 5000}) {
    std::vector<std::uint64_t> hashes(n);
    for (auto& h : hashes) h = rng();
    hashes.push_back(0);  // the extremes have runs of their own
    hashes.push_back(~std::uint64_t{0});
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    const embed::SortedHashes held(hashes);
    REQUIRE(held.size() == hashes.size());
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      CHECK(held[i] == hashes[i]);
      CHECK(held.find(hashes[i]) == i);
    }
    // The same hashes with the index as bytes (what the build makes for built-in models).
    const auto index = held.index_bytes();
    REQUIRE(embed::SortedHashes::index_length(index) == index.size());
    std::vector<std::uint64_t> aligned(index.size() / 8);  // as the library's data is
    std::memcpy(aligned.data(), index.data(), index.size());
    const std::span<const std::byte> index_view(reinterpret_cast<const std::byte*>(aligned.data()),
                                                index.size());
    const embed::SortedHashes prebuilt(held.bytes().data(), held.size(), index_view);
    for (int probe = 0; probe < 1000; ++probe) {
      const auto h = rng();
      CHECK(held.find(h).has_value() == std::binary_search(hashes.begin(), hashes.end(), h));
      CHECK(prebuilt.find(h) == held.find(h));
    }
    for (std::size_t i = 0; i < hashes.size(); ++i) CHECK(prebuilt.find(hashes[i]) == i);
    // An index made for other hashes, cut short or out of alignment is refused.
    std::vector<std::uint64_t> shifted(aligned.size() + 1);
    auto* shifted_bytes = reinterpret_cast<std::byte*>(shifted.data()) + 4;
    std::memcpy(shifted_bytes, index.data(), index.size());
    const std::span<const std::byte> misaligned(shifted_bytes, index.size());
    CHECK_THROWS_AS(embed::SortedHashes(held.bytes().data(), held.size(), misaligned), Error);
    CHECK_THROWS_AS(embed::SortedHashes(held.bytes().data(), held.size() - 1, index_view), Error);
    CHECK_THROWS_AS(
        embed::SortedHashes(held.bytes().data(), held.size(), index_view.first(index.size() - 8)),
        Error);
  }
  CHECK_FALSE(embed::SortedHashes().find(0).has_value());
  CHECK_THROWS_AS(embed::SortedHashes(nullptr, 0, std::span<const std::byte>{}), Error);
  CHECK_THROWS_AS(embed::SortedHashes(std::vector<std::uint64_t>{5, 3}), Error);
  CHECK_THROWS_AS(embed::SortedHashes(std::vector<std::uint64_t>{1, 7, 7}), Error);
  CHECK_THROWS_AS(embed::SortedHashes(std::vector<std::uint64_t>{~std::uint64_t{0}, 1}), Error);
}

// The library reads its built-in models without hashing them (Model::read_built_in):
// here each is checked whole, as a model file would be.
TEST_CASE("the built-in models check out whole", "[learned]") {
  const auto files = embed::built_in_model_files();
  REQUIRE(!files.empty());
  for (const auto& file : files) {
    INFO(file.name);
    const auto checked = embed::Model::read(file.bytes, std::string(file.name));
    const auto trusted =
        embed::Model::read_built_in(file.bytes, std::string(file.name), file.hash_index);
    CHECK(checked.fingerprint() == trusted.fingerprint());
    CHECK(checked.file_bytes() == file.bytes.size());
    // The index the build made is the one its hashes give now, and finds what it finds.
    const auto index = checked.hash_index();
    CHECK(std::equal(index.begin(), index.end(), file.hash_index.begin(), file.hash_index.end()));
    std::mt19937_64 rng(7);
    for (int probe = 0; probe < 1000; ++probe) {
      const auto hash = rng();
      CHECK(trusted.row_of(hash) == checked.row_of(hash));
    }
    for (std::size_t i = 0; i < checked.words().size(); i += 97) {
      const auto hash = checked.words().hashes()[i];
      CHECK(trusted.words().hashes().find(hash) == i);
      CHECK_FALSE(trusted.words().hashes().find(hash ^ 1));
    }
  }
}

TEST_CASE("the built-in model knows what captions mean", "[learned][seed]") {
  auto e = make_embedder("learned");
  CHECK_THAT(e->spec(), Catch::Matches("learned-v2:model=default,fingerprint=[0-9a-f]{8}"));
  // Paraphrases of one scene score far above captions of another.
  CHECK(cosine(*e, "A dog runs on the beach", "A puppy playing by the sea") >
        cosine(*e, "A dog runs on the beach", "Two men ride bicycles in the city") + 0.2f);
  CHECK(cosine(*e, "A cat sitting on a mat", "A pet on a rug") >
        cosine(*e, "A cat sitting on a mat", "A person driving a car") + 0.1f);
}

TEST_CASE("on the bundled sample, dog queries find both dogs", "[learned][seed]") {
  test::TempDir dir;
  const auto cat = (dir / "demo.pdx").string();
  REQUIRE(test::run_picdex({"init", cat}).status == 0);
  REQUIRE(
      test::run_picdex({"import", cat, std::string(PICDEX_SAMPLE_DIR) + "/captions.tsv"}).status ==
      0);
  for (const std::string query : {"a dog running on the beach", "a dog playing in the snow"}) {
    const auto run = test::run_picdex({"search", cat, query, "-k", "3", "--json"});
    REQUIRE(run.status == 0);
    INFO(query << ":\n" << run.out);
    CHECK_THAT(run.out,
               Catch::Contains("images/beach-dog.jpg") && Catch::Contains("images/puppy-sofa.jpg"));
  }
}
