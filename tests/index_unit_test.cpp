// Unit tests of the index's parts, beside the catalogue-level tests: the hit table and the
// hnswlib adapter.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "index/float_kernel.hpp"
#include "index/graph.hpp"
#include "index/hit_table.hpp"
#include "index/hnsw_adapter.hpp"
#include "index/int8_codes.hpp"
#include "index/large_tables.hpp"
#include "index/packed_hits.hpp"
#include "support.hpp"

using picdex::index::HitTable;
using picdex::index::HnswIndex;
using picdex::index::TextArena;

TEST_CASE("hit table keep each caption's image, text, URI and metadata", "[index][unit]") {
  HitTable hits;
  hits.put(1, 10, "a red car", "car.jpg", R"({"year":2020})");
  hits.put(2, 10, "a car, red", "car.jpg", R"({"year":2020})");
  hits.put(3, 11, "a cat", "cat.jpg", "{}");
  REQUIRE(hits.entry(2));
  CHECK(hits.entry(2)->text == "a car, red");
  CHECK(hits.entry(2)->uri == "car.jpg");
  CHECK(hits.entry(2)->metadata == R"({"year":2020})");
  CHECK(hits.image_of(3) == 11);
  CHECK_FALSE(hits.entry(4));
  CHECK(hits.image_of(-1) == 0);

  // An image's new metadata (as an update replays it) reaches all its captions.
  hits.put(1, 10, "a red car", "car.jpg", R"({"year":2021})");
  CHECK(hits.entry(2)->metadata == R"({"year":2021})");
  hits.remove(1);
  CHECK_FALSE(hits.entry(1));
  CHECK(hits.image_of(1) == 0);

  // Compacted: the same hits, without what nothing points at any more.
  const auto compact = hits.compacted();
  CHECK(compact.caption_texts().size() < hits.caption_texts().size());
  for (std::int64_t id : {2, 3}) {
    REQUIRE(compact.entry(id));
    CHECK(compact.entry(id)->text == hits.entry(id)->text);
    CHECK(compact.entry(id)->uri == hits.entry(id)->uri);
    CHECK(compact.entry(id)->metadata == hits.entry(id)->metadata);
  }
  CHECK_THROWS(hits.put(5, 0, "x", "x.jpg", "{}"));  // no image 0
}

TEST_CASE("hit table from a snapshot's tables are checked", "[index][unit]") {
  HitTable hits;
  hits.put(1, 1, "a dog", "dog.jpg", "{}");
  auto captions = picdex::index::LargeVector<HitTable::Caption>(hits.caption_slots().begin(),
                                                                hits.caption_slots().end());
  auto images = picdex::index::LargeVector<HitTable::Image>(hits.image_slots().begin(),
                                                            hits.image_slots().end());
  const auto copy =
      HitTable::from_tables(captions, hits.caption_texts(), images, hits.image_texts());
  CHECK(copy.entry(1)->uri == "dog.jpg");
  captions[1].text_bytes = 1000;  // past the end of the texts
  CHECK_THROWS_WITH(
      HitTable::from_tables(captions, hits.caption_texts(), images, hits.image_texts()),
      Catch::Contains("outside"));
}

TEST_CASE("large tables keep their contents as they grow and shrink", "[index][unit]") {
  picdex::index::LargeVector<std::uint64_t> table;
  for (std::uint64_t i = 0; i < 1'000'000; ++i) table.push_back(i * 7);  // 8 MB, grown
  for (std::uint64_t i = 0; i < table.size(); i += 997) REQUIRE(table[i] == i * 7);
  CHECK(reinterpret_cast<std::uintptr_t>(table.data()) % alignof(std::uint64_t) == 0);
  picdex::index::LargeVector<std::uint64_t> small(100, 3);  // below a large block: the heap
  CHECK(small[99] == 3);
  table.resize(10);
  table.shrink_to_fit();
  CHECK(table.back() == 63);
  auto* zeroed = static_cast<unsigned char*>(picdex::index::calloc_large(3 << 20));
  REQUIRE(zeroed != nullptr);
  CHECK(std::all_of(zeroed, zeroed + (3 << 20), [](unsigned char b) { return b == 0; }));
  std::free(zeroed);  // (hnswlib frees what it is given)
}

TEST_CASE("a hit table reads a base of texts in place and appends after it", "[index][unit]") {
  auto base = std::make_shared<const std::string>("a dogdog.jpg{}");
  HitTable::Caption dog{1, 0, 5};
  HitTable::Image image{0, 7, 2};
  auto hits =
      HitTable::from_tables({{}, dog}, TextArena(std::string_view(*base).substr(0, 5), base),
                            {{}, image}, TextArena(std::string_view(*base).substr(5), base));
  CHECK(hits.entry(1)->text == "a dog");
  CHECK(hits.entry(1)->uri == "dog.jpg");
  CHECK(hits.caption_texts().size() == 5);
  hits.put(2, 1, "a puppy", "dog.jpg", "{}");  // appended after the base
  hits.put(1, 1, "a dog", "dog.jpg", R"({"k":1})");
  CHECK(hits.entry(2)->text == "a puppy");
  CHECK(hits.entry(1)->text == "a dog");
  CHECK(hits.entry(1)->metadata == R"({"k":1})");
  CHECK(hits.caption_texts().size() == 12);
  CHECK(hits.compacted().entry(2)->text == "a puppy");
  // Owning its texts, it no longer needs the base's owner.
  hits.own_texts();
  const std::weak_ptr<const std::string> gone = base;
  base.reset();
  CHECK(gone.expired());
  CHECK(hits.entry(1)->text == "a dog");
  CHECK(hits.entry(2)->text == "a puppy");
  CHECK(hits.entry(1)->uri == "dog.jpg");
}

TEST_CASE("a packed hit table holds the same hits in a few bytes a caption", "[index][unit]") {
  using picdex::index::pack;
  using picdex::index::unpack;
  HitTable hits;
  // Gaps in both ids, an image id that falls from one caption to the next, a picture's
  // entry (no text), an image id of three bytes, and metadata changed after its first caption.
  hits.put(0, 7, "a red car", "car.jpg", "{}");
  hits.put(3, 2, "two cats on a bed", "cats.jpg", R"({"year":2021})");
  hits.put(4, 7, "a car, red", "car.jpg", R"({"place":"Oslo"})");
  hits.put(5, 9, "", "pixels.png", "{}");
  hits.put(9, 100000, "far away", "far.jpg", "{}");
  hits.remove(0);
  const auto compact = hits.compacted();
  const auto packed = pack(compact);
  CHECK(packed.caption_count == compact.caption_slots().size());
  CHECK(packed.caption_slots.size() < 4 * packed.caption_count + 8);
  CHECK(packed.image_slots.size() == 2 * packed.image_count);  // short URIs and metadata
  const auto back = unpack(packed);
  for (std::int64_t id = -1; id < 12; ++id) {
    INFO("caption " << id);
    REQUIRE(back.entry(id).has_value() == hits.entry(id).has_value());
    CHECK(back.image_of(id) == hits.image_of(id));
    if (!hits.entry(id)) continue;
    CHECK(back.entry(id)->text == hits.entry(id)->text);
    CHECK(back.entry(id)->uri == hits.entry(id)->uri);
    CHECK(back.entry(id)->metadata == hits.entry(id)->metadata);
  }
  CHECK(back.entry(5)->is_picture());

  // Whatever the damage, a reason, never a table that points outside itself.
  auto damaged = packed;
  damaged.caption_texts.pop_back();
  CHECK_THROWS_WITH(unpack(damaged), Catch::Contains("outside"));
  damaged = packed;
  damaged.image_texts += "x";
  CHECK_THROWS_WITH(unpack(damaged), Catch::Contains("do not match"));
  damaged = packed;
  damaged.caption_slots.back() = '\x80';  // a number that never ends
  CHECK_THROWS_WITH(unpack(damaged), Catch::Contains("cut short"));
  damaged = packed;
  damaged.caption_count = 1u << 30;
  CHECK_THROWS_WITH(unpack(damaged), Catch::Contains("more slots"));
  damaged = packed;
  damaged.caption_slots[0] = '\x03';  // the first caption's image becomes -2
  CHECK_THROWS(unpack(damaged));

  // Random damage to any section: refused, or a table whose every entry lies inside it.
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    damaged = packed;
    std::string* sections[] = {&damaged.caption_slots, &damaged.caption_texts, &damaged.image_slots,
                               &damaged.image_texts};
    auto& section = *sections[rng() % 4];
    if (section.empty()) continue;
    const auto at = rng() % section.size();
    switch (rng() % 3) {
      case 0:
        section[at] = static_cast<char>(rng());
        break;
      case 1:
        section.erase(at, 1 + rng() % 3);
        break;
      default:
        section.insert(at, 1, static_cast<char>(rng()));
        break;
    }
    try {
      const auto table = unpack(damaged);
      for (std::int64_t id = 0; id < 12; ++id)
        if (const auto e = table.entry(id))
          CHECK(e->text.size() + e->uri.size() + e->metadata.size() <= 100);
    } catch (const std::runtime_error&) {
    }
  }
}

using picdex::test::random_unit_vectors;

TEST_CASE("the hnswlib adapter describes hnswlib's memory as it is", "[index][unit]") {
  constexpr std::size_t dim = 8, m = 4, n = 300;
  HnswIndex index(dim, picdex::GraphPrecision::float32, m, 50, 16);
  const auto vectors = random_unit_vectors(n, dim, 1);
  index.grow(n);
  for (std::size_t i = 0; i < n; ++i)
    index.add(&vectors[i * dim], static_cast<std::int64_t>(i + 7));
  index.mark_deleted(9);
  const auto l = index.layout();
  CHECK(l.count == n);
  CHECK(l.deleted == 1);
  CHECK(l.element_bytes == picdex::index::hnsw_element_bytes(4 * dim, m));
  CHECK(l.max_m0 == 2 * m);
  std::size_t deleted = 0;
  for (std::uint32_t id = 0; id < n; ++id) {
    const auto label = l.label(id);
    REQUIRE(label >= 7);
    REQUIRE(label < static_cast<std::int64_t>(n + 7));
    const auto* stored = reinterpret_cast<const float*>(l.vector(id));
    CHECK(std::equal(stored, stored + dim, &vectors[(label - 7) * dim]));
    CHECK(std::abs(l.distance_to(&vectors[(label - 7) * dim], id)) < 1e-5f);  // 1 - cos(v, v)
    deleted += l.is_deleted(id);
    CHECK(l.is_deleted(id) == (label == 9));
    CHECK(picdex::index::HnswLayout::link_count(l.links0(id)) <= l.max_m0);
    for (int level = 1; level <= l.levels[id]; ++level)
      CHECK(picdex::index::HnswLayout::link_count(l.links(id, level)) <= l.m);
  }
  CHECK(deleted == 1);
  CHECK(index.contains(8));
  CHECK_FALSE(index.contains(9));
  CHECK(index.has_label(9));
}

TEST_CASE("an index over a borrowed layer 0 is checked, then copies it to grow", "[index][unit]") {
  constexpr std::size_t dim = 8, m = 4, n = 200;
  HnswIndex built(dim, picdex::GraphPrecision::float32, m, 50, n);
  const auto vectors = random_unit_vectors(n, dim, 2);
  for (std::size_t i = 0; i < n; ++i) built.add(&vectors[i * dim], static_cast<std::int64_t>(i));
  const auto l = built.layout();
  std::vector<char> level0(l.level0, l.level0 + n * l.element_bytes);
  level0.resize((n + 10) * l.element_bytes);
  std::vector<std::int32_t> levels(l.levels, l.levels + n);
  std::vector<char> upper;
  for (std::size_t id = 0; id < n; ++id)
    upper.insert(upper.end(), l.upper[id], l.upper[id] + levels[id] * l.upper_list_bytes);
  auto parts = HnswIndex::Parts{dim,
                                picdex::GraphPrecision::float32,
                                m,
                                50,
                                n,
                                0,
                                n + 10,
                                l.mult,
                                l.max_level,
                                l.entry_point,
                                level0.data(),
                                levels,
                                upper};
  SECTION("a sound layer 0 is taken, and copied once it must grow") {
    auto index = HnswIndex::over(parts);
    CHECK(index->borrows_level0());
    CHECK_FALSE(index->index_labels());
    CHECK(index->contains(5));
    index->grow(n + 100);
    CHECK_FALSE(index->borrows_level0());
    level0.assign(level0.size(), 0);  // the borrowed block is no longer read
    const auto more = random_unit_vectors(1, dim, 3);
    index->add(more.data(), 999);
    CHECK(index->layout().count == n + 1);
    CHECK(index->contains(5));
  }
  SECTION("a link out of range is found") {
    std::uint32_t bad = n + 5;
    std::memcpy(level0.data() + 3 * l.element_bytes + 4, &bad, 4);
    auto index = HnswIndex::over(parts);
    const auto why = index->index_labels();
    REQUIRE(why);
    CHECK(*why == "element 3 links out of range");
  }
  SECTION("a label held twice is found") {
    std::memcpy(level0.data() + 4 * l.element_bytes + l.label_offset,
                level0.data() + 5 * l.element_bytes + l.label_offset, 8);
    auto index = HnswIndex::over(parts);
    const auto why = index->index_labels();
    REQUIRE(why);
    CHECK_THAT(*why, Catch::Contains("twice"));
  }
}

TEST_CASE("the float32 kernel gives the inner product at every length", "[index][unit]") {
  // Lengths around each SIMD step (8, 16, 32 and 64 floats), so that every tail is covered.
  for (const std::size_t dim :
       {1u, 7u, 8u, 15u, 16u, 17u, 31u, 33u, 63u, 64u, 65u, 100u, 256u, 515u}) {
    INFO("dim " << dim);
    const auto vectors = random_unit_vectors(2, dim, 11);
    double exact = 0;
    for (std::size_t d = 0; d < dim; ++d)
      exact += static_cast<double>(vectors[d]) * vectors[dim + d];
    CHECK(picdex::index::float_inner_product(vectors.data(), vectors.data() + dim, dim) ==
          Approx(exact).margin(1e-6));
    CHECK(picdex::index::float_inner_product(vectors.data(), vectors.data(), dim) ==
          Approx(1.0).margin(1e-6));
  }
}

TEST_CASE("int8 codes score within their margin of the exact inner product", "[index][unit]") {
  // Dimensions around the 32-byte SIMD step, so that the tail loop is covered too.
  for (const std::size_t dim : {1u, 7u, 31u, 32u, 33u, 100u, 256u, 515u}) {
    INFO("dim " << dim);
    const auto vectors = random_unit_vectors(40, dim, 7);
    std::vector<char> a(picdex::index::int8_code_bytes(dim)), b(a.size());
    for (std::size_t i = 0; i + 1 < 40; ++i) {
      const float* x = &vectors[i * dim];
      const float* y = &vectors[(i + 1) * dim];
      picdex::index::int8_encode(x, dim, a.data());
      picdex::index::int8_encode(y, dim, b.data());
      float exact = 0;
      std::int32_t codes = 0;
      for (std::size_t d = 0; d < dim; ++d) {
        exact += x[d] * y[d];
        codes += static_cast<std::int32_t>(static_cast<std::int8_t>(a[4 + d])) *
                 static_cast<std::int8_t>(b[4 + d]);
      }
      float scale_a, scale_b;
      std::memcpy(&scale_a, a.data(), 4);
      std::memcpy(&scale_b, b.data(), 4);
      const float approximate = 1.0f - picdex::index::int8_distance(a.data(), b.data(), &dim);
      // The kernel computes exactly the codes' inner product, scaled.
      CHECK(approximate == Approx(scale_a * scale_b * static_cast<float>(codes)).margin(1e-6));
      CHECK(std::abs(approximate - exact) <= picdex::index::int8_score_margin(x, dim));
      // A vector against itself: about 1.
      CHECK(1.0f - picdex::index::int8_distance(a.data(), a.data(), &dim) ==
            Approx(1.0f).margin(picdex::index::int8_score_margin(x, dim)));
    }
  }
}
