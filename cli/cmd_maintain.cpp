// rebuild, checkpoint and compact: the commands that rewrite the graph snapshot.
#include <cstdio>
#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_rebuild(const Args& args) {
  std::string path;
  if (!parse_catalogue_only(args, "picdex rebuild CATALOGUE", path)) return Exit::ok;
  auto catalogue = open_catalogue(path);
  catalogue.rebuild_index();
  std::cerr << "rebuilt the graph of " << path << " (" << catalogue.caption_count()
            << " captions)\n";
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

}  // namespace picdex::cli
