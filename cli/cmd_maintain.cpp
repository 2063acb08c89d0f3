// rebuild and checkpoint: the two commands that write the graph snapshot.
#include <iostream>

#include "commands.hpp"

namespace picdex::cli {
namespace {

std::string catalogue_only(const Args& args, const std::string& usage, bool& help) {
  std::string path;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  help = !parse(args, usage, options, positional, vm);
  return path;
}

}  // namespace

int cmd_rebuild(const Args& args) {
  bool help;
  const auto path = catalogue_only(args, "picdex rebuild CATALOGUE", help);
  if (help) return Exit::ok;
  auto catalogue = open_catalogue(path);
  catalogue.rebuild_index();
  std::cerr << "rebuilt the graph of " << path << " (" << catalogue.caption_count()
            << " captions)\n";
  return Exit::ok;
}

int cmd_checkpoint(const Args& args) {
  bool help;
  const auto path = catalogue_only(args, "picdex checkpoint CATALOGUE", help);
  if (help) return Exit::ok;
  open_catalogue(path).checkpoint();
  std::cerr << "saved the graph of " << path << "\n";
  return Exit::ok;
}

}  // namespace picdex::cli
