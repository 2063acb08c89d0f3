// Export and re-import: a catalogue written as JSONL and imported into a new one gives
// the same search results; vectors travel when asked; mismatches are refused on line 1.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "support.hpp"

using namespace picdex;
using picdex::test::run_picdex;
using picdex::test::TempDir;

namespace {

const std::string kSample = std::string(PICDEX_SAMPLE_DIR) + "/captions.tsv";

std::string exported(const Catalogue& cat, bool vectors) {
  std::ostringstream out;
  export_records(cat, out, {.vectors = vectors, .progress = {}});
  return out.str();
}

ImportSummary import_text(Catalogue& cat, const std::string& text) {
  std::istringstream in(text);
  RecordReader reader(in, "all.jsonl", RecordFormat::jsonl);
  ImportSummary summary;
  import_records(cat, reader, {}, summary);
  return summary;
}

// Every field of every hit, scores to 6 decimals (as the CLI prints them).
std::string results(const Catalogue& cat, const std::vector<std::string>& queries) {
  std::ostringstream out;
  for (const auto& q : queries)
    for (const auto& h : cat.search(q, {.k = 10, .ef = 400}))
      out << q << " | " << h.uri << " | " << std::fixed << h.score << " | " << h.caption << " | "
          << h.metadata << "\n";
  return out.str();
}

// Synthetic images with metadata and several captions each.
std::vector<Image> many_images(std::size_t n) {
  const auto captions = test::synthetic_captions(2 * n, 17);
  std::vector<Image> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({"img/" + std::to_string(i) + ".jpg",
                   {captions[2 * i], captions[2 * i + 1]},
                   nlohmann::json{{"n", i}, {"even", i % 2 == 0}}.dump()});
  return out;
}

}  // namespace

TEST_CASE("an exported catalogue imported again searches the same", "[export]") {
  TempDir dir;
  auto original = Catalogue::create(dir / "a.pdx");
  {
    std::ifstream in(kSample);
    RecordReader reader(in, kSample, RecordFormat::tsv);
    ImportSummary summary;
    import_records(original, reader, {}, summary);
  }
  original.put(many_images(1500));
  const auto text = exported(original, false);

  // The header names the embedder with its fingerprint; one line per image follows.
  std::istringstream lines(text);
  std::string first;
  std::getline(lines, first);
  const auto header = nlohmann::json::parse(first);
  CHECK(header["picdex_export"] == 1);
  CHECK(header["embedder"] == original.embedder().spec());
  CHECK(std::count(text.begin(), text.end(), '\n') == 1 + static_cast<long>(original.size()));

  auto copy = Catalogue::create(dir / "b.pdx");
  const auto summary = import_text(copy, text);
  CHECK(summary.added == original.size());
  const std::vector<std::string> queries = {"a dog running on the beach", "children in the snow",
                                            test::synthetic_captions(3, 99)[0],
                                            test::synthetic_captions(3, 99)[1]};
  CHECK(results(copy, queries) == results(original, queries));
  CHECK(exported(copy, false) == text);  // and exports the same again
  CHECK(import_text(copy, text).unchanged == original.size());

  SECTION("with vectors, into a catalogue of external vectors") {
    const auto with_vectors = exported(original, true);
    const auto dim = original.dim();
    auto external =
        Catalogue::create(dir / "v.pdx", {.embedder = "none:dim=" + std::to_string(dim)});
    CHECK(import_text(external, with_vectors).added == original.size());
    std::vector<float> query(dim);
    original.embedder().embed_query("a dog running on the beach", query);
    const auto want = original.search(query, {.k = 10, .ef = 400});
    const auto got = external.search(query, {.k = 10, .ef = 400});
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].uri == want[i].uri);
      CHECK(got[i].caption == want[i].caption);
      CHECK(got[i].score == Approx(want[i].score).margin(1e-6));
    }
    // The same embedder computes the same vectors: an export's are simply not needed.
    auto same = Catalogue::create(dir / "same.pdx");
    CHECK(import_text(same, with_vectors).added == original.size());
    CHECK(results(same, queries) == results(original, queries));
  }
  SECTION("mismatches are refused at the header, before anything is written") {
    auto lexical = Catalogue::create(dir / "l.pdx", {.embedder = "lexical"});
    CHECK_THROWS_WITH(import_text(lexical, exported(original, true)),
                      Catch::StartsWith("all.jsonl:1: embedder: the export's vectors come from "
                                        "learned-v2"));
    CHECK(lexical.size() == 0);
    // Without vectors, another embedder simply embeds the captions again.
    CHECK(import_text(lexical, text).added == original.size());
    auto external = Catalogue::create(dir / "e.pdx", {.embedder = "none:dim=256"});
    CHECK_THROWS_WITH(import_text(external, text),
                      Catch::Contains("takes vectors, and the export has none"));
    CHECK(external.size() == 0);
    CHECK_THROWS_WITH(
        import_text(external, R"({"picdex_export":2,"embedder":"x","dim":1,"vectors":true})"
                              "\n"),
        "all.jsonl:1: picdex_export: is a version this build does not read (it reads 1)");
  }
}

TEST_CASE("picdex export writes a file whole, and picdex import takes it back", "[export][cli]") {
  TempDir dir;
  const auto a = (dir / "a.pdx").string(), b = (dir / "b.pdx").string();
  const auto file = (dir / "all.jsonl").string();
  REQUIRE(run_picdex({"init", a}).status == 0);
  REQUIRE(run_picdex({"import", a, kSample}).status == 0);
  const auto run = run_picdex({"export", a, "-o", file});
  REQUIRE(run.status == 0);
  CHECK(run_picdex({"export", a}).out == [&] {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }());
  REQUIRE(run_picdex({"init", b}).status == 0);
  REQUIRE(run_picdex({"import", b, file}).status == 0);
  for (const char* q : {"a dog running on the beach", "a red car", "a cat on a rug"})
    CHECK(run_picdex({"search", b, q, "--json"}).out == run_picdex({"search", a, q, "--json"}).out);
  // A folder that cannot take the file: an error, and no partial file left behind.
  const auto missing = (dir / "no" / "all.jsonl").string();
  const auto bad = run_picdex({"export", a, "-o", missing});
  CHECK(bad.status == 74);
  CHECK_THAT(bad.err, Catch::Contains("cannot create"));
  CHECK(!std::filesystem::exists(dir / "no"));
}
