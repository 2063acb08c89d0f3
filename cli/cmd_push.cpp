// picdex push: a catalogue into a running distributed engine (picdex/engines.hpp).
#include <chrono>
#include <iomanip>
#include <iostream>

#include "commands.hpp"

namespace picdex::cli {

int cmd_push(const Args& args) {
  std::string path, url;
  PushOptions push_options;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "url", po::value(&url)->required(),
      "the engine: clickhouse://HOST:PORT[,HOST:PORT...]/DB.TABLE[?cluster=NAME] or "
      "chroma://HOST:PORT/COLLECTION")(
      "batch", po::value(&push_options.batch)->default_value(push_options.batch),
      "images a request");
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("url", 1);
  po::variables_map vm;
  if (!parse(args,
             "picdex push CATALOGUE URL [--batch N]\n"
             "Copies the catalogue's images and vectors into a running engine; again after "
             "changes,\nonly what changed (removals too).",
             options, positional, vm))
    return Exit::ok;
  const auto catalogue = open_catalogue(path, /*read_only=*/true);
  Progress progress("push");
  push_options.progress = [&](std::size_t done, std::size_t total) {
    progress.update(done, total);
  };
  const auto start = std::chrono::steady_clock::now();
  const auto report = push(catalogue, url, push_options);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::cerr << "pushed " << path << " to " << url << ": " << report.sent << " sent, "
            << report.removed << " removed, " << report.unchanged << " unchanged in " << std::fixed
            << std::setprecision(1) << took.count() << " s\n";
  return Exit::ok;
}

}  // namespace picdex::cli
