#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_init(const Args& args) {
  CreateOptions create;
  std::string path;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file to create")(
      "embedder", po::value(&create.embedder)->default_value(create.embedder),
      "learned (the built-in model), learned:model=FILE (picdex train), lexical, lexical:dim=N")(
      "m", po::value(&create.m)->default_value(create.m), "HNSW links per node")(
      "ef-construction", po::value(&create.ef_construction)->default_value(create.ef_construction),
      "HNSW build breadth")("ef-search",
                            po::value(&create.ef_search)->default_value(create.ef_search),
                            "default HNSW search breadth");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  if (!parse(args, "picdex init CATALOGUE [options]", options, positional, vm)) return Exit::ok;
  auto catalogue = Catalogue::create(path, create, open_options());
  std::cerr << "created " << path << " (" << catalogue.embedder().spec() << ")\n";
  return Exit::ok;
}

}  // namespace picdex::cli
