// Helpers shared by the tests: scratch folders, running the real binary, test data.
#pragma once

#include <picdex/picdex.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace picdex::test {

// A fresh folder under the system temp dir, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct Run {
  int status = -1;  // exit status
  std::string out;
  std::string err;
  long peak_rss_kb = 0;  // largest resident set (Linux counts the forking parent's pages too)
};

// How to start the binary, beyond its arguments.
struct RunLimits {
  long max_file_bytes = -1;  // RLIMIT_FSIZE: writes past it fail with EFBIG
  bool as_nobody = false;    // drop root to uid/gid 65534, so file permissions apply
};

// Why the binary cannot be run as uid 65534 here (not root; a build folder closed to other
// users), or nothing when it can.
std::optional<std::string> why_nobody_cannot_run();

// A test that cannot run here calls skip(why) and returns: it prints "skipped: WHY", and
// the test binary exits with kSkipped if nothing failed, which ctest reports as skipped.
constexpr int kSkipped = 77;
void skip(const std::string& why);
bool any_skipped();

// Runs the picdex binary with `args` (no shell), stdin from `input` when not empty.
Run run_picdex(const std::vector<std::string>& args, const std::string& input = "",
               const RunLimits& limits = {});

void write_file(const std::filesystem::path& path, const std::string& text);
// The whole file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

// Deterministic made-up captions: words built from syllables, `count` of them.
std::vector<std::string> synthetic_captions(std::size_t count, unsigned seed);

// The workload of the process tests: image "b<batch>/<item>" has one caption, unique
// (it holds the token "b<batch>i<item>") and deterministic.
std::string workload_uri(std::size_t batch, std::size_t item);
std::string workload_caption(std::size_t batch, std::size_t item);
// The batch an image of the workload belongs to, or -1 for another URI.
long workload_batch(const std::string& uri);

// Training options for small made-up data sets: 32 dimensions, batches of 64, 2 threads.
TrainOptions small_training(std::size_t epochs);

// `n` random unit vectors of `dim` floats, one after another (normal, then scaled).
std::vector<float> random_unit_vectors(std::size_t n, std::size_t dim, unsigned seed);

// The score a search for text `a` gives a stored caption `b` under `e`: the cosine of
// their vectors (a's as a query's).
float cosine(const Embedder& e, const std::string& a, const std::string& b);

// The URIs of hits, in order.
std::vector<std::string> uris(const std::vector<Hit>& hits);

// Options that keep persistence paths busy: snapshot after every change.
OpenOptions eager_snapshots();

}  // namespace picdex::test
