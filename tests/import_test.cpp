#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <sstream>

#include "support.hpp"

using namespace picdex;
using picdex::test::TempDir;

namespace {

ImportSummary import_text(Catalogue& cat, const std::string& text, RecordFormat format,
                          std::size_t batch = 1000) {
  std::istringstream in(text);
  RecordReader reader(in, "in.txt", format);
  ImportSummary summary;
  import_records(cat, reader, {.batch = batch, .progress = {}, .stop = {}}, summary);
  return summary;
}

}  // namespace

TEST_CASE("TSV, CSV and JSONL import the same images", "[import]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  SECTION("tsv: a URI on several lines gets several captions") {
    const auto s = import_text(cat,
                               "a.jpg\tA dog on grass\t{\"n\": 1}\r\n"
                               "a.jpg\tA puppy playing\n"
                               "\n"
                               "b.jpg\tA boat at sea\n",
                               RecordFormat::tsv);
    CHECK(s.added == 2);
    CHECK(s.records == 3);
    CHECK(cat.get("a.jpg").captions ==
          std::vector<std::string>{"A dog on grass", "A puppy playing"});
    CHECK(cat.get("a.jpg").metadata == R"({"n":1})");
  }
  SECTION("csv: quoted fields, and other columns become metadata") {
    import_text(cat,
                "\xEF\xBB\xBFuri,caption,year,place\n"
                "a.jpg,\"A dog, on grass\",2019,park\n"
                "b.jpg,\"He said \"\"hi\"\"\nto me\",,\n",
                RecordFormat::csv);
    CHECK(cat.get("a.jpg").captions[0] == "A dog, on grass");
    CHECK(cat.get("a.jpg").metadata == R"({"place":"park","year":2019})");
    CHECK(cat.get("b.jpg").captions[0] == "He said \"hi\"\nto me");
  }
  SECTION("jsonl: caption or captions, with metadata") {
    import_text(
        cat,
        R"({"uri": "a.jpg", "captions": ["A dog on grass", "A puppy"], "metadata": {"n": 1}})"
        "\n"
        R"({"uri": "b.jpg", "caption": "A boat"})"
        "\n",
        RecordFormat::jsonl);
    CHECK(cat.get("a.jpg").captions.size() == 2);
    CHECK(cat.get("b.jpg").captions[0] == "A boat");
  }
}

TEST_CASE("JSONL vectors: every way of writing a line reads the same", "[import]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx", {.embedder = "none:dim=3"});
  const auto s = import_text(
      cat,
      // Spacing, key order, integers, exponents, escapes, nested metadata.
      R"({"uri":"a","caption":"caf\u00e9\tbar","vector":[3,4,0],"metadata":{"z":{"y":[1,2.50]},"a":true}})"
      "\n"
      R"(  { "vector" : [ 0.6e0 , 8E-1 , -0 ] , "caption" : "x" , "uri" : "b" }  )"
      "\n"
      R"({"uri":"c","captions":["p","q"],"vectors":[[0,0,2],[1e-3,0,0]]})"
      "\n",
      RecordFormat::jsonl);
  CHECK(s.added == 3);
  const auto a = cat.get("a");
  CHECK(a.captions == std::vector<std::string>{"caf\xc3\xa9\tbar"});
  CHECK(a.metadata == R"({"a":true,"z":{"y":[1,2.5]}})");
  CHECK(a.vectors == std::vector<std::vector<float>>{{0.6f, 0.8f, 0.0f}});
  CHECK(cat.get("b").vectors == a.vectors);
  const auto c = cat.get("c");
  CHECK(c.captions == std::vector<std::string>{"p", "q"});
  CHECK(c.vectors == std::vector<std::vector<float>>{{0, 0, 1}, {1, 0, 0}});
}

TEST_CASE("re-importing the same file changes nothing", "[import]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  std::string tsv;
  const auto captions = test::synthetic_captions(120, 5);
  for (std::size_t i = 0; i < captions.size(); ++i)
    tsv += "img" + std::to_string(i / 3) + "\t" + captions[i] + "\n";
  CHECK(import_text(cat, tsv, RecordFormat::tsv, 7).added == 40);
  const auto seq = cat.stats().last_seq;
  const auto again = import_text(cat, tsv, RecordFormat::tsv, 7);
  CHECK(again.unchanged == 40);
  CHECK(again.added + again.updated == 0);
  CHECK(cat.stats().last_seq == seq);
}

TEST_CASE("each malformed line names its line and field, and its batch is not committed",
          "[import]") {
  struct Case {
    RecordFormat format;
    std::string bad_line;
    std::string message;
  };
  const auto c = GENERATE(
      Case{RecordFormat::tsv, "c.jpg", "in.txt:3: caption: is missing"},
      Case{RecordFormat::tsv, "\tA caption", "in.txt:3: uri: is empty"},
      Case{RecordFormat::tsv, "c.jpg\t  ", "in.txt:3: caption: is empty"},
      Case{RecordFormat::tsv, "c.jpg\tcap\t{oops", "in.txt:3: metadata: is not valid JSON"},
      Case{RecordFormat::tsv, "c.jpg\tcap\t[1]", "in.txt:3: metadata: must be a JSON object"},
      // Numbers past a double's range (found by fuzzing: they escaped as another error).
      Case{RecordFormat::tsv, "c.jpg\tcap\t{\"year\": 3e738}",
           "in.txt:3: metadata: is not valid JSON"},
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\", \"caption\": \"x\", \"n\": 1e999}",
           "in.txt:3: line: is not valid JSON"},
      Case{RecordFormat::tsv, "c.jpg\tcap\t{}\textra", "in.txt:3: line: has more than 3"},
      Case{RecordFormat::tsv, "c.jpg\tbad \xff utf8", "in.txt:3: line: is not valid UTF-8"},
      Case{RecordFormat::tsv, std::string("c.jpg\tnul\0here", 14),
           "in.txt:3: line: contains a NUL"},
      Case{RecordFormat::tsv, "c.jpg\t?!?", "in.txt:3: caption 1: text has no words"},
      Case{RecordFormat::jsonl, "[1, 2]", "in.txt:3: line: must be a JSON object"},
      Case{RecordFormat::jsonl, "{\"uri\": 5, \"caption\": \"x\"}",
           "in.txt:3: uri: must be a string"},
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\"}", "in.txt:3: caption: is missing"},
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\", \"captoin\": \"x\"}",
           "in.txt:3: captoin: unknown field"},
      Case{RecordFormat::jsonl, "{not json", "in.txt:3: line: is not valid JSON"},
      // Lines the fast reader (io/jsonl_fast.hpp) hands back to the full parser.
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\", \"caption\": \"x\"} {}",
           "in.txt:3: line: is not valid JSON"},
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\", \"caption\": \"x\", \"uri\": \"d.jpg\"}",
           "in.txt:3: uri: appears twice in one object"},
      Case{RecordFormat::jsonl,
           "{\"uri\": \"c.jpg\", \"caption\": \"x\", \"metadata\": {\"k\": [1,}}",
           "in.txt:3: line: is not valid JSON"},
      Case{RecordFormat::jsonl,
           "{\"uri\": \"c.jpg\", \"caption\": \"x\", \"metadata\": {\"k\": {\"j\": 1, \"j\": 2}}}",
           "in.txt:3: j: appears twice in one object"},
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\", \"caption\": \"x\", \"metadata\": 4}",
           "in.txt:3: metadata: must be a JSON object"},
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\", \"caption\": \"x\", \"image\": \"\"}",
           "in.txt:3: image: must be a file's path"},
      Case{RecordFormat::jsonl, "{\"uri\": \"c.jpg\", \"caption\": \"x\", \"captions\": [\"y\"]}",
           "in.txt:3: captions: give either caption or captions, not both"},
      Case{RecordFormat::jsonl, "{\"picdex_export\": 1, \"embedder\": \"lexical\"}",
           "in.txt:3: embedder: unknown field"});
  CAPTURE(c.bad_line);
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  std::string good1, good2;
  if (c.format == RecordFormat::tsv) {
    good1 = "a.jpg\tA first good caption\n";
    good2 = "b.jpg\tA second good caption\n";
  } else {
    good1 = R"({"uri": "a.jpg", "caption": "A first good caption"})"
            "\n";
    good2 = R"({"uri": "b.jpg", "caption": "A second good caption"})"
            "\n";
  }
  // Batch size 1: a.jpg commits; b.jpg and the bad line share the next batch? No: each
  // image is its own batch, so b.jpg commits and only the bad line's batch fails.
  const std::string text = good1 + good2 + c.bad_line + "\n";
  SECTION("batch of one: earlier images stay") {
    CHECK_THROWS_WITH(import_text(cat, text, c.format, 1), Catch::Contains(c.message));
    CHECK(cat.size() == 2);
  }
  SECTION("one batch: nothing is committed") {
    CHECK_THROWS_WITH(import_text(cat, text, c.format, 1000), Catch::Contains(c.message));
    CHECK(cat.size() == 0);
  }
}

// Import reads the next batch while the previous one is stored: an error found storing a
// batch still wins over one in a later line read meanwhile, and the batches before it stay.
TEST_CASE("a batch's error is reported before errors in lines read after it", "[import]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  const std::string text =
      "a.jpg\tA first good caption\nb.jpg\tA second good caption\n"  // batch 1
      "c.jpg\t?!?\nd.jpg\tA fourth good caption\n"                   // batch 2: fails storing
      "e.jpg\tA fifth good caption\nf.jpg\tcap\t{oops\n";            // batch 3: fails parsing
  std::istringstream in(text);
  RecordReader reader(in, "in.txt", RecordFormat::tsv);
  ImportSummary summary;
  CHECK_THROWS_WITH(import_records(cat, reader, {.batch = 2, .progress = {}, .stop = {}}, summary),
                    Catch::Contains("in.txt:3: caption 1: text has no words"));
  CHECK(cat.size() == 2);
  CHECK(summary.added == 2);
  CHECK(cat.get("b.jpg").captions == std::vector<std::string>{"A second good caption"});
}

TEST_CASE("CSV errors name the line", "[import]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  CHECK_THROWS_WITH(import_text(cat, "name,caption\nx,y\n", RecordFormat::csv),
                    Catch::Contains("in.txt:1: header: has no 'uri' column"));
  CHECK_THROWS_WITH(import_text(cat, "uri,caption\na.jpg,one,two\n", RecordFormat::csv),
                    Catch::Contains("in.txt:2: line: has more than 2 fields; the header has 2"));
  CHECK_THROWS_WITH(import_text(cat, "uri,caption,year\na.jpg,one\n", RecordFormat::csv),
                    Catch::Contains("in.txt:2: line: has 2 fields; the header has 3"));
  CHECK_THROWS_WITH(import_text(cat, "uri,caption\na.jpg,\"open quote\n", RecordFormat::csv),
                    Catch::Contains("in.txt:2: line: has an unclosed quote"));
  CHECK(cat.size() == 0);
}

// The error's place is data: file, line, URI, field and caption, whatever the URI holds.
TEST_CASE("an import error carries the record's file, line, URI and caption", "[import]") {
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx", {.embedder = "lexical"});
  auto place_of = [&](const std::string& text, std::size_t max_caption_bytes) {
    OpenOptions options;
    options.limits.max_caption_bytes = max_caption_bytes;
    auto limited = Catalogue::open(dir / "c.pdx", options);
    std::istringstream in(text);
    RecordReader reader(in, "bug.tsv", RecordFormat::tsv);
    ImportSummary summary;
    try {
      import_records(limited, reader, {.batch = 1000, .progress = {}, .stop = {}}, summary);
    } catch (const InputError& e) {
      return std::make_pair(e.place(), std::string(e.what()));
    }
    FAIL("no error");
    return std::make_pair(InputPlace{}, std::string());
  };
  // The issue's reproduction: a URI that looks like a message prefix ("a: b").
  const auto [place, message] = place_of("a\tok\na: b\ttoo long caption\n", 8);
  CHECK(place.file == "bug.tsv");
  CHECK(place.line == 2);
  CHECK(place.uri == "a: b");
  CHECK(place.field == "caption 1");
  CHECK(place.caption == 1);
  CHECK(message == "bug.tsv:2: caption 1: is 16 bytes, over the limit of 8 bytes (image \"a: b\")");
  // One image's captions from lines 1, 3 and 4: the third is on line 4.
  const auto third = place_of("x.jpg\tone\ny.jpg\tok\nx.jpg\ttwo\nx.jpg\tthree is long\n", 9);
  CHECK(third.first.line == 4);
  CHECK(third.first.field == "caption 3");
  CHECK(third.second ==
        "bug.tsv:4: caption 3: is 13 bytes, over the limit of 9 bytes (image \"x.jpg\")");
  CHECK(cat.size() == 0);
}

TEST_CASE("lines for one URI in different batches all become its captions", "[import]") {
  // 300 images, their three captions in three passes over the file: each image's lines
  // fall in three different batches, and the URIs seen outnumber SeenSet's first merges.
  TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx", {.embedder = "lexical"});
  const auto captions = test::synthetic_captions(900, 11);
  std::string tsv;
  for (std::size_t pass = 0; pass < 3; ++pass)
    for (std::size_t i = 0; i < 300; ++i)
      tsv += "img" + std::to_string(i) + "\t" + captions[pass * 300 + i] + "\n";
  const auto summary = import_text(cat, tsv, RecordFormat::tsv, 50);
  CHECK(summary.records == 900);
  CHECK(cat.size() == 300);
  for (std::size_t i = 0; i < 300; i += 37)
    CHECK(cat.get("img" + std::to_string(i)).captions ==
          std::vector<std::string>{captions[i], captions[300 + i], captions[600 + i]});
}

TEST_CASE("a TSV header line names the columns and is not imported as an image", "[import]") {
  picdex::test::TempDir dir;
  auto cat = picdex::Catalogue::create(dir / "c.pdx", {.embedder = "lexical"});
  std::istringstream in(
      "URI\tCaption\tmetadata\na.jpg\ta red car\t{\"year\":2024}\nuri\tcaption\n");
  picdex::RecordReader reader(in, "h.tsv", picdex::RecordFormat::tsv, 1 << 20);
  picdex::ImportSummary summary;
  picdex::import_records(cat, reader, {}, summary);
  CHECK(summary.added == 2);  // a.jpg, and "uri" from the second line: only the first is a header
  CHECK_THROWS_AS(cat.get("URI"), picdex::NotFoundError);
  CHECK(cat.get("a.jpg").captions == std::vector<std::string>{"a red car"});
  CHECK(cat.get("uri").captions == std::vector<std::string>{"caption"});
}

TEST_CASE(
    "snapshots written while later batches store, and checkpoints meanwhile, leave "
    "one sound snapshot holding every image",
    "[import]") {
  TempDir dir;
  const auto path = dir / "v.pdx";
  constexpr std::size_t kImages = 6000, kDim = 16;
  const auto vectors = test::random_unit_vectors(kImages, kDim, 21);
  std::string jsonl;
  for (std::size_t i = 0; i < kImages; ++i) {
    jsonl += R"({"uri":"i)" + std::to_string(i) + R"(","caption":"v","vector":[)";
    for (std::size_t d = 0; d < kDim; ++d) {
      if (d) jsonl += ',';
      jsonl += std::to_string(vectors[i * kDim + d]);
    }
    jsonl += "]}\n";
  }
  {
    // A snapshot is due after most batches of 250; another thread checkpoints meanwhile.
    OpenOptions often;
    often.checkpoint_after = 250;
    auto cat = Catalogue::create(path, {.embedder = "none:dim=16"}, often);
    std::atomic<bool> importing{true};
    auto checkpoints = std::async(std::launch::async, [&] {
      int n = 0;
      for (; importing; ++n) cat.checkpoint();
      return n;
    });
    const auto summary = import_text(cat, jsonl, RecordFormat::jsonl, 250);
    importing = false;
    CHECK(checkpoints.get() > 0);
    CHECK(summary.added == kImages);
    const auto stats = cat.stats();
    CHECK(stats.snapshot_seq <= stats.last_seq);
  }
  std::size_t snapshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const auto name = entry.path().filename().string();
    CHECK(name.find(".tmp-") == std::string::npos);  // no temp file left
    snapshots += name.starts_with("v.pdx.graph-");
  }
  CHECK(snapshots == 1);
  auto cat = Catalogue::open(path);
  const auto stats = cat.stats();
  CHECK(stats.snapshot_seq == stats.last_seq);  // closing saved it, and the manifest names it
  CHECK(cat.size() == kImages);
  for (const std::size_t i : {0UL, 2999UL, kImages - 1}) {
    const std::span<const float> v(vectors.data() + i * kDim, kDim);
    CHECK(cat.search(v, {.k = 1}).at(0).uri == "i" + std::to_string(i));
  }
  CHECK(cat.verify().ok());
}
