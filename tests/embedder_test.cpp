#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "embed/text.hpp"
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

TEST_CASE("the lexical embedder's spec names its version and dimension", "[embedder]") {
  CHECK(make_embedder("lexical")->spec() == "lexical-v1:dim=512");
  CHECK(make_embedder("lexical:dim=1024")->spec() == "lexical-v1:dim=1024");
  CHECK(make_embedder("lexical-v1:dim=256")->dim() == 256);
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

TEST_CASE("text with no words cannot be embedded", "[embedder]") {
  auto e = make_embedder("lexical");
  std::vector<float> v(e->dim());
  CHECK_THROWS_AS(e->embed("  !!! ... ", v), InputError);
  CHECK_THROWS_WITH(e->embed("\xff\xfe broken", v), Catch::Contains("not valid UTF-8"));
  CHECK_NOTHROW(e->embed("the", v));  // only stop words: they are what there is
}

TEST_CASE("lexical-v1 vectors are the same on every machine (golden values)", "[embedder]") {
  // Changing any of these values changes every stored vector: that is lexical-v2.
  auto e = make_embedder("lexical:dim=64");
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

TEST_CASE("words and normalisation", "[embedder]") {
  CHECK(embed::words(embed::normalise("Hello, WORLD! Ça va? x2")) ==
        std::vector<std::string>{"hello", "world", "ca", "va", "x2"});
  embed::Stemmer stemmer;
  CHECK(stemmer.stem("running") == "run");
  CHECK(embed::is_stop_word("the"));
  CHECK_FALSE(embed::is_stop_word("dog"));
}
