#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace picdex::cli {

int cmd_search(const Args& args) {
  std::string path, text, queries;
  SearchOptions search;
  bool json = false;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "text", po::value(&text), "what to look for")(
      "k,k", po::value(&search.k)->default_value(search.k), "how many images to return")(
      "ef", po::value(&search.ef), "HNSW search breadth (default: the catalogue's)")(
      "min-score", po::value(&search.min_score), "drop hits below this cosine similarity")(
      "queries", po::value(&queries), "run every line of FILE (or - for stdin) as a query")(
      "json", po::bool_switch(&json), "one JSON object per result (per query with --queries)");
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("text", 1);
  po::variables_map vm;
  if (!parse(args,
             "picdex search CATALOGUE TEXT [-k N] [--ef N] [--min-score S] [--json]\n"
             "       picdex search CATALOGUE --queries FILE|- [--json]",
             options, positional, vm))
    return Exit::ok;
  if (text.empty() == queries.empty())
    throw UsageError("give either a query text or --queries FILE");

  auto catalogue = open_catalogue(path, /*read_only=*/true);
  if (queries.empty()) {
    print_hits(catalogue.search(text, search), json);
    return Exit::ok;
  }

  Input input(queries);
  input.for_each_line([&](const std::string& line, std::size_t number) {
    std::vector<Hit> hits;
    try {
      hits = catalogue.search(line, search);
    } catch (const InputError& e) {
      throw InputError(input.source() + ":" + std::to_string(number) + ": query: " + e.what());
    }
    if (json) {
      std::cout << R"({"query":)" << nlohmann::json(line).dump() << R"(,"results":)"
                << hits_json_array(hits) << "}\n";
    } else {
      std::cout << "query: " << line << "\n";
      print_hits(hits, false);
      std::cout << "\n";
    }
  });
  return Exit::ok;
}

}  // namespace picdex::cli
