// sync_cost: what durable commits cost. Imports the same captions into fresh catalogues
// with OpenOptions::durable_commits true (SQLite synchronous=FULL: each commit synced, the
// default) and false (NORMAL: synced at checkpoints), in batches of 1, 10 and 1,000
// images, alternating the two in each of three rounds, one process, one folder.
//   sync_cost CAPTIONS.tsv [IMAGES=2000] [FOLDER=.]
// CAPTIONS.tsv: image_id<TAB>index<TAB>caption (caption #0 of each image is imported).
// Prints images/s of each mode's best round and the ratio FULL / NORMAL.
#include <picdex/picdex.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "measure.hpp"

namespace {

std::vector<picdex::Image> first_captions(const std::string& tsv, std::size_t most) {
  std::ifstream in(tsv);
  std::vector<picdex::Image> images;
  for (std::string line; images.size() < most && std::getline(in, line);) {
    const auto a = line.find('\t'), b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos || line.substr(a + 1, b - a - 1) != "0")
      continue;
    images.push_back({line.substr(0, a), {line.substr(b + 1)}, "{}"});
  }
  return images;
}

// Seconds to put `images` in batches of `batch` into a new catalogue at `path`.
double import_seconds(const std::vector<picdex::Image>& images, std::size_t batch,
                      const std::filesystem::path& path, bool durable) {
  for (const auto& stale : {path, std::filesystem::path(path.string() + "-wal"),
                            std::filesystem::path(path.string() + "-shm")})
    std::filesystem::remove(stale);
  picdex::OpenOptions options;
  options.durable_commits = durable;
  auto catalogue = picdex::Catalogue::create(path, {}, options);
  const auto start = bench::Clock::now();
  for (std::size_t at = 0; at < images.size(); at += batch)
    catalogue.put(std::span(images).subspan(at, std::min(batch, images.size() - at)));
  return bench::seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sync_cost CAPTIONS.tsv [IMAGES=2000] [FOLDER=.]\n";
    return 64;
  }
  const auto images = first_captions(argv[1], argc > 2 ? std::stoul(argv[2]) : 2000);
  const std::filesystem::path folder = argc > 3 ? argv[3] : ".";
  if (images.empty()) {
    std::cerr << argv[1] << ": no caption #0 lines\n";
    return 65;
  }
  std::printf("%zu images (caption #0 of each), best of 3 alternating rounds\n", images.size());
  std::printf("| batch | FULL (default), images/s | NORMAL, images/s | FULL / NORMAL |\n");
  std::printf("|---|---|---|---|\n");
  for (const std::size_t batch : {1, 10, 1000}) {
    double full = 1e300, normal = 1e300;
    for (int round = 0; round < 3; ++round) {
      full = std::min(full, import_seconds(images, batch, folder / "sync-cost.pdx", true));
      normal = std::min(normal, import_seconds(images, batch, folder / "sync-cost.pdx", false));
    }
    std::printf("| %zu | %.0f | %.0f | %.2f |\n", batch, images.size() / full,
                images.size() / normal, normal / full);
  }
  for (const auto& stale : std::filesystem::directory_iterator(folder))
    if (stale.path().filename().string().starts_with("sync-cost.pdx"))
      std::filesystem::remove(stale.path());
  return 0;
}
