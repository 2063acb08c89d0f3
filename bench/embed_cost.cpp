// embed_cost: what embedding a caption costs, single-threaded, for the learned embedder
// against the lexical one and against 0.1.0's learned model (learned-v1) in the same run on
// the same captions, and what loading each model costs. learned-v3 adds, for a stored
// caption, its density against the reference (queries cost what learned does).
//   embed_cost CAPTIONS_TSV [MODEL_FILE]   (captions: the caption is the last column)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <picdex/picdex.hpp>
#include <string>
#include <vector>

#include "measure.hpp"

namespace {

// Seconds per caption: the first of three passes, and the best.
struct Cost {
  double first, best;
};
Cost per_caption(const picdex::Embedder& e, const std::vector<std::string>& captions) {
  std::vector<float> out(e.dim());
  Cost cost{0, 1e9};
  for (int pass = 0; pass < 3; ++pass) {
    const auto start = bench::Clock::now();
    for (const auto& c : captions) e.embed(c, out);
    const double seconds = bench::seconds_since(start) / static_cast<double>(captions.size());
    if (pass == 0) cost.first = seconds;
    cost.best = std::min(cost.best, seconds);
  }
  return cost;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: embed_cost CAPTIONS_TSV [MODEL_FILE]\n");
    return 64;
  }
  std::vector<std::string> captions;
  std::ifstream in(argv[1]);
  for (std::string line; std::getline(in, line);)
    captions.push_back(line.substr(line.rfind('\t') + 1));

  auto start = bench::Clock::now();
  const auto learned = picdex::make_embedder(argc > 2 ? std::string("learned:model=") + argv[2]
                                                      : std::string("learned"));
  const double load = bench::seconds_since(start);
  start = bench::Clock::now();
  const auto old = picdex::make_embedder("learned-v1");
  const double old_load = bench::seconds_since(start);
  const auto lexical = picdex::make_embedder("lexical");
  // learned-v3: the same model, and each stored caption's density against its reference.
  const auto dense = picdex::make_embedder(argc > 2 ? std::string("learned-v3:model=") + argv[2]
                                                    : std::string("learned-v3"));
  // The learned embedder goes first: its first pass meets every word for the first time
  // in this process (the text analysis of a word is kept per thread, for all embedders).
  const auto learned_cost = per_caption(*learned, captions);
  const double l = learned_cost.best, x = per_caption(*lexical, captions).best,
               o = per_caption(*old, captions).best, d = per_caption(*dense, captions).best;
  std::printf("%zu captions, one thread (best of three passes)\n", captions.size());
  std::printf("learned, first pass (words met for the first time) %6.2f us/caption\n",
              learned_cost.first * 1e6);
  std::printf("learned %-48s %6.2f us/caption\n", learned->spec().c_str(), l * 1e6);
  std::printf("stored  %-48s %6.2f us/caption\n", dense->spec().c_str(), d * 1e6);
  std::printf("lexical %-48s %6.2f us/caption\n", lexical->spec().c_str(), x * 1e6);
  std::printf("0.1.0's %-48s %6.2f us/caption\n", old->spec().c_str(), o * 1e6);
  std::printf("learned / lexical: %.2f; learned / 0.1.0's learned: %.2f\n", l / x, l / o);
  std::printf("model load (read, check, index): %.1f ms; 0.1.0's: %.1f ms\n", load * 1e3,
              old_load * 1e3);
  return 0;
}
