// picdex export: the whole catalogue as JSONL that `picdex import` takes back.
#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_export(const Args& args) {
  std::string path, output;
  ExportOptions exporting;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "vectors", po::bool_switch(&exporting.vectors),
      "include each caption's vector (for catalogues made with --embedder none, or for other "
      "vector databases)")("output,o", po::value(&output),
                           "write to FILE (complete or not at all) instead of standard output");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  if (!parse(args, "picdex export CATALOGUE [--vectors] [-o FILE]", options, positional, vm))
    return Exit::ok;

  const auto catalogue = open_catalogue(path, /*read_only=*/true);
  Progress progress("exporting");
  const auto total = catalogue.size();
  exporting.progress = [&](std::size_t done) { progress.update(done, total); };
  if (output.empty()) {
    export_records(catalogue, std::cout, exporting);
    std::cout.flush();
    if (!std::cout) throw IoError("standard output: cannot write");
    return Exit::ok;
  }
  write_whole_file(output, [&](std::ostream& out) { export_records(catalogue, out, exporting); });
  return Exit::ok;
}

}  // namespace picdex::cli
