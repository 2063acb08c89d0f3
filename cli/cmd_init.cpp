#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_init(const Args& args) {
  CreateOptions create;
  std::string path;
  std::size_t dim = 0;
  std::string graph = "float32";
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file to create")(
      "embedder", po::value(&create.embedder)->default_value(create.embedder),
      "learned (the built-in model), learned:model=FILE (picdex train), lexical, none "
      "(vectors computed elsewhere, with --dim), or clip:MODEL.pt (builds with CLIP: "
      "pictures and text)")("dim", po::value(&dim),
                            "vector size: needed with --embedder none; lexical's size")(
      "m", po::value(&create.m)->default_value(create.m), "HNSW links per node")(
      "ef-construction", po::value(&create.ef_construction)->default_value(create.ef_construction),
      "HNSW build breadth")("ef-search",
                            po::value(&create.ef_search)->default_value(create.ef_search),
                            "default HNSW search breadth")(
      "graph", po::value(&graph)->default_value(graph),
      "how the graph holds vectors: float32, or int8 (a quarter of the memory, faster; "
      "scores stay exact)");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  if (!parse(args,
             "picdex init CATALOGUE [--embedder SPEC] [--dim N] [--graph float32|int8]\n"
             "                   [--m N] [--ef-construction N] [--ef-search N]",
             options, positional, vm))
    return Exit::ok;
  create.graph = parse_graph_precision(graph);
  if (dim > 0) {
    if (create.embedder != "none" && create.embedder != "lexical")
      throw UsageError("--dim goes with --embedder none or --embedder lexical");
    create.embedder += ":dim=" + std::to_string(dim);
  } else if (create.embedder == "none") {
    throw UsageError("--embedder none needs --dim N, the size of your vectors");
  }
  auto catalogue = Catalogue::create(path, create, open_options());
  std::cerr << "created " << path << " (" << catalogue.embedder().spec();
  if (create.graph != GraphPrecision::float32)
    std::cerr << ", " << graph_precision_name(create.graph) << " graph";
  std::cerr << ")\n";
  return Exit::ok;
}

}  // namespace picdex::cli
