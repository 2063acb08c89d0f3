// The bad-input matrix: each hostile or broken input through the real binary, asserting
// the exit status, a one-line message naming the file (and line where there is one), and
// a catalogue left exactly as it was. Set PICDEX_MATRIX_OUT to a file to get the table.
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using picdex::test::Run;
using picdex::test::run_picdex;
using picdex::test::TempDir;
using picdex::test::write_file;

namespace {

// AddressSanitizer keeps freed memory in quarantine and adds shadow pages: its bound on
// what reading a 1 GB line may cost is wider, and still well under the 1 GB itself.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kLineRssBoundMb = 512;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr long kLineRssBoundMb = 512;
#else
constexpr long kLineRssBoundMb = 256;
#endif
#else
constexpr long kLineRssBoundMb = 256;
#endif

const std::string kSample = std::string(PICDEX_SAMPLE_DIR) + "/captions.tsv";

struct Case {
  std::string name;
  std::string file;     // written into the scratch folder, unless `prepare` makes it
  std::string content;  // the file's bytes
  int status;           // expected exit status
  std::string message;  // expected stderr, less "picdex: " and the path prefix `{}`
};

// The whole catalogue as text (vectors included) and its change count: equal before and
// after means nothing was written.
std::string state_of(const std::string& cat) {
  const auto exported = run_picdex({"export", cat, "--vectors"});
  const auto stats = nlohmann::json::parse(run_picdex({"stats", cat, "--json"}).out);
  return exported.out + "\nlast_seq=" + std::to_string(stats["last_seq"].get<long>());
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class Matrix {
 public:
  ~Matrix() {
    if (const char* out = std::getenv("PICDEX_MATRIX_OUT")) std::ofstream(out) << table_;
  }
  void add(const std::string& name, const Run& run) {
    auto message = run.err.substr(0, run.err.find('\n'));
    table_ += "| " + name + " | " + std::to_string(run.status) + " | `" +
              replace_all(message, "|", "\\|") + "` | " + std::to_string(run.peak_rss_kb / 1024) +
              " MB |\n";
  }

 private:
  std::string table_ = "| case | exit | message | peak RSS |\n|---|---|---|---|\n";
};

Matrix& matrix_table() {  // one table for every section's run
  static Matrix table;
  return table;
}

// Runs `args`, checks status, one line of stderr equal to "picdex: " + message (with `{}`
// standing for `path`), and that `cat` is unchanged. Returns the run.
Run check_refused(Matrix& matrix, const std::string& name, const std::string& cat,
                  const std::vector<std::string>& args, int status, const std::string& path,
                  const std::string& message, const picdex::test::RunLimits& limits = {}) {
  INFO(name);
  const auto before = state_of(cat);
  const auto run = run_picdex(args, "", limits);
  matrix.add(name, run);
  CHECK(run.status == status);
  CHECK(run.err == "picdex: " + replace_all(message, "{}", path) + "\n");
  CHECK(state_of(cat) == before);
  return run;
}

// A file of `bytes` bytes on one line, written in pieces.
void write_one_line(const std::string& path, std::size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  const std::string piece(1 << 20, 'x');
  out << "a.jpg\t";
  for (std::size_t written = 0; written < bytes; written += piece.size()) out << piece;
}

// A read-only bind mount of `source` at `target`, undone when the object goes; mounted()
// is false where this process may not mount (not root, or no CAP_SYS_ADMIN).
class ReadOnlyMount {
 public:
  ReadOnlyMount(const std::string& source, const std::string& target) : target_(target) {
    mounted_ = ::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) == 0;
    if (mounted_ &&
        ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      ::umount(target.c_str());
      mounted_ = false;
    }
  }
  ~ReadOnlyMount() {
    if (mounted_) ::umount2(target_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string target_;
  bool mounted_ = false;
};

// A catalogue of the sample, in a scratch folder, for the matrix's cases.
struct MatrixCatalogue {
  TempDir dir;
  std::string cat = (dir / "cat.pdx").string();
  MatrixCatalogue() {
    REQUIRE(run_picdex({"init", cat, "--embedder", "lexical"}).status == 0);
    REQUIRE(run_picdex({"import", cat, kSample}).status == 0);
  }
};

}  // namespace

TEST_CASE("the bad-input matrix: refused in one line, catalogue unchanged", "[cli][hostile]") {
  TempDir dir;
  const auto cat = (dir / "cat.pdx").string();
  REQUIRE(run_picdex({"init", cat, "--embedder", "lexical"}).status == 0);
  REQUIRE(run_picdex({"import", cat, kSample}).status == 0);
  auto& matrix = matrix_table();

  const std::string ten_mb(10 << 20, 'w');
  std::string wide_row(1000000, ',');
  const std::vector<Case> cases = {
      {"empty file", "empty.tsv", "", 65, "{}: no records to import"},
      {"header only", "header.csv", "uri,caption\r\n", 65, "{}: no records to import"},
      {"missing URI (TSV)", "no-uri.tsv", "\ta red car\n", 65, "{}:1: uri: is empty"},
      {"missing URI (JSONL)", "no-uri.jsonl", "{\"caption\": \"a red car\"}\n", 65,
       "{}:1: uri: is missing or empty"},
      {"missing caption", "no-caption.tsv", "a.jpg\ta red car\nb.jpg\n", 65,
       "{}:2: caption: is missing (expected uri<TAB>caption)"},
      {"empty caption", "empty-caption.csv", "uri,caption\na.jpg,\" \"\n", 65,
       "{}:2: caption: is empty"},
      {"over-long caption (10 MB)", "long.tsv", "a.jpg\t" + ten_mb + "\n", 65,
       "{}:1: caption 1: is 10485760 bytes, over the limit of 65536 bytes (image \"a.jpg\")"},
      {"invalid UTF-8", "latin1.tsv", "a.jpg\ta caf\xe9 table\n", 65,
       "{}:1: line: is not valid UTF-8"},
      {"NUL byte", "nul.tsv", std::string("a.jpg\ta red\0car\n", 16), 65,
       "{}:1: line: contains a NUL byte"},
      {"unbalanced CSV quotes", "quotes.csv", "uri,caption\na.jpg,\"a red car\nb.jpg,boat\n", 65,
       "{}:2: line: has an unclosed quote"},
      {"JSON line not an object", "array.jsonl", "[\"a.jpg\", \"a red car\"]\n", 65,
       "{}:1: line: must be a JSON object"},
      {"JSON syntax", "broken.jsonl", "{\"uri\": \"a.jpg\", \"caption\": \"a red car\"\n", 65,
       "{}:1: line: is not valid JSON"},
      {"wrong type", "types.jsonl", "{\"uri\": \"a.jpg\", \"caption\": 7}\n", 65,
       "{}:1: caption: must be a string"},
      {"duplicate keys", "twice.jsonl",
       "{\"uri\": \"a.jpg\", \"caption\": \"x\", \"uri\": \"b.jpg\"}\n", 65,
       "{}:1: uri: appears twice in one object"},
      {"duplicate keys in metadata", "twice-meta.tsv", "a.jpg\ta red car\t{\"k\": 1, \"k\": 2}\n",
       65, "{}:1: k: appears twice in one object"},
      {"10^6-column CSV line", "wide.csv", "uri,caption\n" + wide_row + "\n", 65,
       "{}:2: line: has more than 2 fields; the header has 2"},
      {"a bad line after good ones", "late.tsv", "a.jpg\ta red car\nb.jpg\ta boat\nc.jpg\t\n", 65,
       "{}:3: caption: is empty"},
  };
  SECTION("broken and hostile import files") {
    for (const auto& c : cases) {
      const auto path = (dir / c.file).string();
      write_file(path, c.content);
      check_refused(matrix, c.name, cat, {"import", cat, path}, c.status, path, c.message);
    }
  }
  SECTION("a URI that looks like a message's prefix is named as it is, with its line") {
    const auto path = (dir / "bug.tsv").string();
    write_file(path, "a\tok\na: b\ttoo long caption\n");
    check_refused(matrix, "over-long caption, URI with ': '", cat,
                  {"import", cat, path, "--max-caption-bytes", "8"}, 65, path,
                  "{}:2: caption 1: is 16 bytes, over the limit of 8 bytes (image \"a: b\")");
  }
  SECTION("a 1 GB single-line file: refused after reading its limit, in bounded memory") {
    const auto path = (dir / "huge.tsv").string();
    write_one_line(path, std::size_t{1} << 30);
    const auto run = check_refused(matrix, "1 GB single-line file", cat, {"import", cat, path}, 65,
                                   path, "{}:1: line: is longer than 33554432 bytes, the limit");
    CHECK(run.peak_rss_kb < kLineRssBoundMb * 1024);  // the limit, 32 MiB, read and copied
  }
  SECTION("a queries file with a line that is not UTF-8") {
    const auto path = (dir / "queries.txt").string();
    write_file(path, "a dog on a beach\na caf\xe9 table\n");
    check_refused(matrix, "queries file, invalid UTF-8", cat, {"search", cat, "--queries", path},
                  65, path, "{}:2: line: is not valid UTF-8");
  }
  SECTION("a folder instead of a file") {
    const auto folder = (dir / "folder.tsv").string();
    std::filesystem::create_directory(folder);
    check_refused(matrix, "a folder instead of a file", cat, {"import", cat, folder}, 66, folder,
                  "{}: is a directory, not a file");
  }
  SECTION("a catalogue path that is a folder") {
    const auto folder = (dir / "folder.pdx").string();
    std::filesystem::create_directory(folder);
    write_file(dir / "ok.tsv", "a.jpg\ta red car\n");
    const auto run = run_picdex({"import", folder, (dir / "ok.tsv").string()});
    matrix.add("a catalogue path that is a folder", run);
    CHECK(run.status == 65);
    CHECK(run.err == "picdex: " + folder + ": is a directory, not a catalogue file\n");
    CHECK(std::filesystem::is_empty(folder));
  }
}

// Apart, so that where they cannot run only they are reported as skipped.
TEST_CASE("the bad-input matrix: an unreadable file", "[cli][hostile]") {
  // As root the binary runs as uid 65534, for whom the file's permissions count.
  if (const auto why = picdex::test::why_nobody_cannot_run(); why && getuid() == 0)
    return picdex::test::skip(*why);
  const MatrixCatalogue m;
  const auto& dir = m.dir;
  const auto& cat = m.cat;
  auto& matrix = matrix_table();
  if (getuid() == 0) std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  const auto path = (dir / "secret.tsv").string();
  write_file(path, "a.jpg\ta red car\n");
  std::filesystem::permissions(path, std::filesystem::perms::none);
  check_refused(matrix, "an unreadable file", cat, {"import", cat, path}, 66, path,
                "{}: cannot be read (missing or no permission)", {.as_nobody = true});
}

TEST_CASE("the bad-input matrix: a catalogue on a read-only mount: writes refused, reads work",
          "[cli][hostile]") {
  const MatrixCatalogue m;
  const auto& dir = m.dir;
  const auto& cat = m.cat;
  auto& matrix = matrix_table();
  const auto mounted = dir / "readonly";
  std::filesystem::create_directory(mounted);
  ReadOnlyMount mount(dir.path().string(), mounted.string());
  if (!mount.mounted())
    return picdex::test::skip("this process cannot make a read-only bind mount");
  const auto ro_cat = (mounted / "cat.pdx").string();
  write_file(dir / "ok.tsv", "new.jpg\ta red car\n");
  check_refused(matrix, "a catalogue on a read-only mount", cat,
                {"import", ro_cat, (dir / "ok.tsv").string()}, 74, ro_cat,
                "{}: cannot write: it is on a read-only file system (reading commands work: "
                "search, get, stats, export, verify)");
  const auto search = run_picdex({"search", ro_cat, "a dog on a beach", "-k", "1"});
  CHECK(search.status == 0);
  CHECK_THAT(search.out, Catch::Contains("beach-dog.jpg"));
}

TEST_CASE("the bad-input matrix: accepted variants of good input", "[cli][hostile]") {
  TempDir dir;
  const auto cat = (dir / "cat.pdx").string();
  REQUIRE(run_picdex({"init", cat, "--embedder", "lexical"}).status == 0);
  const auto get = [&](const std::string& uri) {
    return nlohmann::json::parse(run_picdex({"get", cat, uri, "--json"}).out);
  };
  SECTION("CRLF line ends are line ends") {
    write_file(dir / "crlf.csv", "uri,caption\r\na.jpg,a red car\r\nb.jpg,\"a blue\r\nboat\"\r\n");
    REQUIRE(run_picdex({"import", cat, (dir / "crlf.csv").string()}).status == 0);
    CHECK(get("a.jpg")["captions"] == nlohmann::json::array({"a red car"}));
    CHECK(get("b.jpg")["captions"] == nlohmann::json::array({"a blue\nboat"}));
  }
  SECTION("a byte-order mark is not part of the first URI") {
    write_file(dir / "bom.tsv",
               "\xEF\xBB\xBF"
               "a.jpg\ta red car\n");
    REQUIRE(run_picdex({"import", cat, (dir / "bom.tsv").string()}).status == 0);
    CHECK(get("a.jpg")["captions"] == nlohmann::json::array({"a red car"}));
  }
}

TEST_CASE("resource limits: caption length and captions per image", "[cli][hostile]") {
  TempDir dir;
  const auto cat = (dir / "cat.pdx").string();
  REQUIRE(run_picdex({"init", cat, "--embedder", "lexical"}).status == 0);
  const auto file = (dir / "three.tsv").string();
  write_file(file, "a.jpg\tone red car\na.jpg\ttwo red cars\na.jpg\tthree red cars\n");

  SECTION("--max-caption-bytes") {
    const auto run = run_picdex({"import", cat, file, "--max-caption-bytes", "12"});
    CHECK(run.status == 65);
    CHECK(run.err ==
          "picdex: " + file +
              ":3: caption 3: is 14 bytes, over the limit of 12 bytes (image \"a.jpg\")\n");
    CHECK(run_picdex({"add", cat, "b.jpg", "a caption of 23 bytes..", "--max-caption-bytes", "22"})
              .err == "picdex: b.jpg: caption 1: is 23 bytes, over the limit of 22 bytes\n");
  }
  SECTION("--max-captions, within one batch and across batches") {
    auto run = run_picdex({"import", cat, file, "--max-captions", "2"});
    CHECK(run.status == 65);
    CHECK(run.err == "picdex: " + file +
                         ":3: captions: a.jpg has more than 2 caption lines, over the limit per "
                         "image\n");
    // One image per batch: a.jpg's third caption comes in a later batch than its first two.
    const auto interleaved = (dir / "interleaved.tsv").string();
    write_file(interleaved, "a.jpg\tone\nb.jpg\tx\na.jpg\ttwo\nb.jpg\ty\na.jpg\tthree\n");
    run = run_picdex({"import", cat, interleaved, "--max-captions", "2", "--batch", "1"});
    CHECK(run.status == 65);
    CHECK_THAT(run.err, Catch::EndsWith("picdex: " + interleaved +
                                        ":5: captions: more than 2 different ones, over the "
                                        "limit per image (image \"a.jpg\")\n"));
    CHECK(run_picdex({"import", cat, file, "--max-captions", "3"}).status == 0);
  }
}
