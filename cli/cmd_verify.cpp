#include <cstdio>

#include "commands.hpp"

namespace picdex::cli {

int cmd_verify(const Args& args) {
  std::string path;
  if (!parse_catalogue_only(args, "picdex verify CATALOGUE", path)) return Exit::ok;
  const auto report = open_catalogue(path, true).verify();
  for (const auto& problem : report.problems) std::printf("problem: %s\n", problem.c_str());
  std::printf(
      "%s: %zu images, %zu captions checked, sampled recall@10 %.3f, %.1f%% of the graph "
      "deleted%s: %s\n",
      path.c_str(), report.images, report.captions_checked, report.sampled_recall,
      100 * report.deleted_fraction, report.deleted_fraction > 0.1 ? " (picdex compact)" : "",
      report.ok() ? "ok" : "PROBLEMS FOUND");
  return report.ok() ? Exit::ok : Exit::failure;
}

}  // namespace picdex::cli
