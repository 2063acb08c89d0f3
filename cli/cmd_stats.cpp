#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace picdex::cli {

int cmd_stats(const Args& args) {
  std::string path;
  bool json = false;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "json", po::bool_switch(&json), "print a JSON object");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  if (!parse(args, "picdex stats CATALOGUE [--json]", options, positional, vm)) return Exit::ok;
  const auto s = open_catalogue(path, true).stats();
  const nlohmann::ordered_json out = {{"images", s.images},
                                      {"captions", s.captions},
                                      {"pictures", s.pictures},
                                      {"deleted", s.deleted},
                                      {"dim", s.dim},
                                      {"embedder", s.embedder},
                                      {"file_bytes", s.file_bytes},
                                      {"graph_bytes", s.graph_bytes},
                                      {"last_seq", s.last_seq},
                                      {"snapshot_seq", s.snapshot_seq},
                                      {"log_entries", s.log_entries},
                                      {"format", s.format},
                                      {"m", s.m},
                                      {"ef_construction", s.ef_construction},
                                      {"ef_search", s.ef_search},
                                      {"graph", graph_precision_name(s.graph)}};
  if (json) {
    std::cout << out.dump() << "\n";
    return Exit::ok;
  }
  for (const auto& [key, value] : out.items())
    std::printf("%-16s %s\n", key.c_str(),
                value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
  return Exit::ok;
}

}  // namespace picdex::cli
