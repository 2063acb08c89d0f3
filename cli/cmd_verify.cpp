#include <cstdio>

#include "commands.hpp"

namespace picdex::cli {

int cmd_verify(const Args& args) {
  std::string path;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  if (!parse(args, "picdex verify CATALOGUE", options, positional, vm)) return Exit::ok;
  const auto report = open_catalogue(path, true).verify();
  for (const auto& problem : report.problems) std::printf("problem: %s\n", problem.c_str());
  std::printf("%s: %zu images, %zu captions checked, sampled recall@10 %.3f: %s\n", path.c_str(),
              report.images, report.captions_checked, report.sampled_recall,
              report.ok() ? "ok" : "PROBLEMS FOUND");
  return report.ok() ? Exit::ok : Exit::failure;
}

}  // namespace picdex::cli
