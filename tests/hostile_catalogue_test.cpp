// A catalogue file from someone else: anything in its schema that picdex's migrations did
// not make is refused before any of picdex's statements run in it, and the snapshot it
// names is only ever a file beside it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "store/migrations.hpp"
#include "store/schema_shape.hpp"
#include "support.hpp"

using namespace picdex;
using picdex::test::TempDir;

namespace {

// Runs `sql` on the catalogue's file as any SQLite client could.
void tamper(const std::filesystem::path& path, const std::string& sql) {
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  db.exec(sql);
}

}  // namespace

TEST_CASE("a catalogue whose schema was tampered with is refused before anything runs in it",
          "[hostile][persistence]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical"});
    cat.put(Image{"a.jpg", {"a red car"}});
    cat.put(Image{"b.jpg", {"a dog on a beach"}});
  }
  std::string problem;
  SECTION("a trigger of its own") {
    // What it would do if it ran: empty the catalogue on the next write.
    tamper(path, "CREATE TRIGGER wipe AFTER INSERT ON images BEGIN DELETE FROM captions; END");
    problem = "trigger 'wipe' is not picdex's";
  }
  SECTION("one of picdex's triggers rewritten") {
    tamper(path,
           "DROP TRIGGER captions_fts_delete; CREATE TRIGGER captions_fts_delete AFTER DELETE ON "
           "captions BEGIN DELETE FROM images; END");
    problem = "trigger 'captions_fts_delete' has been altered";
  }
  SECTION("a view") {
    tamper(path, "CREATE VIEW everything AS SELECT * FROM images");
    problem = "view 'everything' is not picdex's";
  }
  SECTION("an index dropped") {
    tamper(path, "DROP INDEX captions_by_image");
    problem = "index 'captions_by_image' is missing";
  }
  const auto expected = path.string() + ": not a sound picdex catalogue: " + problem;
  CHECK_THROWS_AS(Catalogue::open(path), FormatError);
  CHECK_THROWS_WITH(Catalogue::open(path), Catch::StartsWith(expected));
  OpenOptions read_only;
  read_only.read_only = true;
  CHECK_THROWS_WITH(Catalogue::open(path, read_only), Catch::StartsWith(expected));
  // Nothing ran: the rows are as they were.
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM captions").getInt() == 2);
  CHECK(db.execAndGet("SELECT count(*) FROM images").getInt() == 2);
}

TEST_CASE("the schema digests the build computed are what the migrations build here",
          "[hostile][persistence]") {
  // Opening checks a catalogue's schema against these digests and runs the migrations in
  // memory only when they differ: were they stale, every open would pay for that.
  for (const auto& m : store::migrations()) {
    INFO("format " << m.version);
    CHECK(store::built_shape_digest(m.version) ==
          store::shape_digest(store::built_shape(m.version)));
  }
  CHECK_FALSE(store::built_shape_digest(static_cast<int>(store::migrations().size()) + 1));
  // A catalogue as picdex makes it has that shape.
  TempDir dir;
  const auto path = dir / "c.pdx";
  Catalogue::create(path, {.embedder = "lexical"}).put(Image{"a.jpg", {"a red car"}});
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  const int version = db.execAndGet("PRAGMA user_version").getInt();
  CHECK(store::shape_digest(store::shape_of(db)) == store::built_shape_digest(version));
}

TEST_CASE("a snapshot name pointing elsewhere is neither read nor removed", "[hostile][snapshot]") {
  TempDir dir;
  std::filesystem::create_directory(dir / "folder");
  const auto path = dir / "folder" / "c.pdx";
  const auto victim = dir / "victim.txt";
  test::write_file(victim, "not picdex's to touch");
  {
    auto cat = Catalogue::create(path, {.embedder = "lexical"});
    cat.put(Image{"a.jpg", {"a red car"}});
    cat.put(Image{"b.jpg", {"a dog on a beach"}});
    cat.checkpoint();
  }
  std::string name, why;
  SECTION("a path out of the folder") {
    name = "../victim.txt";
    why = "is not a snapshot name of this catalogue";
  }
  SECTION("a FIFO, which would block a reader forever") {
    name = "c.pdx.graph-fifo";
    REQUIRE(mkfifo((dir / "folder" / name).c_str(), 0600) == 0);
    why = "is not a regular file";
  }
  tamper(path, "UPDATE snapshot SET file = '" + name + "'");
  {
    OpenOptions read_only;
    read_only.read_only = true;
    const auto report = Catalogue::open(path, read_only).verify();
    REQUIRE_FALSE(report.ok());
    CHECK_THAT(report.problems[0], Catch::Contains("graph snapshot"));
  }
  std::vector<std::string> warnings;
  OpenOptions options;
  options.observer.warning = [&](std::string_view w) { warnings.emplace_back(w); };
  {
    auto cat = Catalogue::open(path, options);  // rebuilds the graph, saves a new snapshot
    CHECK(cat.search("a dog on the beach", {.k = 1})[0].uri == "b.jpg");
    cat.put(Image{"c.jpg", {"a cat on a mat"}});
    cat.checkpoint();  // replaces the snapshot the manifest named: the victim stays
  }
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains(why));
  std::ifstream in(victim);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "not picdex's to touch");
  CHECK(Catalogue::open(path).verify().ok());
}

TEST_CASE("a model path in a catalogue's embedder spec is read only if it is a regular file",
          "[hostile][learned]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  Catalogue::create(path, {.embedder = "lexical"}).put(Image{"b.jpg", {"a dog on the beach"}});
  const auto fifo = dir / "model.fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  tamper(path,
         "UPDATE meta SET value = 'learned-v1:model=" + fifo.string() + "' WHERE key = 'embedder'");
  // Opening makes no embedder (commands such as stats need none); the first embedding does.
  const auto cat = Catalogue::open(path);
  CHECK(cat.stats().embedder == "learned-v1:model=" + fifo.string());
  CHECK_THROWS_WITH(cat.search("a dog on the beach"),
                    fifo.string() + ": model file is not a regular file");
  // Re-embedding moves the catalogue off an embedder this build cannot make.
  auto writable = Catalogue::open(path);
  CHECK(writable.reembed("lexical").verify.ok());
  CHECK(writable.search("a dog on the beach", {.k = 1})[0].uri == "b.jpg");
}
