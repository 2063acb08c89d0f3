#include "datasets.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <picdex/picdex.hpp>
#include <random>
#include <stdexcept>

namespace bench {
namespace {

void normalise(std::vector<float>& v, std::size_t dim) {
  for (std::size_t i = 0; i < v.size(); i += dim) {
    double s = 0;
    for (std::size_t d = 0; d < dim; ++d) s += static_cast<double>(v[i + d]) * v[i + d];
    const auto scale = static_cast<float>(1 / std::sqrt(std::max(s, 1e-30)));
    for (std::size_t d = 0; d < dim; ++d) v[i + d] *= scale;
  }
}

// Reads .fvecs or .ivecs (per record: int32 dim, then dim 4-byte values) as raw words.
template <typename T>
std::vector<T> read_vecs(const std::string& path, std::size_t& dim) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::vector<T> out;
  std::int32_t d;
  while (in.read(reinterpret_cast<char*>(&d), 4)) {
    dim = static_cast<std::size_t>(d);
    const auto at = out.size();
    out.resize(at + dim);
    in.read(reinterpret_cast<char*>(out.data() + at), static_cast<std::streamsize>(dim * 4));
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::size_t>> exact_top_k(const Dataset& data) {
  const std::size_t q = data.query_count();
  std::vector<std::vector<std::size_t>> truth(q);
  std::vector<std::pair<float, std::size_t>> scored(data.n);
  for (std::size_t i = 0; i < q; ++i) {
    const float* query = data.queries.data() + i * data.dim;
    for (std::size_t j = 0; j < data.n; ++j) {
      float s = 0;
      const float* v = data.base.data() + j * data.dim;
      for (std::size_t d = 0; d < data.dim; ++d) s += query[d] * v[d];
      scored[j] = {-s, j};
    }
    const auto k = std::min(kK, data.n);
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k),
                      scored.end());
    for (std::size_t r = 0; r < k; ++r) truth[i].push_back(scored[r].second);
  }
  return truth;
}

double recall(const std::vector<std::vector<std::size_t>>& found,
              const std::vector<std::vector<std::size_t>>& truth) {
  std::size_t hit = 0, wanted = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto k = std::min(kK, truth[i].size());
    wanted += k;
    for (auto id : found[i])
      hit += std::find(truth[i].begin(), truth[i].begin() + static_cast<std::ptrdiff_t>(k), id) !=
             truth[i].begin() + static_cast<std::ptrdiff_t>(k);
  }
  return wanted ? static_cast<double>(hit) / static_cast<double>(wanted) : 0;
}

Dataset synthetic(std::size_t n, std::size_t dim) {
  Dataset data;
  data.name = "synthetic " + std::to_string(n) + " x " + std::to_string(dim);
  data.n = n;
  data.dim = dim;
  std::mt19937_64 rng(42);
  std::normal_distribution<float> normal;
  const std::size_t clusters = 100;
  std::vector<float> centres(clusters * dim);
  for (auto& c : centres) c = normal(rng);
  auto draw = [&](std::vector<float>& out, std::size_t count) {
    out.resize(count * dim);
    for (std::size_t i = 0; i < count; ++i) {
      const float* c = centres.data() + (rng() % clusters) * dim;
      for (std::size_t d = 0; d < dim; ++d) out[i * dim + d] = c[d] + 0.7f * normal(rng);
    }
    normalise(out, dim);
  };
  draw(data.base, n);
  draw(data.queries, 500);
  data.truth = exact_top_k(data);
  return data;
}

Dataset fvecs(const std::string& base, const std::string& queries, const std::string& truth_ivecs) {
  Dataset data;
  data.name = base;
  data.base = read_vecs<float>(base, data.dim);
  std::size_t query_dim = 0;
  data.queries = read_vecs<float>(queries, query_dim);
  if (query_dim != data.dim) throw std::runtime_error(queries + ": dimension differs from base");
  data.n = data.base.size() / data.dim;
  normalise(data.base, data.dim);
  normalise(data.queries, data.dim);
  data.truth = exact_top_k(data);
  if (!truth_ivecs.empty()) {
    std::size_t k = 0;
    const auto ids = read_vecs<std::int32_t>(truth_ivecs, k);
    for (std::size_t i = 0; i + k <= ids.size(); i += k)
      data.file_truth.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                   ids.begin() + static_cast<std::ptrdiff_t>(i + kK));
    data.file_truth.resize(data.query_count());
  }
  return data;
}

Dataset captions(const std::string& tsv, const std::string& embedder_spec) {
  std::ifstream in(tsv);
  if (!in) throw std::runtime_error(tsv + ": cannot be read");
  std::vector<std::string> others;
  Dataset data;
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find('\t'), b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const auto text = line.substr(b + 1);
    if (line.compare(a + 1, b - a - 1, "0") == 0)
      data.captions.push_back(text);
    else
      others.push_back(text);
  }
  const auto embedder = picdex::make_embedder(embedder_spec);
  data.embedder = embedder->spec();
  data.name = tsv + " (" + data.embedder + ")";
  data.n = data.captions.size();
  data.dim = embedder->dim();
  data.base.resize(data.n * data.dim);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < data.n; ++i)
    embedder->embed(data.captions[i], std::span<float>(data.base.data() + i * data.dim, data.dim));
  data.embed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::size_t q = std::min<std::size_t>(500, others.size());
  data.queries.resize(q * data.dim);
  for (std::size_t i = 0; i < q; ++i)
    embedder->embed(others[i * others.size() / q],
                    std::span<float>(data.queries.data() + i * data.dim, data.dim));
  data.truth = exact_top_k(data);
  return data;
}

Dataset from_arguments(const std::vector<std::string>& a) {
  const std::string kind = a.empty() ? "synthetic" : a[0];
  if (kind == "fvecs" && (a.size() == 3 || a.size() == 4))
    return fvecs(a[1], a[2], a.size() == 4 ? a[3] : "");
  if (kind == "captions" && (a.size() == 2 || a.size() == 3))
    return captions(a[1], a.size() == 3 ? a[2] : "learned");
  if (kind == "synthetic" && a.size() <= 3)
    return synthetic(a.size() > 1 ? std::stoul(a[1]) : 100000,
                     a.size() > 2 ? std::stoul(a[2]) : 512);
  throw std::invalid_argument("no such data set");
}

std::vector<std::string> read_caption_texts(const std::vector<std::string>& files) {
  std::vector<std::string> out;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file + ": cannot open");
    std::string line;
    while (std::getline(in, line)) {
      const auto tab = line.rfind('\t');
      if (tab != std::string::npos && tab + 1 < line.size()) out.push_back(line.substr(tab + 1));
    }
  }
  if (out.empty()) throw std::runtime_error("no captions read");
  return out;
}

void put_vectors(picdex::Catalogue& cat, const std::vector<float>& vectors, std::size_t dim,
                 const std::string& prefix) {
  constexpr std::size_t kBatch = 10000;
  std::vector<picdex::Image> batch;
  const std::size_t n = vectors.size() / dim;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = row(vectors, i, dim);
    batch.emplace_back(prefix + std::to_string(i), std::vector<std::string>{"v"}, "{}",
                       std::vector<std::vector<float>>{{v.begin(), v.end()}});
    if (batch.size() == kBatch || i + 1 == n) {
      cat.put(batch);
      batch.clear();
    }
  }
}

}  // namespace bench
