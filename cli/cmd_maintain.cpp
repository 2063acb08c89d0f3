// rebuild, checkpoint, compact and upgrade: the commands that rewrite a catalogue but
// not its content.
#include <cstdio>
#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_rebuild(const Args& args) {
  std::string path, graph;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "graph", po::value(&graph),
      "rebuild the graph holding vectors as float32 or int8, and keep it so (default: as it is)");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  if (!parse(args, "picdex rebuild CATALOGUE [--graph float32|int8]", options, positional, vm))
    return Exit::ok;
  std::optional<GraphPrecision> precision;
  if (!graph.empty()) precision = parse_graph_precision(graph);
  auto catalogue = open_catalogue(path);
  catalogue.rebuild_index(precision);
  std::cerr << "rebuilt the graph of " << path << " (" << catalogue.caption_count() << " captions, "
            << graph_precision_name(catalogue.stats().graph) << ")\n";
  return Exit::ok;
}

int cmd_checkpoint(const Args& args) {
  std::string path;
  if (!parse_catalogue_only(args, "picdex checkpoint CATALOGUE", path)) return Exit::ok;
  open_catalogue(path).checkpoint();
  std::cerr << "saved the graph of " << path << "\n";
  return Exit::ok;
}

int cmd_compact(const Args& args) {
  std::string path;
  if (!parse_catalogue_only(args, "picdex compact CATALOGUE", path)) return Exit::ok;
  const auto r = open_catalogue(path).compact();
  constexpr double kMB = 1e6;
  std::fprintf(stderr,
               "compacted %s: %zu deleted graph entries dropped; database %.1f MB -> %.1f MB, "
               "graph %.1f MB -> %.1f MB\n",
               path.c_str(), r.dropped, r.file_bytes_before / kMB, r.file_bytes_after / kMB,
               r.graph_bytes_before / kMB, r.graph_bytes_after / kMB);
  return Exit::ok;
}

int cmd_upgrade(const Args& args) {
  std::string path;
  if (!parse_catalogue_only(args, "picdex upgrade CATALOGUE", path)) return Exit::ok;
  int before = 0;  // older than any format a read-only open reads
  try {
    before = Catalogue::open(path, open_options(true)).stats().format;
  } catch (const UpgradeNeededError&) {
  }
  // A read-write open migrates the schema.
  const auto after = Catalogue::open(path, open_options(false)).stats().format;
  if (before == after)
    std::cerr << path << " is in this build's format (" << after << ") already\n";
  else
    std::cerr << "upgraded " << path << " to format " << after << "\n";
  return Exit::ok;
}

}  // namespace picdex::cli
