// Unit tests of replica::Replica, the owner of the graph and hit table derived from SQLite:
// on a real catalogue file, with writes made through store::Tables as the catalogue makes
// them, and a second replica standing in for another process.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cmath>
#include <string>
#include <vector>

#include "replica/replica.hpp"
#include "store/database.hpp"
#include "support.hpp"

using picdex::index::GraphShape;
using picdex::replica::Replica;
using picdex::store::Tables;

namespace {

constexpr std::size_t kDim = 8;

// Vector `i` of a fixed set of unit vectors (the same for every call).
std::vector<float> vector_number(std::size_t i, std::size_t dim = kDim) {
  static const auto all = picdex::test::random_unit_vectors(64, 64, 5);
  std::vector<float> v(all.begin() + static_cast<long>(i * 64),
                       all.begin() + static_cast<long>(i * 64 + dim));
  float norm = 0;
  for (float x : v) norm += x * x;
  for (float& x : v) x /= std::sqrt(norm);
  return v;
}

// A catalogue file with its meta, a writer's connection, and the reader pool a replica
// searches with.
struct Fixture {
  picdex::test::TempDir dir;
  std::filesystem::path path = dir / "c.pdx";
  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<Tables> writer;
  std::unique_ptr<picdex::store::ReaderPool> readers;

  Fixture() {
    picdex::Catalogue::create(path, {.embedder = "none:dim=" + std::to_string(kDim)});
    db = picdex::store::open_database(path, picdex::store::OpenMode::read_write);
    writer = std::make_unique<Tables>(*db);
    readers = std::make_unique<picdex::store::ReaderPool>(path);
  }

  picdex::replica::Settings settings(bool read_only = false) const {
    return {.catalogue = path,
            .shape = GraphShape{.dim = kDim, .m = 8, .ef_construction = 64},
            .embedder = *writer->meta(picdex::store::kMetaEmbedder),
            .read_only = read_only,
            .observer = {}};
  }

  // A replica of the catalogue, opened: the writer's, or read-only (another process's).
  std::unique_ptr<Replica> replica(bool read_only = false) {
    auto r = std::make_unique<Replica>(settings(read_only), *readers);
    r->open(*writer);
    return r;
  }

  // Puts image `uri` with one caption whose vector is vector_number(v), committed through
  // `replica`; returns the caption's id.
  std::int64_t put(Replica& replica, const std::string& uri, const std::string& text,
                   std::size_t v) {
    SQLite::Transaction tx(*db);
    const auto image = writer->insert_image(uri, "{}");
    const auto caption = writer->insert_caption(image, 0, text, vector_number(v));
    writer->index_keywords_from(caption);
    replica.commit(tx, *writer);
    return caption;
  }

  void remove(Replica& replica, const std::string& uri) {
    SQLite::Transaction tx(*db);
    writer->delete_image(*writer->find_image(uri));
    replica.commit(tx, *writer);
  }
};

// The URI of the image nearest to vector_number(v), as `replica` answers now, and the text
// of its best caption.
std::pair<std::string, std::string> nearest(Replica& replica, std::size_t v,
                                            std::size_t dim = kDim) {
  std::pair<std::string, std::string> found;
  replica.fresh({}, [&](const Replica::View& view) {
    const auto& best = view.nearest_images(vector_number(v, dim), 1, 32, nullptr);
    if (best.empty()) return;
    const auto hit = view.hit(best[0].caption.label);
    REQUIRE(hit);
    found = {std::string(hit->uri), std::string(hit->text)};
  });
  return found;
}

std::size_t images_found(Replica& replica, std::size_t v) {
  std::size_t n = 0;
  replica.fresh({}, [&](const Replica::View& view) {
    n = view.nearest_images(vector_number(v), 100, 100, nullptr).size();
  });
  return n;
}

}  // namespace

TEST_CASE("a replica replays its own commits, and another sees them on its next search",
          "[replica][unit]") {
  Fixture f;
  auto writer = f.replica();
  auto other = f.replica(/*read_only=*/true);
  CHECK(images_found(*other, 0) == 0);

  f.put(*writer, "dog.jpg", "a dog on a beach", 1);
  f.put(*writer, "cat.jpg", "a cat on a sofa", 2);
  CHECK(nearest(*writer, 1) == std::pair<std::string, std::string>{"dog.jpg", "a dog on a beach"});
  CHECK(nearest(*other, 2) == std::pair<std::string, std::string>{"cat.jpg", "a cat on a sofa"});

  f.remove(*writer, "dog.jpg");
  CHECK(images_found(*writer, 1) == 1);
  CHECK(nearest(*other, 1).first == "cat.jpg");  // the removal replayed too

  picdex::VerifyReport report;
  other->check(report);
  CHECK(report.ok());
  CHECK(report.captions_checked == 1);
}

TEST_CASE("a replica behind a trimmed log loads the newest snapshot, then replays the rest",
          "[replica][unit]") {
  Fixture f;
  auto writer = f.replica();
  auto behind = f.replica(/*read_only=*/true);  // at seq 0, and no search until the end

  f.put(*writer, "first.jpg", "the first", 1);
  writer->save(*f.writer);
  f.put(*writer, "second.jpg", "the second", 2);
  writer->save(*f.writer);  // trims the log through the first snapshot's seq
  CHECK(f.writer->log_trimmed_through() > 0);
  f.put(*writer, "third.jpg", "the third", 3);

  // Replaying what the log still holds would miss the first image.
  CHECK(nearest(*behind, 1).first == "first.jpg");
  CHECK(nearest(*behind, 2).first == "second.jpg");
  CHECK(nearest(*behind, 3).first == "third.jpg");
  CHECK(images_found(*behind, 1) == 3);
}

TEST_CASE("a replica re-embedded starts empty and is rebuilt; another one refuses to search",
          "[replica][unit]") {
  Fixture f;
  auto writer = f.replica();
  auto other = f.replica(/*read_only=*/true);
  const auto a = f.put(*writer, "a.jpg", "caption a", 1);
  const auto b = f.put(*writer, "b.jpg", "caption b", 2);
  writer->save(*f.writer);

  constexpr std::size_t kNewDim = 4;
  const std::string spec = "none:dim=" + std::to_string(kNewDim);
  {
    SQLite::Transaction tx(*f.db);
    f.writer->set_meta(picdex::store::kMetaEmbedder, spec);
    f.writer->set_meta(picdex::store::kMetaDim, std::to_string(kNewDim));
    // Swapped: a's new vector is 2's, b's is 1's.
    f.writer->set_caption_vector(a, vector_number(2, kNewDim));
    f.writer->set_caption_vector(b, vector_number(1, kNewDim));
    writer->commit_reembedded(tx, *f.writer, spec, kNewDim);
  }
  CHECK_FALSE(f.writer->manifest());
  CHECK(writer->shape().dim == kNewDim);
  writer->rebuild(*f.writer);
  CHECK(writer->saved());
  CHECK(nearest(*writer, 1, kNewDim).first == "b.jpg");
  CHECK(nearest(*writer, 2, kNewDim).first == "a.jpg");
  picdex::VerifyReport report;
  writer->check(report);
  CHECK(report.ok());

  CHECK_THROWS_AS(nearest(*other, 1), picdex::EmbedderMismatchError);
}

TEST_CASE("a replica's check finds a graph that disagrees with SQLite", "[replica][unit]") {
  Fixture f;
  auto writer = f.replica();
  f.put(*writer, "a.jpg", "caption a", 1);
  f.put(*writer, "b.jpg", "caption b", 2);

  // Changed behind the log's back: the graph and the hit table no longer agree with it.
  f.db->exec("UPDATE captions SET text = 'changed' WHERE id = (SELECT min(id) FROM captions)");
  f.db->exec(
      "INSERT INTO captions (image_id, pos, text, vec) "
      "SELECT image_id, 1, 'unlogged', vec FROM captions WHERE id = (SELECT max(id) FROM "
      "captions)");
  picdex::VerifyReport report;
  writer->check(report);
  REQUIRE(report.problems.size() == 2);
  CHECK_THAT(report.problems[0], Catch::Contains("1 captions missing, 0 labels without"));
  CHECK_THAT(report.problems[1], Catch::Contains("2 captions whose search row"));
}
