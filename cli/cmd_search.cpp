#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "results_page.hpp"
#include "vector_file.hpp"

namespace picdex::cli {
namespace {

// search --on: one text query against an engine; a catalogue named must use the engine's
// embedder.
int search_on(const std::string& url, const std::string& path, const std::string& text,
              const SearchOptions& search, bool json) {
  if (text.empty()) throw UsageError("--on takes one query text");
  if (search.mode != SearchMode::vector) throw UsageError("--on searches in --mode vector only");
  auto remote = RemoteCatalogue::connect(url);
  if (!path.empty() && open_catalogue(path, true).embedder_spec() != remote.embedder_spec())
    throw EmbedderMismatchError(url + ": holds vectors of embedder '" + remote.embedder_spec() +
                                "', not " + path + "'s");
  print_hits(remote.search(text, search), json);
  return Exit::ok;
}

}  // namespace

int cmd_search(const Args& args) {
  std::string path, text, queries, vector_file, image, html, on;
  std::vector<std::string> where;
  std::string mode = "vector";
  SearchOptions search;
  bool json = false;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "text", po::value(&text), "what to look for")(
      "k,k", po::value(&search.k)->default_value(search.k), "how many images to return")(
      "ef", po::value(&search.ef), "HNSW search breadth (default: the catalogue's)")(
      "min-score", po::value(&search.min_score),
      "drop hits scoring below this (the cosine similarity, or for learned-v3 the corrected one)")(
      "mode", po::value(&mode)->default_value(mode),
      "vector (caption vectors), keyword (caption words) or hybrid (both, rank-fused)")(
      "offset", po::value(&search.offset)->default_value(0),
      "skip this many best images first (the next page)")(
      "where", po::value(&where)->composing(),
      "only images whose metadata meets CONDITION: KEY=VALUE, KEY!=VALUE, KEY<N, KEY<=N, "
      "KEY>N, KEY>=N or 'KEY in A,B,C' (repeatable: all must hold)")(
      "queries", po::value(&queries), "run every line of FILE (or - for stdin) as a query")(
      "vector-file", po::value(&vector_file),
      "search with each vector in FILE, one a line (a JSON array, or numbers separated by "
      "spaces or commas); one JSON line of results per vector with --json")(
      "image", po::value(&image),
      "search with the pixels of a JPEG or PNG file (CLIP catalogues): pictures like it, "
      "and captions that describe it")("json", po::bool_switch(&json),
                                       "one JSON object per result (per query with --queries)")(
      "html", po::value(&html),
      "also write the results as a web page to FILE (images, scores, captions, metadata)")(
      "on", po::value(&on),
      "search a catalogue pushed to an engine (picdex push) instead: the query is embedded "
      "here with the engine's stored embedder; CATALOGUE may be left out");
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("text", 1);
  po::variables_map vm;
  if (!parse(
          args,
          "picdex search CATALOGUE TEXT [-k N] [--mode M] [--offset N] [--where CONDITION]...\n"
          "                     [--ef N] [--min-score S] [--json] [--html FILE]\n"
          "       picdex search CATALOGUE --queries FILE|- [--json]\n"
          "       picdex search CATALOGUE --vector-file FILE|- [-k N] [--json]\n"
          "       picdex search CATALOGUE --image FILE [-k N] [--json]\n"
          "       picdex search --on URL [CATALOGUE] TEXT [-k N] [--where CONDITION]... [--json]",
          options, positional, vm))
    return Exit::ok;
  if (!on.empty() && text.empty() && queries.empty()) std::swap(path, text);  // no catalogue named
  if (!text.empty() + !queries.empty() + !vector_file.empty() + !image.empty() != 1)
    throw UsageError("give one of: a query text, --queries FILE, --vector-file FILE, --image FILE");
  if (search.k == 0) throw UsageError("-k: must be 1 or more (how many images to return)");
  if (vm.count("ef") && search.ef == 0) throw UsageError("--ef: must be 1 or more");
  if (vm.count("min-score") && !(search.min_score >= -1 && search.min_score <= 1)) {
    std::ostringstream given;
    given << search.min_score;
    throw UsageError("--min-score: a cosine similarity is between -1 and 1, not " + given.str());
  }
  search.mode = parse_mode(mode);
  for (const auto& condition : where) {
    try {
      search.where.push_back(Condition::parse(condition));
    } catch (const InputError& e) {
      throw UsageError(std::string("--") + e.what());
    }
  }

  if (!on.empty()) {
    if (!html.empty()) throw UsageError("--html does not go with --on");
    return search_on(on, path, text, search, json);
  }
  if (!html.empty()) check_can_create(html);  // before the work its failure would lose
  auto catalogue = open_catalogue(path, /*read_only=*/true);
  // Conditions no image meets give every search nothing: say why, once, before the work.
  if (const auto why = catalogue.why_no_image_matches(search.where); !why.empty())
    std::cerr << "picdex: --where: " << why << "\n";
  std::vector<QueryResults> page;  // for --html
  auto show = [&](std::string query, std::vector<Hit> hits) {
    if (!queries.empty()) {
      if (json) {
        std::cout << R"({"query":)" << nlohmann::json(query).dump() << R"(,"results":)"
                  << hits_json_array(hits, search.mode) << "}\n";
      } else {
        std::cout << "query: " << query << "\n";
        print_hits(hits, false, search.mode);
        std::cout << "\n";
      }
    } else {
      print_hits(hits, json, search.mode);
    }
    if (!html.empty()) page.push_back({std::move(query), std::move(hits)});
  };
  if (!image.empty()) {
    const auto& embedder = catalogue.embedder();
    if (!embedder.embeds_images())
      throw InputError(image + ": this catalogue's embedder (" + embedder.spec() +
                       ") embeds text only; --image needs a CLIP catalogue");
    const std::filesystem::path file(image);
    std::vector<float> vector(embedder.dim());
    embedder.embed_images({&file, 1}, vector, 0);
    show("the picture " + image, catalogue.search(vector, search));
  } else if (!vector_file.empty()) {
    Input input(vector_file);
    try {
      const auto vectors = read_vectors(input);
      for (const auto& [line, vector] : vectors) {
        std::vector<Hit> hits;
        try {
          hits = catalogue.search(vector, search);
        } catch (const InputError& e) {
          throw e.within({.file = input.source(), .line = line});
        }
        const auto where = line ? " on line " + std::to_string(line) : std::string();
        if (vectors.size() == 1) {
          show("the vector" + where + " of " + vector_file, std::move(hits));
        } else if (json) {  // one line per vector, as --queries gives one per query
          std::cout << R"({"line":)" << line << R"(,"results":)"
                    << hits_json_array(hits, search.mode) << "}\n";
          if (!html.empty()) page.push_back({"the vector" + where, std::move(hits)});
        } else {
          std::cout << "vector" << where << ":\n";
          print_hits(hits, false, search.mode);
          std::cout << "\n";
          if (!html.empty()) page.push_back({"the vector" + where, std::move(hits)});
        }
      }
    } catch (const InputError& e) {
      throw e.within({.file = input.source()});
    }
  } else if (queries.empty()) {
    show(text, catalogue.search(text, search));
  } else {
    Input input(queries);
    input.for_each_line([&](const std::string& line, std::size_t number) {
      std::vector<Hit> hits;
      try {
        hits = catalogue.search(line, search);
      } catch (const InputError& e) {
        throw e.within({.file = input.source(), .line = number, .field = "query"});
      }
      show(line, std::move(hits));
    });
  }
  if (!html.empty()) {
    const auto base = std::filesystem::absolute(path).parent_path();
    write_whole_file(html, [&](std::ostream& out) {
      write_results_page(out, page, "picdex: " + std::filesystem::path(path).filename().string(),
                         base);
    });
  }
  return Exit::ok;
}

}  // namespace picdex::cli
