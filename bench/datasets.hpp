// The vector sets compare_hnswlib runs on: unit vectors (picdex searches by cosine), a
// set of queries, and each query's exact top 10 by cosine.
#pragma once

#include <cstddef>
#include <picdex/picdex.hpp>
#include <span>
#include <string>
#include <vector>

namespace bench {

inline constexpr std::size_t kK = 10;

struct Dataset {
  std::string name;
  std::size_t n = 0, dim = 0;
  std::vector<float> base;                      // n x dim, unit length
  std::vector<float> queries;                   // q x dim, unit length
  std::vector<std::vector<std::size_t>> truth;  // exact top-k ids per query (cosine)
  // The file's own ground truth (bigann's squared L2 on the raw vectors), when given.
  std::vector<std::vector<std::size_t>> file_truth;
  // For caption sets: the base captions' text, and seconds the embedder took for them.
  std::vector<std::string> captions;
  std::string embedder;
  double embed_seconds = 0;

  std::size_t query_count() const { return queries.size() / dim; }
};

// Clustered Gaussian vectors (100 centres), seeded: always the same set.
Dataset synthetic(std::size_t n, std::size_t dim);
// .fvecs base and queries; `truth_ivecs` may be empty.
Dataset fvecs(const std::string& base, const std::string& queries, const std::string& truth_ivecs);
// Captions (image_id<TAB>index<TAB>caption): caption #0 of each image is the base, up to
// 500 of the others, spread evenly, are the queries; embedded with `embedder`.
Dataset captions(const std::string& tsv, const std::string& embedder);

// The data set a benchmark's arguments name: "synthetic [N] [DIM]" (100,000 × 512 by
// default; no arguments at all too), "fvecs BASE QUERY [TRUTH]" or "captions CAPTIONS.tsv
// [EMBEDDER]". Throws std::invalid_argument for any other form (print the usage), and
// std::runtime_error when a file cannot be read.
Dataset from_arguments(const std::vector<std::string>& args);

// The captions of caption files (the last tab-separated field of each line), in order.
std::vector<std::string> read_caption_texts(const std::vector<std::string>& files);

// Exact top-k ids of every query by inner product over `base`.
std::vector<std::vector<std::size_t>> exact_top_k(const Dataset& data);

// Fraction of the true top-k found, over all queries.
double recall(const std::vector<std::vector<std::size_t>>& found,
              const std::vector<std::vector<std::size_t>>& truth);

// Row i of `v`, a matrix of `dim` columns.
inline std::span<const float> row(const std::vector<float>& v, std::size_t i, std::size_t dim) {
  return {v.data() + i * dim, dim};
}

// Puts vectors as images "PREFIX<i>", one caption each, 10,000 to a transaction, into a
// catalogue of external vectors ("none" embedder).
void put_vectors(picdex::Catalogue& cat, const std::vector<float>& vectors, std::size_t dim,
                 const std::string& prefix);

}  // namespace bench
