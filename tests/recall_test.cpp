#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>

#include "support.hpp"

using namespace picdex;

// The graph must find what an exact scan over the same stored vectors finds, with the
// exact scores: an int8 graph's hits are re-scored with the stored float32 vectors.
TEST_CASE("HNSW recall@10 is at least 0.95 against brute force on 20k items", "[recall]") {
  const auto graph = GENERATE(GraphPrecision::float32, GraphPrecision::int8);
  INFO(graph_precision_name(graph) << " graph");
  test::TempDir dir;
  const auto path = dir / "c.pdx";
  // Made-up words: the learned embedder knows none of them, so use the lexical one (this
  // is a test of the graph over stored vectors, not of an embedder).
  auto cat = Catalogue::create(path, {.embedder = "lexical", .graph = graph});
  const auto captions = test::synthetic_captions(20000, 11);
  std::vector<Image> batch;
  for (std::size_t i = 0; i < captions.size(); ++i)
    batch.push_back({"img" + std::to_string(i), {captions[i]}, "{}"});
  cat.put(batch);
  REQUIRE(cat.size() == 20000);

  // Brute force over the vectors as stored in SQLite.
  const auto dim = cat.embedder().dim();
  std::vector<float> stored;
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
    SQLite::Statement s(db, "SELECT vec FROM captions");
    while (s.executeStep()) {
      const auto blob = s.getColumn(0);
      REQUIRE(static_cast<std::size_t>(blob.getBytes()) == dim * sizeof(float));
      const auto at = stored.size();
      stored.resize(at + dim);
      std::memcpy(stored.data() + at, blob.getBlob(), dim * sizeof(float));
    }
  }
  const auto queries = test::synthetic_captions(300, 12);
  std::size_t found = 0, wanted = 0;
  std::vector<float> q(dim), scores(stored.size() / dim);
  for (const auto& text : queries) {
    cat.embedder().embed_query(text, q);
    for (std::size_t i = 0; i < scores.size(); ++i) {
      float s = 0;
      for (std::size_t d = 0; d < dim; ++d) s += q[d] * stored[i * dim + d];
      scores[i] = s;
    }
    std::nth_element(scores.begin(), scores.begin() + 9, scores.end(), std::greater<>());
    const float tenth = scores[9];  // ties at the 10th score count as correct
    const auto hits = cat.search(text, {.k = 10});
    REQUIRE(hits.size() == 10);
    wanted += 10;
    for (const auto& h : hits) {
      found += h.score >= tenth - 1e-5f;
      // Image "img<i>" was put i-th: its vector is the i-th stored.
      const auto i = std::stoul(h.uri.substr(3));
      float exact = 0;
      for (std::size_t d = 0; d < dim; ++d) exact += q[d] * stored[i * dim + d];
      REQUIRE(h.score == Approx(exact).margin(1e-5));
    }
    for (std::size_t i = 1; i < hits.size(); ++i) REQUIRE(hits[i - 1].score >= hits[i].score);
  }
  const double recall = static_cast<double>(found) / static_cast<double>(wanted);
  INFO("recall@10 = " << recall);
  CHECK(recall >= 0.95);
}
