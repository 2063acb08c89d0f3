#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace picdex::cli {

int cmd_get(const Args& args) {
  std::string path, uri;
  bool json = false;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "uri", po::value(&uri)->required(), "the image's URI")("json", po::bool_switch(&json),
                                                             "print a JSON object");
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("uri", 1);
  po::variables_map vm;
  if (!parse(args, "picdex get CATALOGUE URI [--json]", options, positional, vm)) return Exit::ok;
  const auto image = open_catalogue(path, true).get(uri);
  const auto metadata = nlohmann::json::parse(image.metadata);
  if (json) {
    nlohmann::json out{{"uri", image.uri}, {"captions", image.captions}, {"metadata", metadata}};
    if (!image.picture.empty()) out["image"] = image.picture;
    std::cout << out.dump() << "\n";
    return Exit::ok;
  }
  std::cout << "uri: " << image.uri << "\nmetadata: " << metadata.dump() << "\ncaptions:\n";
  for (const auto& c : image.captions) std::cout << "  " << c << "\n";
  if (!image.picture.empty()) std::cout << "picture: " << image.picture << "\n";
  return Exit::ok;
}

}  // namespace picdex::cli
