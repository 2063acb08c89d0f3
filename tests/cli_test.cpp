#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "child.hpp"
#include "support.hpp"

using picdex::test::run_picdex;
using picdex::test::TempDir;

namespace {
const std::string kSample = std::string(PICDEX_SAMPLE_DIR) + "/captions.tsv";

// The first line of `text`, for comparing one-line messages.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// `dir/NAME`, a catalogue of the bundled sample (the built-in model), made as a user would.
std::string sample_catalogue(const TempDir& dir, const std::string& name = "c.pdx") {
  const auto cat = (dir / name).string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  REQUIRE(run_picdex({"import", cat, kSample}).status == 0);
  return cat;
}

// `dir/NAME`, a catalogue of `records`, written to `dir/FILE` and imported.
std::string catalogue_of(const TempDir& dir, const std::string& name, const std::string& file,
                         const std::string& records) {
  const auto cat = (dir / name).string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  picdex::test::write_file(dir / file, records);
  REQUIRE(run_picdex({"import", cat, (dir / file).string()}).status == 0);
  return cat;
}
}  // namespace

TEST_CASE("picdex init, import, search end to end", "[cli]") {
  TempDir dir;
  const auto cat = (dir / "demo.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  const auto imported = run_picdex({"import", cat, kSample});
  REQUIRE(imported.status == 0);
  CHECK_THAT(imported.err, Catch::Contains(" added, 0 updated, 0 unchanged, 0 failed"));

  SECTION("a table for people") {
    const auto run = run_picdex({"search", cat, "a dog running on a beach", "-k", "3"});
    REQUIRE(run.status == 0);
    CHECK_THAT(run.out, Catch::StartsWith("rank   score  uri"));
    CHECK(std::count(run.out.begin(), run.out.end(), '\n') == 4);
  }
  SECTION("--json: one object per result with rank, uri, score, caption, metadata") {
    const auto run = run_picdex({"search", cat, "a dog running on a beach", "-k", "3", "--json"});
    REQUIRE(run.status == 0);
    std::istringstream lines(run.out);
    std::string line;
    int rank = 0;
    double previous = 2;
    while (std::getline(lines, line)) {
      const auto hit = nlohmann::json::parse(line);
      CHECK(hit["rank"] == ++rank);
      CHECK(hit["metadata"].is_object());
      CHECK(hit["caption"].is_string());
      CHECK(hit["score"].get<double>() <= previous);
      previous = hit["score"].get<double>();
    }
    CHECK(rank == 3);
  }
  SECTION("--queries: one JSON line per query") {
    const auto run = run_picdex({"search", cat, "--queries", "-", "--json", "-k", "2"},
                                "a dog on the beach\n\na red car\n");
    REQUIRE(run.status == 0);
    std::istringstream lines(run.out);
    std::string line;
    std::vector<std::string> queries;
    while (std::getline(lines, line)) {
      const auto result = nlohmann::json::parse(line);
      queries.push_back(result["query"]);
      CHECK(result["results"].size() == 2);
    }
    CHECK(queries == std::vector<std::string>{"a dog on the beach", "a red car"});
  }
  SECTION("re-import is a no-op, stats reports counts") {
    CHECK_THAT(run_picdex({"import", cat, kSample}).err, Catch::Contains("0 added, 0 updated"));
    const auto stats = nlohmann::json::parse(run_picdex({"stats", cat, "--json"}).out);
    CHECK(stats["images"].get<int>() > 10);
    CHECK_THAT(stats["embedder"].get<std::string>(),
               Catch::Matches("learned-v2:model=default,fingerprint=[0-9a-f]{8}"));
    for (const char* key : {"captions", "deleted", "dim", "file_bytes"}) CHECK(stats.contains(key));
    CHECK(run_picdex({"verify", cat}).status == 0);
  }
  SECTION("eval: recall and MRR of queries with known answers") {
    // The same query twice, expecting its first hit, then its second: R@1 1/2, R@5 1,
    // MRR 3/4.
    const auto hits = run_picdex({"search", cat, "a dog running on the beach", "--json"}).out;
    std::istringstream lines(hits);
    std::string first, second;
    std::getline(lines, first);
    std::getline(lines, second);
    const std::string queries =
        nlohmann::json::parse(first)["uri"].get<std::string>() + "\ta dog running on the beach\n" +
        nlohmann::json::parse(second)["uri"].get<std::string>() + "\ta dog running on the beach\n";
    const auto run = run_picdex({"eval", cat, "-", "--json", "--mode", "vector"}, queries);
    REQUIRE(run.status == 0);
    const auto figures = nlohmann::json::parse(run.out);
    CHECK(figures["queries"] == 2);
    REQUIRE(figures["modes"].size() == 1);
    const auto& vector = figures["modes"][0];
    CHECK(vector["mode"] == "vector");
    CHECK(vector["recall@1"] == 0.5);
    CHECK(vector["recall@5"] == 1.0);
    CHECK(vector["mrr"].get<double>() == Approx(0.75));
    // By default every mode, one after another.
    const auto all = nlohmann::json::parse(run_picdex({"eval", cat, "-", "--json"}, queries).out);
    REQUIRE(all["modes"].size() == 3);
    CHECK(all["modes"][1]["mode"] == "keyword");
    CHECK(all["modes"][2]["mode"] == "hybrid");
    const auto bad = run_picdex({"eval", cat, "-"}, "no tab here\n");
    CHECK(bad.status == 65);
    CHECK(first_line(bad.err) == "picdex: <stdin>:1: line: expected expected_uri<TAB>query");
  }
  SECTION("add, get, remove") {
    REQUIRE(
        run_picdex({"add", cat, "new.jpg", "A hot air balloon", "--meta", R"({"a":1})"}).status ==
        0);
    CHECK_THAT(run_picdex({"get", cat, "new.jpg"}).out, Catch::Contains("A hot air balloon"));
    CHECK(run_picdex({"remove", cat, "new.jpg"}).status == 0);
    const auto gone = run_picdex({"get", cat, "new.jpg"});
    CHECK(gone.status == 66);
    CHECK(first_line(gone.err) == "picdex: new.jpg: not in the catalogue");
  }
}

TEST_CASE("picdex exit codes and one-line errors", "[cli]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  SECTION("usage: 64") {
    CHECK(run_picdex({}).status == 64);
    CHECK(run_picdex({"frobnicate"}).status == 64);
    CHECK(run_picdex({"search", cat}).status == 64);
    CHECK(run_picdex({"search", cat, "x", "--bogus"}).status == 64);
    CHECK(run_picdex({"import", cat, "-"}, "words alone\n").status == 64);  // no format told
  }
  SECTION("help: 0") {
    const auto run = run_picdex({"search", "--help"});
    CHECK(run.status == 0);
    CHECK_THAT(run.out, Catch::Contains("\n  --min-score S "));
    CHECK_THAT(run.out, Catch::Contains("\n  -k N ") && Catch::Contains("(default 10)"));
    CHECK_THAT(run.out, Catch::Contains("\nexamples:\n  picdex search demo.pdx "));
    CHECK(run_picdex({"--help"}).status == 0);
  }
  SECTION("bad input data: 65, naming file and line") {
    const auto bad = (dir / "bad.tsv").string();
    picdex::test::write_file(bad, "a.jpg\tfine\nb.jpg\n");
    const auto run = run_picdex({"import", cat, bad});
    CHECK(run.status == 65);
    CHECK_THAT(run.err, Catch::Contains(bad + ":2: caption: is missing"));
    CHECK(run_picdex({"stats", cat, "--json"}).out.find("\"images\":0") != std::string::npos);
    const auto not_cat = (dir / "text.pdx").string();
    picdex::test::write_file(not_cat, std::string(5000, 'z'));
    CHECK(run_picdex({"search", not_cat, "x"}).status == 65);
  }
  SECTION("missing input or catalogue: 66") {
    CHECK(run_picdex({"search", (dir / "none.pdx").string(), "x"}).status == 66);
    CHECK(run_picdex({"import", cat, (dir / "none.tsv").string()}).status == 66);
    CHECK(run_picdex({"import", cat, dir.path().string(), "--format", "tsv"}).status == 66);
  }
  SECTION("I/O: 74") {
    CHECK(run_picdex({"init", cat}).status == 74);  // exists already
  }
  SECTION("stdin and pipes are read as streams") {
    const auto run = run_picdex({"import", cat, "-", "--format", "jsonl"},
                                R"({"uri": "p.jpg", "caption": "A pelican on a post"})"
                                "\n");
    CHECK(run.status == 0);
    CHECK_THAT(run_picdex({"search", cat, "pelican"}).out, Catch::Contains("p.jpg"));
  }
}

namespace {
// The vectors `picdex embed` printed, one a line of space-separated numbers.
std::vector<std::vector<float>> read_vector_lines(const std::string& out) {
  std::vector<std::vector<float>> vectors;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    auto& v = vectors.emplace_back();
    for (const char* p = line.data(); p < line.data() + line.size();) {
      float x;
      const auto [end, error] = std::from_chars(p, line.data() + line.size(), x);
      REQUIRE(error == std::errc());
      v.push_back(x);
      p = end + (end < line.data() + line.size());
    }
  }
  return vectors;
}

std::vector<float> embed_in_library(const picdex::Embedder& embedder, const std::string& text) {
  std::vector<float> v(embedder.dim());
  embedder.embed_query(text, v);
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}
}  // namespace

TEST_CASE("picdex embed prints the vector the catalogue's search uses, bit for bit", "[cli]") {
  TempDir dir;
  const auto cat = sample_catalogue(dir, "demo.pdx");
  picdex::OpenOptions read_only;
  read_only.read_only = true;
  auto catalogue = picdex::Catalogue::open(cat, read_only);

  const auto one = run_picdex({"embed", cat, "a dog running on the beach"});
  REQUIRE(one.status == 0);
  const auto printed = read_vector_lines(one.out);
  REQUIRE(printed.size() == 1);
  CHECK(
      same_bits(printed[0], embed_in_library(catalogue.embedder(), "a dog running on the beach")));
  // Searching with it gives the text search's hits and scores exactly.
  const auto by_vector = catalogue.search(printed[0], {.k = 5});
  const auto by_text = catalogue.search("a dog running on the beach", {.k = 5});
  REQUIRE(by_vector.size() == by_text.size());
  for (std::size_t i = 0; i < by_text.size(); ++i) {
    CHECK(by_vector[i].uri == by_text[i].uri);
    CHECK(by_vector[i].score == by_text[i].score);
  }

  SECTION("a stored caption's vector is the one embed prints for its text") {
    const auto image = catalogue.get("images/beach-dog.jpg", /*with_vectors=*/true);
    std::string lines;
    for (const auto& caption : image.captions) lines += caption + "\n";
    const auto run = run_picdex({"embed", cat, "--queries", "-"}, lines);
    REQUIRE(run.status == 0);
    const auto vectors = read_vector_lines(run.out);
    REQUIRE(vectors.size() == image.captions.size());
    for (std::size_t i = 0; i < vectors.size(); ++i) CHECK(same_bits(vectors[i], image.vectors[i]));
  }
  SECTION("--json names the embedder and its model's fingerprint") {
    const auto run = run_picdex({"embed", cat, "a red car", "--json"});
    REQUIRE(run.status == 0);
    const auto line = nlohmann::json::parse(run.out);
    CHECK(line["text"] == "a red car");
    CHECK(line["embedder"] == catalogue.embedder_spec());
    CHECK(catalogue.embedder_spec().ends_with(",fingerprint=" +
                                              line["fingerprint"].get<std::string>()));
    CHECK(line["dim"] == catalogue.dim());
    CHECK(line["vector"].size() == catalogue.dim());
  }
  SECTION("--embedder SPEC needs no catalogue") {
    const auto run = run_picdex({"embed", "--embedder", "lexical", "a red car", "--json"});
    REQUIRE(run.status == 0);
    const auto line = nlohmann::json::parse(run.out);
    const auto lexical = picdex::make_embedder("lexical");
    CHECK(line["embedder"] == lexical->spec());
    CHECK(line["fingerprint"].is_null());
    const auto plain = run_picdex({"embed", "--embedder", "lexical", "a red car"});
    CHECK(same_bits(read_vector_lines(plain.out).at(0), embed_in_library(*lexical, "a red car")));
  }
  SECTION("mistakes: one line, the usage status; a text without words names its line") {
    const auto missing = run_picdex({"embed", cat});
    CHECK(missing.status == 64);
    CHECK(first_line(missing.err) == "picdex: give a catalogue and a text");
    const auto wordless = run_picdex({"embed", cat, "--queries", "-"}, "a dog\n!!!\n");
    CHECK(wordless.status == 65);
    CHECK(first_line(wordless.err) == "picdex: <stdin>:2: query: text has no words to embed");
  }
}

TEST_CASE("numbers on the command line are checked: one line, status 64", "[cli][usage]") {
  TempDir dir;
  const auto cat = sample_catalogue(dir);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-k", "-1"},
       "picdex: the argument ('-1') for option '--k' must be a whole number, 0 or more (see "
       "'picdex search --help')\n"},
      {{"-k", "ten"},
       "picdex: the argument ('ten') for option '--k' must be a whole number, 0 or more (see "
       "'picdex search --help')\n"},
      {{"--offset", "-2"},
       "picdex: the argument ('-2') for option '--offset' must be a whole number, 0 or more (see "
       "'picdex search --help')\n"},
      {{"--ef", "-1"},
       "picdex: the argument ('-1') for option '--ef' must be a whole number, 0 or more (see "
       "'picdex search --help')\n"},
      {{"-k", "0"}, "picdex: -k: must be 1 or more (how many images to return)\n"},
      {{"--ef", "0"}, "picdex: --ef: must be 1 or more\n"},
      {{"--min-score", "2"},
       "picdex: --min-score: a cosine similarity is between -1 and 1, not 2\n"},
  };
  for (const auto& [options, message] : cases) {
    std::vector<std::string> args = {"search", cat, "a dog"};
    args.insert(args.end(), options.begin(), options.end());
    const auto run = run_picdex(args);
    INFO(options[0] << " " << options[1]);
    CHECK(run.status == 64);
    CHECK(run.err == message);
    CHECK(run.out.empty());
  }
  const auto batch = run_picdex({"import", cat, kSample, "--batch", "-1"});
  CHECK(batch.status == 64);
  CHECK(batch.err ==
        "picdex: the argument ('-1') for option '--batch' must be a whole number, 0 or more (see "
        "'picdex import --help')\n");
  // Still accepted: the numbers in range.
  CHECK(run_picdex({"search", cat, "a dog", "-k", "2", "--min-score", "-1", "--ef", "5"}).status ==
        0);
}

TEST_CASE("init --graph int8 and rebuild --graph switch the graph and keep the scores", "[cli]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat, "--graph", "int8"}).err.find("int8 graph") != std::string::npos);
  REQUIRE(run_picdex({"import", cat, kSample}).status == 0);
  auto graph_of = [&] {
    const auto stats = nlohmann::json::parse(run_picdex({"stats", cat, "--json"}).out);
    return stats["graph"].get<std::string>();
  };
  CHECK(graph_of() == "int8");
  const std::vector<std::string> search = {"search", cat, "a dog running on the beach", "--json"};
  const auto int8_hits = run_picdex(search).out;
  CHECK(run_picdex({"verify", cat}).status == 0);

  const auto rebuilt = run_picdex({"rebuild", cat, "--graph", "float"});
  CHECK(rebuilt.status == 0);
  CHECK_THAT(rebuilt.err, Catch::Contains("float32)"));
  CHECK(graph_of() == "float32");  // kept from now on
  // The same hits with the same scores: an int8 graph's are re-scored exactly.
  CHECK(run_picdex(search).out == int8_hits);

  const auto bad = run_picdex({"rebuild", cat, "--graph", "int4"});
  CHECK(bad.status == 64);
  CHECK(bad.err == "picdex: --graph: 'int4': expected float32 or int8\n");
  CHECK(graph_of() == "float32");
}

TEST_CASE("usage mistakes get one line that names the argument and the fix", "[cli][usage]") {
  TempDir dir;
  const auto cat = sample_catalogue(dir);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"search", cat, "cat", "dog"},
       "picdex: unexpected argument 'dog' after TEXT 'cat': quote an argument of several words "
       "(\"cat dog\") (see 'picdex search --help')\n"},
      {{"search", cat, "cat", "-k", "3", "dog"},
       "picdex: unexpected argument 'dog' after TEXT 'cat': quote an argument of several words "
       "(\"cat dog\") (see 'picdex search --help')\n"},
      {{"import", cat, "a.tsv", "b.tsv"},
       "picdex: unexpected argument 'b.tsv' after FILE 'a.tsv': quote an argument of several "
       "words (\"a.tsv b.tsv\") (see 'picdex import --help')\n"},
      {{"get", cat, "images/a.jpg", "images/b.jpg"},
       "picdex: unexpected argument 'images/b.jpg' after URI 'images/a.jpg': quote an argument "
       "of several words (\"images/a.jpg images/b.jpg\") (see 'picdex get --help')\n"},
      {{"remove", cat}, "picdex: missing URI (see 'picdex remove --help')\n"},
      {{"get"}, "picdex: missing CATALOGUE (see 'picdex get --help')\n"},
      {{"serch", cat, "cat"},
       "picdex: unknown command 'serch': did you mean 'search'? (picdex --help lists them)\n"},
      {{"improt", cat, kSample},
       "picdex: unknown command 'improt': did you mean 'import'? (picdex --help lists them)\n"},
      {{"frobnicate"}, "picdex: unknown command 'frobnicate' (picdex --help lists them)\n"},
  };
  for (const auto& [args, message] : cases) {
    const auto run = run_picdex(args);
    INFO(args[0] << " ... " << args.back());
    CHECK(run.status == 64);
    CHECK(run.err == message);
    CHECK(run.out.empty());
  }
}

TEST_CASE("a target that cannot be written is named with its cause before any work",
          "[cli][usage]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  const auto missing = (dir / "no" / "such").string();
  const auto init = run_picdex({"init", missing + "/x.pdx"});
  CHECK(init.status == 74);
  CHECK(init.err == "picdex: " + missing + "/x.pdx: cannot create: the folder " + missing +
                        " does not exist\n");
  REQUIRE(run_picdex({"init", cat}).status == 0);
  REQUIRE(run_picdex({"import", cat, kSample}).status == 0);
  const auto html = run_picdex({"search", cat, "a dog", "--html", missing + "/out.html"});
  CHECK(html.status == 74);
  CHECK(html.out.empty());  // refused before searching, not after printing the results
  CHECK(html.err == "picdex: " + missing + "/out.html: cannot create: the folder " + missing +
                        " does not exist\n");
  const auto folder = run_picdex({"search", cat, "a dog", "--html", dir.path().string()});
  CHECK(folder.status == 74);
  CHECK(folder.err == "picdex: " + dir.path().string() + ": cannot create: it is a folder\n");
}

TEST_CASE("an import stopped by a bad line says where, and counts only what was committed",
          "[cli][usage]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  std::string lines;
  for (int i = 1; i <= 1500; ++i)
    lines += "img" + std::to_string(i) + ".jpg\tcaption number " + std::to_string(i) + "\n";
  const auto late = (dir / "late.tsv").string();
  picdex::test::write_file(late, lines + "bad.jpg\t\nx.jpg\tmore\n");
  const auto run = run_picdex({"import", cat, late, "--batch", "1000"});
  CHECK(run.status == 65);
  CHECK(run.err == "stopped at " + late +
                       ":1501: 1000 added, 0 updated, 0 unchanged are committed; the 501 images "
                       "of its batch are not\npicdex: " +
                       late + ":1501: caption: is empty\n");
  const auto stats = nlohmann::json::parse(run_picdex({"stats", cat, "--json"}).out);
  CHECK(stats["images"] == 1000);  // what the line said was committed

  const auto one = (dir / "one.tsv").string();
  picdex::test::write_file(one, "one.jpg\tone caption\n");
  CHECK_THAT(run_picdex({"import", cat, one}).err, Catch::Contains(", 1 record in "));
}

TEST_CASE("bad --meta JSON says what and where in it, in one line", "[cli][usage]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  const auto run = run_picdex({"add", cat, "m.jpg", "a caption", "--meta", R"({"year":2024)"});
  CHECK(run.status == 65);
  CHECK(run.err ==
        "picdex: m.jpg: metadata: is not valid JSON: unexpected end of input; expected '}' (at "
        "character 13)\n");
}

TEST_CASE("Ctrl-C stops an import cleanly: what was read is committed, status 130",
          "[cli][usage]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  std::string lines;
  for (int i = 1; i <= 30000; ++i)
    lines += "img" + std::to_string(i) + ".jpg\ta caption numbered " + std::to_string(i) + "\n";
  const auto big = (dir / "big.tsv").string();
  picdex::test::write_file(big, lines);
  const auto err_path = (dir / "err.txt").string();
  picdex::test::Child import(PICDEX_BINARY, {"import", cat, big}, {"PICDEX_PROGRESS_SECONDS=0"},
                             err_path);
  // Once it reports progress (a line per 256 records, stderr not being a terminal), interrupt.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (picdex::test::read_text(err_path).find("importing: ") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  import.signal(SIGINT);
  const int status = import.wait();
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  const auto err = picdex::test::read_text(err_path);
  INFO(err);
  CHECK_THAT(err, Catch::StartsWith("importing: 256 (0 s)\n"));
  const auto summary = err.substr(err.rfind("interrupted "));
  std::size_t records = 0, added = 0;
  REQUIRE(std::sscanf(summary.c_str(),
                      ("interrupted " + big + " after %zu records: %zu added").c_str(), &records,
                      &added) == 2);
  REQUIRE(records < 30000);  // (stopped before the end)
  CHECK(added == records);   // every record read is committed, one image each
  CHECK_THAT(summary,
             Catch::EndsWith(" unchanged are committed; importing it again adds the rest\n"));
  CHECK(!std::filesystem::exists(cat + "-wal"));  // closed as after a normal run
  CHECK(!std::filesystem::exists(cat + "-shm"));
  const auto stats = nlohmann::json::parse(run_picdex({"stats", cat, "--json"}).out);
  CHECK(stats["images"] == added);
  CHECK(run_picdex({"verify", cat}).status == 0);

  // Again: the rest is added, and no image is stored twice.
  const auto again = run_picdex({"import", cat, big});
  CHECK(again.status == 0);
  CHECK_THAT(again.err, Catch::Contains(std::to_string(30000 - added) + " added"));
  CHECK(nlohmann::json::parse(run_picdex({"stats", cat, "--json"}).out)["images"] == 30000);
}

TEST_CASE("progress on a terminal ends its line before the summary", "[cli][usage]") {
  if (std::system("script --version >/dev/null 2>&1") != 0)
    return picdex::test::skip("script(1) is not installed: no terminal to run picdex on");
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  std::string lines;
  for (int i = 1; i <= 600; ++i) {
    lines += 'i';
    lines += std::to_string(i);
    lines += ".jpg\ta caption\n";
  }
  const auto file = (dir / "f.tsv").string();
  picdex::test::write_file(file, lines);
  const auto log = (dir / "tty.txt").string();
  // script(1) runs the command on a pseudo-terminal and copies what it shows to `log`.
  const auto command = "script -qec '" + std::string(PICDEX_BINARY) + " import " + cat + " " +
                       file + "' " + log + " >/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  const auto shown = picdex::test::read_text(log);
  INFO(shown);
  // The counter redraws in place, and the summary starts on a line of its own.
  CHECK_THAT(shown,
             Catch::Contains("\rimporting 512\rimporting 600\r\nimported " + file + ": 600 added"));
}

TEST_CASE("a --where that no image meets says why, naming the likely mistake", "[cli][usage]") {
  TempDir dir;
  const auto cat =
      catalogue_of(dir, "h.pdx", "h.tsv",
                   "beach.jpg\ta dog running on the beach\t{\"year\":2024,\"place\":\"Home\"}\n"
                   "city.jpg\ta red bus in the city\t{\"year\":2023,\"place\":\"city\"}\n"
                   "park.jpg\tchildren playing in the park\t{\"year\":2024,\"place\":\"park\"}\n");
  const std::string header = "rank   score  uri  caption\n";
  const std::vector<std::tuple<std::vector<std::string>, int, std::string>> cases = {
      {{"year==2024"}, 64, "picdex: --where 'year==2024': '==' is written '=' here (year=2024)\n"},
      {{"place='park'"},
       0,
       "picdex: --where: no image has place='park': the quotes are part of the value; 1 image "
       "has place=park (quote for the shell only: --where \"place=park\")\n"},
      {{"year=2024 and place=park"},
       0,
       "picdex: --where: no image has year=2024 and place=park: 'and' is not syntax; give one "
       "--where per condition (--where \"year=2024\" --where \"place=park\")\n"},
      {{"colour=red"}, 0, "picdex: --where: no image has the key 'colour' (keys: place, year)\n"},
      {{"place=home"},
       0,
       "picdex: --where: no image has place=home: values match exactly; place has Home, which "
       "differs only in case\n"},
      {{"place='home'"},
       0,
       "picdex: --where: no image has place='home': the quotes are part of the value, and values "
       "match exactly; place has Home, which differs only in case\n"},
      {{"year>2030"}, 0, "picdex: --where: no image has year>2030 (year goes from 2023 to 2024)\n"},
      {{"place=zoo"},
       0,
       "picdex: --where: no image has place=zoo (most common values: Home, city, park)\n"},
      {{"year=2023", "place=park"},
       0,
       "picdex: --where: no image meets all 2 conditions together, though each alone is met\n"},
  };
  for (const auto& [conditions, status, message] : cases) {
    std::vector<std::string> args = {"search", cat, "a dog"};
    for (const auto& c : conditions) args.insert(args.end(), {"--where", c});
    const auto run = run_picdex(args);
    INFO(conditions[0]);
    CHECK(run.status == status);
    CHECK(run.err == message);
    CHECK(run.out == (status == 0 ? header : ""));
  }
  // Conditions that some image meets: results, and nothing on stderr.
  const auto met = run_picdex({"search", cat, "a dog", "--where", "place=Home"});
  CHECK(met.err.empty());
  CHECK_THAT(met.out, Catch::Contains("beach.jpg"));
}

TEST_CASE("keyword and hybrid tables show what ranked each hit, then its cosine", "[cli][usage]") {
  TempDir dir;
  const auto cat = sample_catalogue(dir);
  const auto keyword = run_picdex({"search", cat, "a dog on the beach", "--mode", "keyword"});
  REQUIRE(keyword.status == 0);
  CHECK_THAT(keyword.out, Catch::StartsWith("rank    bm25  cosine  uri"));
  const auto hybrid = run_picdex({"search", cat, "a dog on the beach", "--mode", "hybrid"});
  CHECK_THAT(hybrid.out, Catch::StartsWith("rank   fused  cosine  uri"));
  // The ranking column never rises down the table; JSON names it.
  for (const auto& [mode, name] : {std::pair{"keyword", "bm25"}, std::pair{"hybrid", "fused"}}) {
    const auto json = run_picdex({"search", cat, "a dog on the beach", "--mode", mode, "--json"});
    std::istringstream lines(json.out);
    double previous = 1e9;
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
      const auto hit = nlohmann::json::parse(line);
      INFO(mode << ": " << line);
      CHECK(hit[name].get<double>() <= previous);
      previous = hit[name].get<double>();
      CHECK(hit.contains("score"));
    }
    CHECK(count > 0);
  }
  // Stop words alone match no caption by its words.
  const auto stop = run_picdex({"search", cat, "the in", "--mode", "keyword"});
  CHECK(stop.status == 0);
  CHECK(stop.out == "rank    bm25  cosine  uri  caption\n");
}

TEST_CASE("the result table aligns by display width and keeps each hit on one line",
          "[cli][usage]") {
  TempDir dir;
  const auto cat =
      catalogue_of(dir, "u.pdx", "u.jsonl",
                   "{\"uri\":\"café.jpg\",\"caption\":\"a dog in a café\"}\n"
                   "{\"uri\":\"東京タワー.jpg\",\"caption\":\"a dog under a red tower\"}\n"
                   "{\"uri\":\"x.jpg\",\"caption\":\"a dog\\twith a tab\\nand a line end\"}\n");
  const auto run = run_picdex({"search", cat, "a dog", "--mode", "keyword"});
  REQUIRE(run.status == 0);
  std::istringstream lines(run.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  REQUIRE(rows.size() == 4);  // the header and three hits, one line each
  // The caption column starts at the same display column on every row: 東京タワー.jpg is
  // 14 columns wide (five wide characters), café.jpg 8 (9 bytes), x.jpg 5.
  std::size_t tokyo = 0, cafe = 0, tab = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].find("東京タワー.jpg  a dog") != std::string::npos) tokyo = i;
    if (rows[i].find("café.jpg" + std::string(6 + 2, ' ') + "a dog") != std::string::npos) cafe = i;
    if (rows[i].find("x.jpg" + std::string(9 + 2, ' ') + "a dog\\twith a tab\\nand a line end") !=
        std::string::npos)
      tab = i;
  }
  CHECK(tokyo > 0);
  CHECK(cafe > 0);
  CHECK(tab > 0);
}

TEST_CASE("import - tells TSV, CSV and JSONL apart by the first line", "[cli][usage]") {
  TempDir dir;
  const auto cat = (dir / "c.pdx").string();
  REQUIRE(run_picdex({"init", cat}).status == 0);
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"uri\tcaption\nt.jpg\ta tsv dog\n", "t.jpg"},  // a TSV header is skipped
      {"s.jpg\ta tsv cat without a header\n", "s.jpg"},
      {"{\"uri\":\"j.jpg\",\"caption\":\"a jsonl cow\"}\n", "j.jpg"},
      {"uri,caption\nc.jpg,a csv horse\n", "c.jpg"},
  };
  for (const auto& [input, uri] : inputs) {
    const auto run = run_picdex({"import", cat, "-"}, input);
    INFO(input);
    CHECK(run.status == 0);
    CHECK_THAT(run.err, Catch::StartsWith("imported <stdin>: 1 added"));
    CHECK(run_picdex({"get", cat, uri}).status == 0);
  }
  const auto unknown = run_picdex({"import", cat, "-"}, "just some words\n");
  CHECK(unknown.status == 64);
  CHECK(unknown.err ==
        "picdex: cannot tell the format of standard input from its first line: give --format tsv, "
        "csv or jsonl\n");
  const auto empty = run_picdex({"import", cat, "-"});
  CHECK(empty.status == 65);
  CHECK(empty.err == "picdex: <stdin>: no records to import\n");
  CHECK(nlohmann::json::parse(run_picdex({"stats", cat, "--json"}).out)["images"] == 4);
}
