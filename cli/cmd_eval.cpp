// picdex eval: retrieval quality of a catalogue on queries with known answers.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace picdex::cli {
namespace {

struct Query {
  std::string expected_uri;
  std::string text;
};

// Reads "expected_uri<TAB>query" lines; blank lines are skipped.
std::vector<Query> read_queries(const std::string& file) {
  Input input(file);
  std::vector<Query> queries;
  input.for_each_line([&](const std::string& line, std::size_t number) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 == line.size())
      throw InputError(input.source() + ":" + std::to_string(number) +
                       ": line: expected expected_uri<TAB>query");
    queries.push_back({line.substr(0, tab), line.substr(tab + 1)});
  });
  if (queries.empty()) throw InputError(input.source() + ": no queries");
  return queries;
}

// Recall at 1, 5 and 10, MRR and speed of one search mode over every query.
nlohmann::ordered_json evaluate(const Catalogue& catalogue, const std::vector<Query>& queries,
                                SearchOptions search) {
  std::size_t at1 = 0, at5 = 0, at10 = 0;
  double reciprocal_ranks = 0;
  Progress progress(std::string("evaluating ") + search_mode_name(search.mode));
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const auto hits = catalogue.search(queries[i].text, search);
    for (std::size_t rank = 1; rank <= hits.size(); ++rank) {
      if (hits[rank - 1].uri != queries[i].expected_uri) continue;
      at1 += rank <= 1;
      at5 += rank <= 5;
      at10 += rank <= 10;
      reciprocal_ranks += 1.0 / static_cast<double>(rank);
      break;
    }
    if (i % 256 == 0) progress.update(i, queries.size());
  }
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  const auto n = static_cast<double>(queries.size());
  return {{"mode", search_mode_name(search.mode)},
          {"recall@1", at1 / n},
          {"recall@5", at5 / n},
          {"recall@10", at10 / n},
          {"mrr", reciprocal_ranks / n},
          {"queries_per_second", n / seconds.count()}};
}

}  // namespace

int cmd_eval(const Args& args) {
  std::string path, file, mode = "all";
  SearchOptions search;
  search.k = 100;
  bool json = false;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "queries", po::value(&file)->required(),
      "expected_uri<TAB>query lines, or - for stdin (scripts/caption-protocol.sh makes them)")(
      "depth", po::value(&search.k)->default_value(search.k),
      "results per query; a right answer ranked deeper counts 0 in MRR")(
      "ef", po::value(&search.ef), "HNSW search breadth (default: the catalogue's)")(
      "mode", po::value(&mode)->default_value(mode),
      "vector, keyword, hybrid, or all (one line each)")("json", po::bool_switch(&json),
                                                         "print the figures as one JSON object");
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("queries", 1);
  po::variables_map vm;
  if (!parse(args, "picdex eval CATALOGUE QUERIES [--mode M] [--depth N] [--ef N] [--json]",
             options, positional, vm))
    return Exit::ok;
  if (search.k < 10) throw UsageError("--depth must be at least 10");
  std::vector<SearchMode> modes;
  if (mode == "all")
    modes = {SearchMode::vector, SearchMode::keyword, SearchMode::hybrid};
  else
    modes = {parse_mode(mode)};

  auto catalogue = open_catalogue(path, /*read_only=*/true);
  const auto queries = read_queries(file);
  const auto embedder = catalogue.stats().embedder;
  nlohmann::ordered_json figures = {
      {"queries", queries.size()}, {"images", catalogue.size()}, {"embedder", embedder}};
  auto& results = figures["modes"] = nlohmann::ordered_json::array();
  for (const auto m : modes) {
    search.mode = m;
    results.push_back(evaluate(catalogue, queries, search));
  }
  if (json) {
    std::cout << figures.dump() << "\n";
    return Exit::ok;
  }
  std::printf("%zu queries against %zu images (%s)\n", queries.size(), catalogue.size(),
              embedder.c_str());
  for (const auto& r : results)
    std::printf("%-8s R@1 %.3f  R@5 %.3f  R@10 %.3f  MRR %.3f  (%.0f queries/s, one thread)\n",
                r["mode"].get<std::string>().c_str(), r["recall@1"].get<double>(),
                r["recall@5"].get<double>(), r["recall@10"].get<double>(), r["mrr"].get<double>(),
                r["queries_per_second"].get<double>());
  return Exit::ok;
}

}  // namespace picdex::cli
