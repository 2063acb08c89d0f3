// start_up: what a picdex command costs as a fresh process, against a bare process that
// opens the same SQLite file and reads one row (bare_open), in the same run: the rounds
// alternate bare, stats, get, search, and each is reported as its median wall time and
// that median's ratio to the bare one's.
//   start_up CATALOGUE URI QUERY [ROUNDS]   (URI: an image of the catalogue, for get)
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "measure.hpp"

int main(int argc, char** argv) {
  const std::string first = argc > 1 ? argv[1] : "";
  if (first == "--measure" && argc > 3) return bench::measure(argv[2], argv + 3);
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: start_up CATALOGUE URI QUERY [ROUNDS]\n");
    return 64;
  }
  const std::string catalogue = argv[1], uri = argv[2], query = argv[3];
  const int rounds = argc == 5 ? std::stoi(argv[4]) : 21;
  struct Command {
    std::string name;
    std::vector<std::string> args;
    std::vector<double> seconds;
  };
  std::vector<Command> commands = {
      {"bare open + one row", {PICDEX_BARE_OPEN, catalogue}, {}},
      {"picdex stats", {PICDEX_BINARY, "stats", catalogue}, {}},
      {"picdex get", {PICDEX_BINARY, "get", catalogue, uri}, {}},
      {"picdex search (text)", {PICDEX_BINARY, "search", catalogue, query}, {}},
  };
  for (auto& c : commands) bench::run_measured(c.args);  // warm the page cache
  for (int round = 0; round < rounds; ++round)
    for (auto& c : commands) {
      const auto run = bench::run_measured(c.args);
      if (run.seconds < 0) {
        std::fprintf(stderr, "start_up: %s failed\n", c.name.c_str());
        return 1;
      }
      c.seconds.push_back(run.seconds);
    }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto spread = [](const std::vector<double>& v) {
    const auto [low, high] = std::minmax_element(v.begin(), v.end());
    return std::make_pair(*low, *high);
  };
  std::printf("%s: %d alternating rounds, one process each\n", catalogue.c_str(), rounds);
  std::printf("  %-22s %9s %9s %9s %7s\n", "command", "median", "min", "max", "ratio");
  const double bare = median(commands[0].seconds);
  for (const auto& c : commands) {
    const auto [low, high] = spread(c.seconds);
    std::printf("  %-22s %6.1f ms %6.1f ms %6.1f ms %7.2f\n", c.name.c_str(),
                median(c.seconds) * 1e3, low * 1e3, high * 1e3, median(c.seconds) / bare);
  }
  return 0;
}
