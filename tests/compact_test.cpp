#include <catch2/catch.hpp>

#include "support.hpp"

using namespace picdex;

namespace {

constexpr std::size_t kImages = 2000;
const SearchOptions kNearExact{.k = 10, .ef = 2048};  // ef above the size: exhaustive

std::vector<std::vector<std::pair<std::string, float>>> results_of(
    const Catalogue& cat, const std::vector<std::string>& queries) {
  std::vector<std::vector<std::pair<std::string, float>>> out;
  for (const auto& q : queries) {
    out.emplace_back();
    for (const auto& h : cat.search(q, kNearExact)) out.back().emplace_back(h.uri, h.score);
  }
  return out;
}

void fill(Catalogue& cat) {
  const auto captions = test::synthetic_captions(kImages * 2, 41);
  std::vector<Image> batch;
  for (std::size_t i = 0; i < kImages; ++i)
    batch.push_back({"img" + std::to_string(i), {captions[2 * i], captions[2 * i + 1]}, "{}"});
  cat.put(batch);
}

}  // namespace

TEST_CASE("compact reclaims what half a catalogue's removal left and keeps the results",
          "[compact]") {
  test::TempDir dir;
  const auto path = dir / "c.pdx";
  const auto queries = test::synthetic_captions(5, 42);
  OpenOptions manual;
  manual.compact_above = 0;  // no automatic compaction: measure the manual one
  auto cat = Catalogue::create(path, {.embedder = "lexical:dim=256"}, manual);
  fill(cat);
  cat.checkpoint();
  const auto full = cat.stats();
  for (std::size_t i = 0; i < kImages; i += 2) REQUIRE(cat.remove("img" + std::to_string(i)));
  cat.checkpoint();
  const auto before = cat.stats();
  CHECK(before.deleted == kImages);  // two captions each for half the images
  CHECK(cat.verify().deleted_fraction == Approx(0.5));
  const auto expected = results_of(cat, queries);

  const auto report = cat.compact();
  CHECK(report.dropped == kImages);
  const auto after = cat.stats();
  CHECK(after.deleted == 0);
  CHECK(after.images == kImages / 2);
  // Half the rows and half the graph gone: both files shrink to about half.
  CHECK(report.file_bytes_after < 0.6 * static_cast<double>(report.file_bytes_before));
  CHECK(after.file_bytes < 0.6 * static_cast<double>(full.file_bytes));
  CHECK(after.graph_bytes < 0.6 * static_cast<double>(before.graph_bytes));
  CHECK(results_of(cat, queries) == expected);
  CHECK(cat.verify().ok());

  auto reopened = Catalogue::open(path, manual);
  CHECK(results_of(reopened, queries) == expected);
  CHECK(reopened.stats().deleted == 0);
}

TEST_CASE("past compact_above deleted, the graph compacts itself", "[compact]") {
  test::TempDir dir;
  OpenOptions options;
  options.compact_above = 0.3;
  auto cat = Catalogue::create(dir / "c.pdx", {.embedder = "lexical:dim=256"}, options);
  fill(cat);
  std::size_t most_deleted = 0;
  for (std::size_t i = 0; i < kImages * 2 / 5; ++i) {  // remove 40%
    REQUIRE(cat.remove("img" + std::to_string(i)));
    most_deleted = std::max(most_deleted, cat.stats().deleted);
  }
  // Never more than 30% of the graph deleted (of 4,000 elements at first: 1,200).
  CHECK(most_deleted <= 1200);
  CHECK(cat.stats().deleted < 2 * kImages * 2 / 5);
  CHECK(cat.size() == kImages - kImages * 2 / 5);
  CHECK(cat.verify().ok());
}
