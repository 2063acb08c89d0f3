#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_remove(const Args& args) {
  std::string path;
  std::vector<std::string> uris;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "uri", po::value(&uris)->required()->multitoken(), "URIs of the images to remove");
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("uri", -1);
  po::variables_map vm;
  if (!parse(args, "picdex remove CATALOGUE URI...", options, positional, vm)) return Exit::ok;
  auto catalogue = open_catalogue(path);
  std::vector<std::string> missing;
  for (const auto& uri : uris) {
    if (catalogue.remove(uri))
      std::cerr << "removed " << uri << "\n";
    else
      missing.push_back(uri);
  }
  if (!missing.empty()) throw NotFoundError(missing.front() + ": not in the catalogue");
  return Exit::ok;
}

}  // namespace picdex::cli
