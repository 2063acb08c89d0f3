#include "support.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace picdex::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "picdex-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

Run run_picdex(const std::vector<std::string>& args, const std::string& input,
               const RunLimits& limits) {
  TempDir io;
  const auto in_path = io / "stdin", out_path = io / "stdout", err_path = io / "stderr";
  write_file(in_path, input);
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = open(in_path.c_str(), O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0), dup2(out, 1), dup2(err, 2);
    if (limits.max_file_bytes >= 0) {
      const rlimit limit{static_cast<rlim_t>(limits.max_file_bytes),
                         static_cast<rlim_t>(limits.max_file_bytes)};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (limits.as_nobody && getuid() == 0 &&
        (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
      _exit(126);
    std::vector<char*> argv{const_cast<char*>(PICDEX_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(PICDEX_BINARY, argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_path), slurp(err_path),
          usage.ru_maxrss};
}

std::optional<std::string> why_nobody_cannot_run() {
  if (getuid() != 0) return "needs root, to run the binary as the unprivileged user 65534";
  static const auto status = run_picdex({"--help"}, "", {.as_nobody = true}).status;
  if (status != 0)
    return std::string("uid 65534 cannot run ") + PICDEX_BINARY +
           " (is the build folder closed to other users?)";
  return std::nullopt;
}

namespace {
bool skipped_any = false;
}

void skip(const std::string& why) {
  skipped_any = true;
  std::cerr << "skipped: " << why << std::endl;
}

bool any_skipped() {
  return skipped_any;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<float> random_unit_vectors(std::size_t n, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> out(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (std::size_t d = 0; d < dim; ++d) {
      out[i * dim + d] = normal(rng);
      norm += static_cast<double>(out[i * dim + d]) * out[i * dim + d];
    }
    for (std::size_t d = 0; d < dim; ++d) out[i * dim + d] /= static_cast<float>(std::sqrt(norm));
  }
  return out;
}

std::vector<std::string> synthetic_captions(std::size_t count, unsigned seed) {
  static const char* kOnsets[] = {"b", "d", "f", "g", "k", "l",  "m",  "n",  "p",
                                  "r", "s", "t", "v", "z", "br", "st", "tr", "pl"};
  static const char* kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou"};
  std::mt19937 rng(seed);
  // A vocabulary of 2,000 two- and three-syllable words, Zipf-like use.
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 2000; ++i) {
    std::string w;
    for (int s = 0, n = 2 + static_cast<int>(rng() % 2); s < n; ++s)
      w += std::string(kOnsets[rng() % 18]) + kVowels[rng() % 7];
    vocabulary.push_back(w);
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string caption;
    for (int w = 0, n = 4 + static_cast<int>(rng() % 6); w < n; ++w) {
      const double u = std::uniform_real_distribution<>(0, 1)(rng);
      const auto index = static_cast<std::size_t>(std::pow(u, 2.0) * vocabulary.size());
      caption += (w ? " " : "") + vocabulary[std::min(index, vocabulary.size() - 1)];
    }
    out.push_back(caption);
  }
  return out;
}

std::string workload_uri(std::size_t batch, std::size_t item) {
  std::string uri(1, 'b');  // (built up in steps: g++ 12 warns falsely on "b" + string)
  uri += std::to_string(batch);
  uri += '/';
  uri += std::to_string(item);
  return uri;
}

std::string workload_caption(std::size_t batch, std::size_t item) {
  static const auto words = synthetic_captions(4096, 77);
  const auto mix = batch * 7919 + item * 104729;
  return words[mix % words.size()] + " b" + std::to_string(batch) + "i" + std::to_string(item);
}

long workload_batch(const std::string& uri) {
  if (uri.size() < 3 || uri[0] != 'b') return -1;
  const auto slash = uri.find('/');
  if (slash == std::string::npos) return -1;
  try {
    return std::stol(uri.substr(1, slash - 1));
  } catch (const std::exception&) {
    return -1;
  }
}

std::vector<std::string> uris(const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.uri);
  return out;
}

OpenOptions eager_snapshots() {
  OpenOptions o;
  o.checkpoint_after = 1;
  return o;
}

TrainOptions small_training(std::size_t epochs) {
  TrainOptions o;
  o.dims = 32;
  o.epochs = epochs;
  o.batch = 64;
  o.min_count = 2;
  o.buckets = 64;
  o.learning_rate = 0.01;
  o.threads = 2;
  return o;
}

float cosine(const Embedder& e, const std::string& a, const std::string& b) {
  std::vector<float> x(e.dim()), y(e.dim());
  e.embed_query(a, x);
  e.embed(b, y);
  float s = 0;
  for (std::size_t d = 0; d < x.size(); ++d) s += x[d] * y[d];
  return s;
}

}  // namespace picdex::test
