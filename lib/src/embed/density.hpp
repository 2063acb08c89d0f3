// Density correction for the learned embedder (learned-v3). Some captions lie close to
// very many others ("a man in a shirt") and come first in searches they do not answer
// (hubness). A caption's density is the mean of its `k` highest cosines with a fixed
// sample of training captions; searches rank by cosine - weight x density.
//
// That stays an inner product of unit vectors, so graphs, exports and engines need
// nothing new: a stored caption's unit vector u becomes
//   [a.u, b.density, b.sqrt(1 - density^2)]  and a query's q  [a.q, -b, 0],
// with a^2 = 1/(1 + weight) and b^2 = weight/(1 + weight); their inner product is
// (cos(q, u) - weight x density) / (1 + weight).
//
// Searches show that inner product mapped back to cosine units, relative to the query's
// own density: (1 + weight) x inner product + weight x density(q), which is
// cos(q, u) - weight x (density(u) - density(q)). A caption searched for by its own text
// scores 1, and the map is the same for every hit of a query, so it never reorders them.
//
// File (.pdxr, little-endian): "PDXDENS1", u32 dims, u32 count, u32 k, f32 weight, the
// model's fingerprint (8 ASCII hex digits), `count` rows (f32 scale then dims x i8, unit
// vectors), then an XXH3-64 checksum of everything before it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "embed/quantised_rows.hpp"
#include "picdex/embedder.hpp"

namespace picdex::embed {

class DensityReference {
 public:
  // From the unit vectors of the sample's captions (rows.size() / dims of them), made by
  // the model with fingerprint `model_fingerprint`.
  DensityReference(std::uint32_t dims, std::uint32_t k, float weight, std::string model_fingerprint,
                   std::span<const float> rows);

  // Reads and checks a file. Throws FormatError naming `name` and what is wrong. Refers
  // to `bytes` (kept alive by `owner`, or static when null) rather than copying them.
  static DensityReference read(std::span<const std::byte> bytes, const std::string& name,
                               std::shared_ptr<const void> owner = nullptr);
  // Throws NotFoundError if the file cannot be read.
  static DensityReference load(const std::filesystem::path& path);
  // Atomically (temp file, rename). Throws IoError.
  void save(const std::filesystem::path& path) const;

  std::uint32_t dims() const { return dims_; }
  std::uint32_t k() const { return k_; }
  float weight() const { return weight_; }
  std::size_t size() const { return rows_.size(); }
  // Of the model the sample was embedded with.
  const std::string& model_fingerprint() const { return model_fingerprint_; }
  // The first 8 hex digits of the file's checksum: names it in embedder specs.
  const std::string& fingerprint() const { return fingerprint_; }

  // The mean of the k highest inner products of `unit` (dims() numbers) with the sample.
  float density(std::span<const float> unit) const;
  // dims() + 2 numbers to `out`: the stored form of a caption's unit vector, and a query's.
  void stored_form(std::span<const float> unit, std::span<float> out) const;
  void query_form(std::span<const float> unit, std::span<float> out) const;
  // How a search with `query` (a query form, dims() + 2 numbers) shows its hits: above.
  ScoreMap score_map(std::span<const float> query) const;

 private:
  DensityReference() = default;
  std::vector<std::byte> serialise() const;
  std::size_t padded_dims() const { return (dims_ + 63) / 64 * 64; }  // whole SIMD blocks
  void index_rows();
  // out[i] = the integer dot product of `shifted` (padded_dims() bytes) with row i's codes.
  void dot_rows(const std::uint8_t* shifted, std::int32_t* out) const;

  std::uint32_t dims_ = 0, k_ = 0;
  float weight_ = 0;
  std::string model_fingerprint_, fingerprint_;
  QuantisedRows rows_;
  std::vector<std::int8_t> codes_;      // rows_' codes, each padded to padded_dims()
  std::vector<std::int32_t> row_sums_;  // the sum of each row's codes
  std::vector<float> scales_;           // each row's scale
};

}  // namespace picdex::embed
