// rebuild and checkpoint: the two commands that write the graph snapshot.
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

}  // namespace picdex::cli
