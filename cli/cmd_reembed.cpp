// picdex reembed: move a catalogue to another embedder (a newer default model, your own
// trained model), embedding every caption again; all or nothing.
#include <cstdio>
#include <memory>

#include "commands.hpp"

namespace picdex::cli {

int cmd_reembed(const Args& args) {
  std::string path, spec;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "embedder", po::value(&spec)->default_value("learned"),
      "the embedder to move to: learned (this build's default model), "
      "learned:model=FILE, lexical, ...");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  if (!parse(args, "picdex reembed CATALOGUE [--embedder SPEC]", options, positional, vm))
    return Exit::ok;
  auto open = open_options();
  // Two phases report progress: embedding the captions, then indexing them.
  auto bar = std::make_shared<std::unique_ptr<Progress>>();
  auto phase = std::make_shared<int>(0);
  open.observer.progress = [bar, phase](std::size_t done, std::size_t total) {
    if (!*bar) *bar = std::make_unique<Progress>((*phase)++ == 0 ? "embedding" : "indexing");
    (*bar)->update(done, total);
    if (done >= total) bar->reset();
  };
  auto catalogue = open_catalogue_with(path, open);
  const auto report = catalogue.reembed(spec);
  if (report.captions == 0) {
    std::fprintf(stderr, "%s already uses %s: nothing to do\n", path.c_str(), report.to.c_str());
    return Exit::ok;
  }
  std::fprintf(stderr, "re-embedded %s: %zu captions in %.1f s, %s -> %s; verify: %s\n",
               path.c_str(), report.captions, report.seconds, report.from.c_str(),
               report.to.c_str(), report.verify.ok() ? "ok" : "PROBLEMS FOUND");
  for (const auto& problem : report.verify.problems)
    std::fprintf(stderr, "problem: %s\n", problem.c_str());
  return report.verify.ok() ? Exit::ok : Exit::failure;
}

}  // namespace picdex::cli
