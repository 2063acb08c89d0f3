// learned-v3's density correction (embed/density.hpp): what it computes, that searches
// rank by it, and that its reference file is checked like a model.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>

#include "embed/density.hpp"
#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

namespace {

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

std::vector<float> row(const std::vector<float>& rows, std::size_t i, std::size_t dims) {
  return {rows.begin() + static_cast<std::ptrdiff_t>(i * dims),
          rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * dims)};
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("a caption's density is the mean of its k highest cosines with the sample", "[density]") {
  constexpr std::size_t kDims = 64, kSample = 300;
  const auto sample = test::random_unit_vectors(kSample, kDims, 4);
  const embed::DensityReference reference(kDims, 10, 0.5f, "0123abcd", sample);
  const auto probes = test::random_unit_vectors(20, kDims, 5);
  for (std::size_t p = 0; p < 20; ++p) {
    const auto u = row(probes, p, kDims);
    std::vector<float> cosines;
    for (std::size_t i = 0; i < kSample; ++i) cosines.push_back(dot(u, row(sample, i, kDims)));
    std::sort(cosines.rbegin(), cosines.rend());
    const float exact = std::accumulate(cosines.begin(), cosines.begin() + 10, 0.0f) / 10;
    CHECK(reference.density(u) == Approx(exact).margin(0.01));  // (int8 codes)
  }
  // A sample vector itself: its own cosine of 1 is among its k highest.
  CHECK(reference.density(row(sample, 7, kDims)) > 0.1f);
}

TEST_CASE("stored and query forms are unit vectors whose product is cos - w x density",
          "[density]") {
  constexpr std::size_t kDims = 32;
  const auto sample = test::random_unit_vectors(100, kDims, 6);
  for (const float weight : {0.0f, 0.5f, 2.0f}) {
    const embed::DensityReference reference(kDims, 5, weight, "0123abcd", sample);
    const auto vectors = test::random_unit_vectors(2, kDims, 7);
    const auto q = row(vectors, 0, kDims), c = row(vectors, 1, kDims);
    std::vector<float> stored(kDims + 2), query(kDims + 2);
    reference.stored_form(c, stored);
    reference.query_form(q, query);
    CHECK(dot(stored, stored) == Approx(1.0f).epsilon(1e-5));
    CHECK(dot(query, query) == Approx(1.0f).epsilon(1e-5));
    CHECK(dot(query, stored) ==
          Approx((dot(q, c) - weight * reference.density(c)) / (1 + weight)).margin(1e-5));
  }
}

TEST_CASE("density reference files round trip, and bad ones are refused by name", "[density]") {
  test::TempDir dir;
  const auto sample = test::random_unit_vectors(50, 16, 8);
  const embed::DensityReference reference(16, 4, 0.5f, "89abcdef", sample);
  const auto path = dir / "m.pdxr";
  reference.save(path);
  const auto again = embed::DensityReference::load(path);
  CHECK(again.fingerprint() == reference.fingerprint());
  CHECK(again.model_fingerprint() == "89abcdef");
  CHECK(again.k() == 4);
  CHECK(again.size() == 50);
  const auto probe = row(test::random_unit_vectors(1, 16, 9), 0, 16);
  CHECK(again.density(probe) == reference.density(probe));

  const auto bytes = read_bytes(path);
  auto refused = [&](const std::string& content, const std::string& says) {
    test::write_file(dir / "bad.pdxr", content);
    try {
      embed::DensityReference::load(dir / "bad.pdxr");
      FAIL("accepted a bad density reference: " << says);
    } catch (const FormatError& e) {
      CHECK_THAT(e.what(), Catch::Contains((dir / "bad.pdxr").string()) && Catch::Contains(says));
    }
  };
  refused(bytes.substr(0, bytes.size() - 100), "checksum mismatch");
  refused(bytes.substr(0, 12), "cut short");
  auto changed = bytes;
  changed[bytes.size() / 2] ^= 0x01;
  refused(changed, "checksum mismatch");
  refused("PDXMODL1 a model, not a reference", "no density reference header");
  CHECK_THROWS_AS(embed::DensityReference::load(dir / "none.pdxr"), NotFoundError);
}

TEST_CASE("picdex train writes a density reference that learned-v3:model=FILE then uses",
          "[density][learned]") {
  test::TempDir dir;
  const auto captions = test::synthetic_captions(600, 21);
  std::vector<std::vector<std::string>> groups;
  for (std::size_t i = 0; i + 2 < captions.size(); i += 3)
    groups.push_back({captions[i], captions[i + 1], captions[i + 2]});
  const auto model = dir / "m.pdxm";
  auto options = test::small_training(2);
  options.density_sample = 100;
  options.density_weight = 0.4;
  const auto report = train_model(groups, options, model);
  REQUIRE(fs::exists(dir / "m.pdxr"));
  CHECK(embed::DensityReference::load(dir / "m.pdxr").weight() == 0.4f);
  const auto spec = make_embedder("learned-v3:model=" + model.string())->spec();
  CHECK(spec == "learned-v3:model=" + model.string() + ",fingerprint=" + report.fingerprint +
                    ",density=" + report.density_fingerprint);
  // Plain learned:model=FILE is the model alone.
  CHECK_THAT(make_embedder("learned:model=" + model.string())->spec(),
             Catch::StartsWith("learned-v1:"));
  // The same model without its reference is learned-v1 (no word vectors); a learned-v3
  // spec then says what is missing.
  const auto plain = make_embedder("learned-v1:model=" + model.string());
  CHECK(plain->dim() == 32);
  CHECK(make_embedder(spec)->dim() == 34);

  // A catalogue ranks by cosine - w x density and shows cosine - w x (density - the
  // query's density): the same order, and a caption's own text scores 1.
  const auto cat_path = dir / "c.pdx";
  auto cat = Catalogue::create(cat_path, {.embedder = spec});
  std::vector<Image> images;
  for (std::size_t i = 0; i < 40; ++i)
    images.emplace_back("img" + std::to_string(i), std::vector<std::string>{groups[i][0]});
  cat.put(images);
  const auto reference = embed::DensityReference::load(dir / "m.pdxr");
  const float w = reference.weight();
  std::vector<float> q(32), c(32);
  plain->embed(groups[3][1], q);
  const auto hits = cat.search(groups[3][1], {.k = 40});
  REQUIRE(hits.size() == 40);
  float last_rank = 2;
  for (const auto& hit : hits) {
    plain->embed(hit.caption, c);
    const float rank = dot(q, c) - w * reference.density(c);
    CHECK(rank <= last_rank + 1e-5f);
    last_rank = rank;
    CHECK(hit.score ==
          Approx(dot(q, c) - w * (reference.density(c) - reference.density(q))).margin(1e-4));
  }
  const auto own = cat.search(groups[7][0], {.k = 1});
  REQUIRE(own.size() == 1);
  CHECK(own[0].uri == "img7");
  CHECK(own[0].score == Approx(1.0f).margin(1e-4));
  // min_score filters the scores shown.
  const float cut = hits[5].score;
  const auto above = cat.search(groups[3][1], {.k = 40, .min_score = cut});
  CHECK(above.size() >= 6);
  for (const auto& hit : above) CHECK(hit.score >= cut);
  CHECK(above.size() ==
        static_cast<std::size_t>(
            std::count_if(hits.begin(), hits.end(), [&](const Hit& h) { return h.score >= cut; })));
  fs::remove(dir / "m.pdxr");
  try {
    make_embedder(spec);
    FAIL("a learned-v3 spec was accepted without its density reference");
  } catch (const EmbedderMismatchError& e) {
    CHECK_THAT(e.what(), Catch::Contains((dir / "m.pdxr").string()));
  }
  // Training again over a model removes a reference it does not match.
  options.density_sample = 0;
  train_model(groups, options, model);
  CHECK_FALSE(fs::exists(dir / "m.pdxr"));
}

TEST_CASE("the built-in model has a density reference for learned-v3", "[density][seed]") {
  const auto e = make_embedder("learned-v3");
  CHECK_THAT(e->spec(),
             Catch::Matches("learned-v3:model=default,fingerprint=168e2c2f,density=[0-9a-f]{8}"));
  CHECK(make_embedder(e->spec())->spec() == e->spec());
  // The default, learned, is the same model without it.
  const auto v2 = make_embedder("learned");
  CHECK(v2->spec() == "learned-v2:model=default,fingerprint=168e2c2f");
  CHECK(v2->dim() + 2 == e->dim());
  CHECK_THROWS_AS(make_embedder("learned-v3:model=default,fingerprint=168e2c2f,density=00000000"),
                  EmbedderMismatchError);
}
