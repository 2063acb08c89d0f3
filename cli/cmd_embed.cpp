// picdex embed: the vectors a catalogue's (or a named) embedder gives texts, for engines
// that search picdex's vectors elsewhere (and for `picdex search --vector-file`).
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"

namespace picdex::cli {
namespace {

// The model fingerprint a spec names ("...,fingerprint=168e2c2f"), or null.
nlohmann::json fingerprint_of(const std::string& spec) {
  const auto at = spec.find("fingerprint=");
  if (at == std::string::npos) return nullptr;
  const auto start = at + std::string_view("fingerprint=").size();
  return spec.substr(start, spec.find(',', start) - start);
}

}  // namespace

int cmd_embed(const Args& args) {
  std::vector<std::string> positional_args;
  std::string spec, queries;
  bool json = false, stored = false;
  po::options_description options("options");
  options.add_options()("args", po::value(&positional_args)->composing(), "CATALOGUE and TEXT")(
      "embedder", po::value(&spec),
      "embed with this embedder instead of a catalogue's: learned (the built-in model), "
      "learned:model=FILE, lexical, or a full spec as a catalogue stores it")(
      "queries", po::value(&queries), "embed every line of FILE (or - for stdin)")(
      "stored", po::bool_switch(&stored),
      "the vector a caption is stored with, not a query's (they differ for learned-v3, "
      "whose stored vectors carry a density term)")(
      "json", po::bool_switch(&json),
      "one JSON object per text: text, embedder, fingerprint, dim, vector");
  po::positional_options_description positional;
  positional.add("args", -1);
  po::variables_map vm;
  if (!parse(args,
             "picdex embed CATALOGUE TEXT [--json]\n"
             "       picdex embed --embedder SPEC TEXT [--json]\n"
             "       picdex embed CATALOGUE|--embedder SPEC --queries FILE|- [--json] [--stored]\n"
             "Prints each text's vector, the one a search for it uses: numbers separated by "
             "spaces\n(what search --vector-file reads), or JSON with --json.",
             options, positional, vm))
    return Exit::ok;
  const std::size_t wanted = (spec.empty() ? 1 : 0) + (queries.empty() ? 1 : 0);
  if (positional_args.size() != wanted)
    throw UsageError(spec.empty() ? (queries.empty() ? "give a catalogue and a text"
                                                     : "give a catalogue (or --embedder SPEC)")
                                  : (queries.empty() ? "give one text (or --queries FILE)"
                                                     : "with --embedder and --queries, give no "
                                                       "other argument"));

  std::optional<Catalogue> catalogue;
  std::unique_ptr<Embedder> named;
  if (spec.empty())
    catalogue.emplace(open_catalogue(positional_args.front(), true));
  else
    named = make_embedder(spec);
  const Embedder& embedder = catalogue ? catalogue->embedder() : *named;
  const auto embedder_spec = embedder.spec();
  std::vector<float> vector(embedder.dim());
  auto print = [&](const std::string& text) {
    if (stored)
      embedder.embed(text, vector);
    else
      embedder.embed_query(text, vector);
    if (!json) {
      write_numbers(std::cout, vector, ' ');
      std::cout << '\n';
      return;
    }
    std::ostringstream numbers;
    write_numbers(numbers, vector);
    std::cout << R"({"text":)" << nlohmann::json(text).dump() << R"(,"embedder":)"
              << nlohmann::json(embedder_spec).dump() << R"(,"fingerprint":)"
              << fingerprint_of(embedder_spec).dump() << R"(,"dim":)" << vector.size()
              << R"(,"vector":[)" << numbers.str() << "]}\n";
  };
  if (queries.empty()) {
    print(positional_args.back());
    return Exit::ok;
  }
  Input input(queries);
  input.for_each_line([&](const std::string& line, std::size_t number) {
    try {
      print(line);
    } catch (const InputError& e) {
      throw e.within({.file = input.source(), .line = number, .field = "query"});
    }
  });
  return Exit::ok;
}

}  // namespace picdex::cli
