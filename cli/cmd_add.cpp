#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_add(const Args& args) {
  std::string path;
  Image image;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "uri", po::value(&image.uri)->required(), "the image's URI (path or URL)")(
      "caption", po::value(&image.captions)->required()->multitoken(), "one or more captions")(
      "meta", po::value(&image.metadata)->default_value("{}"), "metadata as a JSON object");
  Limits limits;
  add_limit_options(options, limits);
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("uri", 1).add("caption", -1);
  po::variables_map vm;
  if (!parse(args, "picdex add CATALOGUE URI CAPTION... [--meta JSON]", options, positional, vm))
    return Exit::ok;
  auto catalogue = open_catalogue(path, false, limits);
  const auto result = catalogue.put(image);
  std::cerr << (result.added     ? "added "
                : result.updated ? "updated "
                                 : "unchanged ")
            << image.uri << "\n";
  return Exit::ok;
}

}  // namespace picdex::cli
