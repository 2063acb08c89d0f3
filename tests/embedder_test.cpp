#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <vector>

#include "embed/text.hpp"
#include "picdex/import.hpp"
#include "support.hpp"

using namespace picdex;

namespace {
std::vector<float> vec(const Embedder& e, std::string_view text) {
  std::vector<float> v(e.dim());
  e.embed(text, v);
  return v;
}
float dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

TEST_CASE("the lexical embedder's spec names its version, dimension and WordNet tables",
          "[embedder]") {
  const auto spec = make_embedder("lexical")->spec();
  CHECK_THAT(spec, Catch::Matches("lexical-v2:dim=1024,wordnet=[0-9a-f]{8}"));
  CHECK(make_embedder(spec)->spec() == spec);
  CHECK(make_embedder("lexical:dim=256")->dim() == 256);
  CHECK(make_embedder("lexical-v1:dim=256")->spec() == "lexical-v1:dim=256");
  CHECK_THROWS_AS(make_embedder("lexical-v2:dim=512,wordnet=00000000"), EmbedderMismatchError);
  CHECK_THROWS_WITH(make_embedder("lexical-v1:wordnet=bb52bf2a"),
                    Catch::Contains("unknown parameter 'wordnet'"));
  CHECK_THROWS_WITH(make_embedder("word2vec"), Catch::Contains("unknown embedder 'word2vec'"));
  CHECK_THROWS_WITH(make_embedder("lexical:dim=x"), Catch::Contains("dim must be a whole number"));
  CHECK_THROWS_WITH(make_embedder("lexical:size=3"), Catch::Contains("unknown parameter 'size'"));
}

TEST_CASE("lexical vectors are unit length and ignore case, accents and stop words", "[embedder]") {
  auto e = make_embedder("lexical");
  const auto a = vec(*e, "A Café by the river");
  CHECK(dot(a, a) == Approx(1.0f).epsilon(1e-5));
  CHECK(dot(a, vec(*e, "cafe river")) == Approx(1.0f).epsilon(1e-5));
  CHECK(dot(vec(*e, "dogs running"), vec(*e, "dog runs")) > 0.6f);
  CHECK(dot(vec(*e, "dogs running"), vec(*e, "violet umbrella")) < 0.2f);
}

TEST_CASE("lexical-v2 knows what nouns mean through WordNet", "[embedder]") {
  // Pairs with no shared word or word piece: related through a near hypernym, or not.
  // Single words are compared on average, as one hash collision can move one pair.
  const std::vector<std::pair<const char*, const char*>> related = {
      {"puppy", "dog"}, {"rug", "mat"},   {"kitten", "cat"}, {"sofa", "chair"},
      {"oak", "pine"},  {"boat", "ship"}, {"mice", "rat"},   {"violin", "guitar"}};
  const std::vector<std::pair<const char*, const char*>> unrelated = {
      {"puppy", "chair"}, {"rug", "dog"},    {"kitten", "ship"}, {"sofa", "pine"},
      {"oak", "guitar"},  {"boat", "mouse"}, {"mice", "mat"},    {"violin", "cat"}};
  auto mean = [](const Embedder& e, const auto& pairs) {
    float sum = 0;
    for (const auto& [a, b] : pairs) sum += dot(vec(e, a), vec(e, b));
    return sum / static_cast<float>(pairs.size());
  };
  auto v1 = make_embedder("lexical-v1:dim=1024");
  auto v2 = make_embedder("lexical");
  CHECK(mean(*v1, related) < 0.05f);
  CHECK(mean(*v2, related) > 0.12f);
  CHECK(mean(*v2, unrelated) < 0.03f);
}

TEST_CASE("text with no words cannot be embedded", "[embedder]") {
  auto e = make_embedder("lexical");
  std::vector<float> v(e->dim());
  CHECK_THROWS_AS(e->embed("  !!! ... ", v), InputError);
  CHECK_THROWS_WITH(e->embed("\xff\xfe broken", v), Catch::Contains("not valid UTF-8"));
  CHECK_NOTHROW(e->embed("the", v));  // only stop words: they are what there is
}

TEST_CASE("lexical-v1 vectors are the same on every machine (golden values)", "[embedder]") {
  // Changing any of these values changes every stored vector of a v1 catalogue.
  auto e = make_embedder("lexical-v1:dim=64");
  const auto v = vec(*e, "Two dogs play in the snow");
  const std::vector<std::pair<int, float>> golden = {
      {0, 0.0f},         {4, -0.4019339f},  {5, -0.1205802f}, {10, 0.1205802f},  {11, 0.4019339f},
      {12, -0.4019339f}, {17, -0.1205802f}, {24, 0.2009670f}, {25, -0.1205802f}, {27, -0.1205802f},
      {28, -0.1205802f}, {31, 0.1392340f},  {33, 0.2009670f}};
  for (const auto& [index, value] : golden) {
    INFO("index " << index);
    CHECK(v[static_cast<std::size_t>(index)] == Approx(value).margin(1e-6));
  }
}

TEST_CASE("lexical-v2 vectors are the same on every machine (golden values)", "[embedder]") {
  // Changing any of these values changes every stored vector: that is lexical-v3.
  auto e = make_embedder("lexical-v2:dim=64");
  REQUIRE(e->spec() == "lexical-v2:dim=64,wordnet=bb52bf2a");  // WordNet 3.0 as Debian ships it
  const auto v = vec(*e, "Two dogs play in the snow");
  const std::vector<std::pair<int, float>> golden = {
      {0, 0.0f},         {2, 0.0995610f},  {4, -0.3379296f},  {11, 0.3957296f},
      {12, -0.3957296f}, {14, 0.1156000f}, {26, -0.1422849f}, {30, 0.1264755f},
      {48, 0.3957296f},  {54, 0.1734000f}, {57, 0.2323089f},  {63, -0.0474283f}};
  for (const auto& [index, value] : golden) {
    INFO("index " << index);
    CHECK(v[static_cast<std::size_t>(index)] == Approx(value).margin(1e-6));
  }
}

TEST_CASE("words and normalisation", "[embedder]") {
  CHECK(embed::words(embed::normalise("Hello, WORLD! Ça va? x2")) ==
        std::vector<std::string>{"hello", "world", "ca", "va", "x2"});
  embed::Stemmer stemmer;
  CHECK(stemmer.stem("running") == "run");
  CHECK(embed::is_stop_word("the"));
  CHECK_FALSE(embed::is_stop_word("dog"));
}

TEST_CASE("text-only embedders refuse pictures, and say how to get them", "[embedder][clip]") {
  test::TempDir dir;
  test::write_file(dir / "photo.png", "\x89PNG\r\n\x1a\n");
  auto cat = Catalogue::create(dir / "cat.pdx", {.embedder = "lexical"});
  Image image("photo.png", {"a photo"});
  image.picture = (dir / "photo.png").string();
  CHECK_THROWS_WITH(cat.put(image), "photo.png: image: this catalogue's embedder (" +
                                        cat.embedder().spec() +
                                        ") embeds text only; pictures need a CLIP catalogue "
                                        "(--embedder clip:MODEL)");
  CHECK(cat.size() == 0);
  CHECK_FALSE(cat.embedder().embeds_images());
#ifndef PICDEX_BUILT_WITH_CLIP
  // This build has no CLIP: the spec says so, and where to read how to build it.
  CHECK_THROWS_WITH(make_embedder("clip:model.pt"),
                    Catch::Contains("this build of picdex has no CLIP support") &&
                        Catch::Contains("-DPICDEX_WITH_CLIP=ON"));
#endif
}

TEST_CASE("JSONL records carry a picture in \"image\"; export writes it back", "[import][clip]") {
  std::istringstream in(
      "{\"uri\": \"a.jpg\", \"image\": \"photos/a.jpg\"}\n"
      "{\"uri\": \"b.jpg\", \"caption\": \"a dog\", \"image\": \"photos/b.jpg\"}\n"
      "{\"uri\": \"c.jpg\", \"image\": 7}\n");
  RecordReader reader(in, "in.jsonl", RecordFormat::jsonl);
  auto a = reader.next();
  REQUIRE(a);
  CHECK(a->image.picture == "photos/a.jpg");
  CHECK(a->image.captions.empty());
  auto b = reader.next();
  REQUIRE(b);
  CHECK(b->image.picture == "photos/b.jpg");
  CHECK(b->image.captions == std::vector<std::string>{"a dog"});
  CHECK_THROWS_WITH(reader.next(), "in.jsonl:3: image: must be a file's path (a JPEG or PNG)");
}
