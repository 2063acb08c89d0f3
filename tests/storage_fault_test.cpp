// Faults below the catalogue: files that are not catalogues, a cut-short database,
// read-only files and folders, a full disk. Through the real binary: one clear line, the
// CLI's exit code, no crash, and what was committed before still opens.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using picdex::test::Run;
using picdex::test::run_picdex;
using picdex::test::RunLimits;
namespace fs = std::filesystem;

namespace {

const std::string kSample = std::string(PICDEX_SAMPLE_DIR) + "/captions.tsv";

// The lines of stderr that are errors ("picdex: ..." but not warnings).
std::vector<std::string> error_lines(const Run& run) {
  std::vector<std::string> out;
  std::istringstream in(run.err);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("picdex: ", 0) == 0 && line.rfind("picdex: warning", 0) != 0)
      out.push_back(line);
  return out;
}

std::size_t images_in(const std::string& catalogue) {
  const auto run = run_picdex({"stats", catalogue, "--json"});
  REQUIRE(run.status == 0);
  return nlohmann::json::parse(run.out)["images"];
}

// Many images, so that an import writes megabytes.
std::string many_images(std::size_t n) {
  const auto captions = picdex::test::synthetic_captions(n, 31);
  std::string tsv;
  for (std::size_t i = 0; i < n; ++i) tsv += "big" + std::to_string(i) + "\t" + captions[i] + "\n";
  return tsv;
}

}  // namespace

TEST_CASE("files that are not catalogues, or are cut short, give one clear line", "[faults][cli]") {
  picdex::test::TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  REQUIRE(run_picdex({"import", cat, kSample}).status == 0);

  auto expect = [&](const std::string& file, int status, const std::string& says) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"search", file, "a dog"},
                                                                  {"stats", file},
                                                                  {"verify", file},
                                                                  {"add", file, "x", "y"}}) {
      const auto run = run_picdex(args);
      INFO(args[0] << " " << file << ": " << run.err);
      CHECK(run.status == status);
      const auto errors = error_lines(run);
      REQUIRE(errors.size() == 1);
      CHECK_THAT(errors[0], Catch::Contains(says));
    }
  };
  SECTION("garbage") {
    picdex::test::write_file(dir / "garbage.pdx", std::string(100000, 'x'));
    expect((dir / "garbage.pdx").string(), 65, "not a picdex catalogue (not an SQLite database)");
  }
  SECTION("empty, or cut inside the header") {
    picdex::test::write_file(dir / "empty.pdx", "");
    expect((dir / "empty.pdx").string(), 65, "0 bytes: empty or cut short");
    fs::copy_file(cat, dir / "head.pdx");
    fs::resize_file(dir / "head.pdx", 60);
    expect((dir / "head.pdx").string(), 65, "60 bytes: empty or cut short");
  }
  SECTION("cut in half") {
    fs::resize_file(cat, fs::file_size(cat) / 2);
    expect(cat, 65, "database is corrupt");
  }
  SECTION("an SQLite database of another program") {
    {
      SQLite::Database db((dir / "other.db").string(),
                          SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    }
    expect((dir / "other.db").string(), 65, "an SQLite file of another kind");
  }
  SECTION("a folder") {
    fs::create_directory(dir / "folder.pdx");
    expect((dir / "folder.pdx").string(), 65, "is a directory");
  }
}

TEST_CASE("a full disk or file size limit fails the write cleanly and loses nothing committed",
          "[faults][cli]") {
  picdex::test::TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  REQUIRE(run_picdex({"import", cat, kSample}).status == 0);
  const auto before = images_in(cat);
  const auto big = dir / "big.tsv";
  picdex::test::write_file(big, many_images(3000));

  SECTION("while importing") {
    // Room for a little growth only: a batch of 1,000 images needs megabytes.
    const RunLimits limits{.max_file_bytes = static_cast<long>(fs::file_size(cat)) + 200000};
    const auto run = run_picdex({"import", cat, big.string()}, "", limits);
    CHECK(run.status == 74);
    const auto errors = error_lines(run);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("cannot write: disk full or file size limit reached"));
    CHECK(images_in(cat) == before);  // the failed batch left nothing behind
    CHECK(run_picdex({"verify", cat}).status == 0);
    // With room again, the same import completes.
    CHECK(run_picdex({"import", cat, big.string()}).status == 0);
    CHECK(images_in(cat) == before + 3000);
  }
  SECTION("while saving the graph snapshot") {
    REQUIRE(run_picdex({"import", cat, big.string(), "--batch", "100000"}).status == 0);
    for (const auto& e : fs::directory_iterator(dir.path()))
      if (e.path().string().find(".graph-") != std::string::npos) fs::remove(e.path());
    // No file may grow past 1 MB: the graph (about 13 MB) cannot be written; the database
    // only changes within its log.
    const RunLimits limits{.max_file_bytes = 1000000};
    const auto run = run_picdex({"checkpoint", cat}, "", limits);
    CHECK(run.status == 74);
    const auto errors = error_lines(run);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("graph snapshot"));
    for (const auto& e : fs::directory_iterator(dir.path()))
      CHECK(e.path().string().find(".tmp-") == std::string::npos);  // no half file left
    CHECK(images_in(cat) == before + 3000);
    // With room again, the snapshot is saved and the catalogue checks out.
    CHECK(run_picdex({"checkpoint", cat}).status == 0);
    CHECK(run_picdex({"verify", cat}).status == 0);
  }
}

TEST_CASE("a read-only catalogue or folder refuses writes in one line and still searches",
          "[faults][cli]") {
  if (const auto why = picdex::test::why_nobody_cannot_run()) return picdex::test::skip(*why);
  picdex::test::TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  REQUIRE(run_picdex({"import", cat, kSample}).status == 0);
  const auto before = images_in(cat);
  const RunLimits nobody{.as_nobody = true};

  SECTION("the file is read-only to us") {
    fs::permissions(cat, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  SECTION("the folder is read-only to us, the file writable") {
    // nobody may write the file but cannot create the log beside it.
    REQUIRE(chown(cat.c_str(), 65534, 65534) == 0);
    fs::permissions(dir.path(), fs::perms::owner_write, fs::perm_options::remove);
  }
  const auto add = run_picdex({"add", cat, "new.jpg", "a new picture"}, "", nobody);
  CHECK(add.status == 74);
  const auto errors = error_lines(add);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("read-only"));
  const auto search = run_picdex({"search", cat, "a dog on the beach", "-k", "1"}, "", nobody);
  CHECK(search.status == 0);
  CHECK_THAT(search.out, Catch::Contains("beach-dog.jpg"));
  fs::permissions(dir.path(), fs::perms::owner_all, fs::perm_options::add);
  CHECK(images_in(cat) == before);
  CHECK(run_picdex({"verify", cat}).status == 0);
}
