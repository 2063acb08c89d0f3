// train_model: symmetric InfoNCE over in-batch negatives, Adam on the rows a step touches
// (and on the word-vector projection, when there is one). Deterministic for a seed and
// any thread count: parallel work writes disjoint outputs, and gradients are summed in
// one fixed order.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "embed/density.hpp"
#include "embed/features.hpp"
#include "embed/learned.hpp"
#include "embed/model.hpp"
#include "embed/text.hpp"
#include "learn/word_vectors.hpp"
#include "picdex/error.hpp"
#include "picdex/train.hpp"
#include "threads/parallel_for.hpp"

namespace picdex {
namespace {

using embed::Feature;
using embed::FeatureKind;
using embed::FeatureWeights;

FeatureWeights parse_feature_set(const std::string& set) {
  FeatureWeights on, out{0, 0, 0, 0};
  std::size_t start = 0;
  while (start <= set.size()) {
    const auto comma = std::min(set.find(',', start), set.size());
    const auto name = set.substr(start, comma - start);
    if (name == "stems")
      out.stem = on.stem;
    else if (name == "bigrams")
      out.bigram = on.bigram;
    else if (name == "trigrams")
      out.trigram = on.trigram;
    else if (name == "concepts")
      out.concepts = on.concepts;
    else
      throw InputError("features: unknown feature set '" + name +
                       "' (known: stems, bigrams, trigrams, concepts)");
    start = comma + 1;
  }
  if (out.stem + out.bigram + out.trigram + out.concepts == 0)
    throw InputError("features: choose at least one");
  return out;
}

struct Term {
  std::uint32_t row;
  float weight;
  bool stem;  // a word's own row, which word dropout may leave out
};

// A caption as training sees it: its rows, and where its word-vector sum is kept.
struct Caption {
  std::vector<Term> terms;
  std::size_t index;  // into the word sums
};

// The model's word table: every word of the file whose normalised form is one word (the
// first spelling of each), among the `most_frequent` or used in training; unit length.
embed::WordTable build_word_table(const learn::WordVectors& vectors, std::size_t most_frequent,
                                  const std::unordered_map<std::uint64_t, std::uint32_t>& used) {
  std::vector<std::pair<std::uint64_t, std::size_t>> chosen;  // hash, index in the file
  std::unordered_map<std::uint64_t, bool> seen;
  for (std::size_t i = 0; i < vectors.words.size(); ++i) {
    std::string normal;
    try {
      normal = embed::normalise(vectors.words[i]);
    } catch (const InputError&) {
      continue;
    }
    const auto split = embed::words(normal);
    if (split.size() != 1 || split[0] != normal) continue;
    const auto hash = embed::feature_hash(FeatureKind::word, normal);
    if (!seen.emplace(hash, true).second) continue;
    if (i < most_frequent || used.count(hash)) chosen.emplace_back(hash, i);
  }
  std::sort(chosen.begin(), chosen.end());
  std::vector<std::uint64_t> hashes;
  std::vector<float> values;
  for (const auto& [hash, i] : chosen) {
    hashes.push_back(hash);
    const auto v = vectors.vector(i);
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    const auto scale = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    for (float x : v) values.push_back(x * scale);
  }
  return embed::WordTable(embed::SortedHashes(std::move(hashes)),
                          embed::QuantisedRows(values, vectors.dims));
}

// Sparse Adam: moments and steps kept per row, updated only when a row is touched.
class Adam {
 public:
  Adam(std::size_t rows, std::size_t dims)
      : dims_(dims), m_(rows * dims), v_(rows * dims), steps_(rows, 0) {}
  // One step of size `lr` for one row.
  void update(std::uint32_t row, const float* grad, float* weights, double lr) {
    constexpr double kB1 = 0.9, kB2 = 0.999, kEps = 1e-8;
    const auto t = ++steps_[row];
    const double c1 = 1 - std::pow(kB1, t), c2 = 1 - std::pow(kB2, t);
    float* m = m_.data() + std::size_t{row} * dims_;
    float* v = v_.data() + std::size_t{row} * dims_;
    for (std::size_t d = 0; d < dims_; ++d) {
      m[d] = static_cast<float>(kB1 * m[d] + (1 - kB1) * grad[d]);
      v[d] = static_cast<float>(kB2 * v[d] + (1 - kB2) * grad[d] * grad[d]);
      weights[d] -= static_cast<float>(lr * (m[d] / c1) / (std::sqrt(v[d] / c2) + kEps));
    }
  }

 private:
  std::size_t dims_;
  std::vector<float> m_, v_;
  std::vector<std::uint32_t> steps_;
};

// The density reference of a trained model: the unit vectors of the first captions of
// a sample of the training images (seeded, so the same every run); none if no caption of
// the sample has words.
std::optional<embed::DensityReference> density_reference(
    std::shared_ptr<const embed::Model> model,
    const std::vector<const std::vector<std::string>*>& images, const TrainOptions& o,
    unsigned threads, std::mt19937_64& rng) {
  std::vector<std::size_t> order(images.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  const embed::LearnedEmbedder embedder(model, "trained");
  const std::size_t dims = model->dims();
  const std::size_t wanted = std::min(o.density_sample, order.size());
  std::vector<float> rows(wanted * dims);
  std::vector<char> usable(wanted, 1);
  parallel_for(wanted, threads, [&](std::size_t i) {
    try {
      embedder.embed(images[order[i]]->front(), std::span(rows).subspan(i * dims, dims));
    } catch (const InputError&) {  // no words
      usable[i] = 0;
    }
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < wanted; ++i)
    if (usable[i]) std::copy_n(rows.begin() + i * dims, dims, rows.begin() + kept++ * dims);
  rows.resize(kept * dims);
  if (kept == 0) return std::nullopt;
  // (A sample smaller than k, from very few images: all of it.)
  return embed::DensityReference(static_cast<std::uint32_t>(dims),
                                 static_cast<std::uint32_t>(std::min(o.density_k, kept)),
                                 static_cast<float>(o.density_weight), model->fingerprint(), rows);
}

}  // namespace

TrainReport train_model(const std::vector<std::vector<std::string>>& groups, const TrainOptions& o,
                        const std::filesystem::path& model_path) {
  if (o.dims < 8 || o.dims > 4096) throw InputError("dims must be 8..4096");
  if (o.batch < 2) throw InputError("batch must be at least 2");
  if (o.epochs < 1) throw InputError("epochs must be at least 1");
  if (o.buckets < 1) throw InputError("buckets must be at least 1");
  if (!(o.temperature > 0) || !(o.learning_rate > 0))
    throw InputError("temperature and learning rate must be positive");
  if (o.schedule != "constant" && o.schedule != "cosine")
    throw InputError("schedule: '" + o.schedule + "' is not constant or cosine");
  if (!(o.hard_batches >= 0 && o.hard_batches <= 1))
    throw InputError("hard batches must be a fraction from 0 to 1");
  if (!(o.word_dropout >= 0 && o.word_dropout < 1))
    throw InputError("word dropout must be at least 0 and below 1");
  if (o.density_k < 1) throw InputError("density k must be at least 1");
  if (!(o.density_weight >= 0 && o.density_weight <= 10))
    throw InputError("density weight must be 0 to 10");
  auto weights = parse_feature_set(o.features);
  std::optional<learn::WordVectors> word_vectors;
  if (!o.word_vectors.empty()) {
    if (!(o.word_weight > 0)) throw InputError("word weight must be positive");
    word_vectors = learn::WordVectors::load(o.word_vectors);
    weights.words = static_cast<float>(o.word_weight);
  }
  const unsigned threads =
      o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t dims = o.dims;

  // Features of every caption of every image with two or more.
  std::vector<const std::vector<std::string>*> sources;
  for (const auto& g : groups)
    if (g.size() >= 2) sources.push_back(&g);
  std::vector<std::vector<std::vector<Feature>>> images(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) images[i].resize(sources[i]->size());
  if (images.size() < o.batch)
    throw InputError("training needs at least " + std::to_string(o.batch) +
                     " images with two captions or more (--batch); got " +
                     std::to_string(images.size()));
  TrainReport report;
  report.images = images.size();
  parallel_for(images.size(), threads, [&](std::size_t i) {
    for (std::size_t c = 0; c < images[i].size(); ++c) {
      try {
        images[i][c] = embed::extract_features((*sources[i])[c], weights);
      } catch (const InputError&) {  // a caption without words: nothing to learn from it
      }
    }
  });

  // The vocabulary: features in at least min_count captions (words have vectors, not rows).
  std::unordered_map<std::uint64_t, std::uint32_t> counts, word_counts;
  for (const auto& image : images)
    for (const auto& caption : image) {
      ++report.captions;
      for (const auto& f : caption) ++(f.kind == FeatureKind::word ? word_counts : counts)[f.hash];
    }
  std::vector<std::uint64_t> vocabulary;
  for (const auto& [hash, count] : counts)
    if (count >= o.min_count) vocabulary.push_back(hash);
  std::sort(vocabulary.begin(), vocabulary.end());
  report.vocabulary = vocabulary.size();
  const std::size_t rows = vocabulary.size() + o.buckets;
  const auto buckets = static_cast<std::uint32_t>(o.buckets);

  embed::WordTable word_table;
  if (word_vectors) {
    word_table = build_word_table(*word_vectors, o.word_vocabulary, word_counts);
    word_vectors.reset();
    report.words = word_table.size();
  }
  const std::size_t word_dims = word_table.dims();

  // With word vectors, extract again as LearnedEmbedder::embed does, now that the
  // vocabulary is known (embed::meaning_only).
  if (!word_table.empty()) {
    const embed::SpellingFilter by_meaning = [&](std::uint64_t stem, std::uint64_t word) {
      return embed::meaning_only(
          word_table, std::binary_search(vocabulary.begin(), vocabulary.end(), stem), word);
    };
    parallel_for(images.size(), threads, [&](std::size_t i) {
      for (std::size_t c = 0; c < images[i].size(); ++c) {
        try {
          images[i][c] = embed::extract_features((*sources[i])[c], weights, by_meaning);
        } catch (const InputError&) {
        }
      }
    });
  }

  // Each caption's rows and word-vector sum, exactly as LearnedEmbedder::embed makes them.
  std::vector<std::vector<Caption>> terms(images.size());
  std::size_t caption_count = 0;
  for (const auto& image : images) caption_count += image.size();
  std::vector<float> word_sums(caption_count * word_dims);
  caption_count = 0;
  for (std::size_t i = 0; i < images.size(); ++i)
    for (const auto& caption : images[i]) {
      const std::span<float> sum(word_sums.data() + caption_count * word_dims, word_dims);
      terms[i].push_back({{}, caption_count++});
      for (const auto& f : caption) {
        if (f.kind == FeatureKind::word) {
          if (const auto w = word_table.find(f.hash))
            word_table.add(*w, embed::sublinear(f.weight), sum);
          continue;
        }
        const auto row = embed::feature_row(vocabulary, buckets, f.hash);
        if (!embed::takes_row(word_table, f.kind, row < vocabulary.size())) continue;
        terms[i].back().terms.push_back({static_cast<std::uint32_t>(row),
                                         embed::sublinear(f.weight), f.kind == FeatureKind::stem});
      }
    }

  std::mt19937_64 rng(o.seed);
  std::vector<float> table(rows * dims), projection(word_dims * dims);  // columns
  {
    std::uniform_real_distribution<float> init(-0.1f, 0.1f);
    for (auto& w : table) w = init(rng);
    for (auto& w : projection) w = init(rng);
  }
  Adam adam(rows, dims);
  Adam projection_adam(1, dims * word_dims);
  std::vector<float> projection_grad(dims * word_dims);

  const std::size_t B = o.batch;
  const auto tau = static_cast<float>(o.temperature);
  const std::size_t steps = images.size() / B;
  std::vector<std::size_t> order(images.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Per step: 2B captions (anchor i, positive B + i), their unit vectors and norms.
  std::vector<const Caption*> batch(2 * B);
  std::vector<std::vector<Term>> batch_terms(2 * B);  // after word dropout
  const bool dropout = word_dims > 0 && o.word_dropout > 0;
  std::bernoulli_distribution drop(dropout ? o.word_dropout : 0.0);
  const std::size_t total_steps = o.epochs * steps;
  std::vector<float> unit(2 * B * dims), grad_unit(2 * B * dims), norms(2 * B);
  std::vector<float> logits(B * B), d_logits(B * B);
  std::vector<std::int64_t> slot_of(rows, -1);
  std::vector<std::uint32_t> touched;
  std::vector<float> grads;

  // A caption's vector before normalisation: its rows, plus the projection of its words.
  auto encode = [&](const std::vector<Term>& caption_terms, std::size_t index, float* u) {
    std::fill(u, u + dims, 0.0f);
    for (const auto& t : caption_terms) {
      const float* row = table.data() + std::size_t{t.row} * dims;
      for (std::size_t d = 0; d < dims; ++d) u[d] += t.weight * row[d];
    }
    const float* sum = word_sums.data() + index * word_dims;
    for (std::size_t j = 0; j < word_dims; ++j) {  // columns, as Model::project
      const float* column = projection.data() + j * dims;
      for (std::size_t d = 0; d < dims; ++d) u[d] += sum[j] * column[d];
    }
  };
  // Hard batches: images the current model places near each other (the same signs of 16
  // random projections of their first caption), so negatives are hard to tell apart.
  std::vector<std::size_t> near_order;
  std::vector<std::uint32_t> codes(images.size());
  std::bernoulli_distribution hard_step(o.hard_batches);
  constexpr std::size_t kPlanes = 16;
  std::vector<float> planes(kPlanes * dims);

  for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    if (o.hard_batches > 0) {
      std::normal_distribution<float> normal;
      for (auto& p : planes) p = normal(rng);
      parallel_for(images.size(), threads, [&](std::size_t i) {
        thread_local std::vector<float> u;
        u.resize(dims);
        encode(terms[i][0].terms, terms[i][0].index, u.data());
        std::uint32_t code = 0;
        for (std::size_t h = 0; h < kPlanes; ++h) {
          float side = 0;
          for (std::size_t d = 0; d < dims; ++d) side += planes[h * dims + d] * u[d];
          code = code << 1 | (side > 0);
        }
        codes[i] = code;
      });
      near_order = order;  // shuffled: ties stay in random order
      std::stable_sort(near_order.begin(), near_order.end(),
                       [&](std::size_t a, std::size_t b) { return codes[a] < codes[b]; });
    }
    double epoch_loss = 0;
    for (std::size_t step = 0; step < steps; ++step) {
      const auto& source = o.hard_batches > 0 && hard_step(rng) ? near_order : order;
      for (std::size_t i = 0; i < B; ++i) {
        const auto& image = terms[source[step * B + i]];
        const auto a = rng() % image.size();
        auto b = rng() % (image.size() - 1);
        if (b >= a) ++b;
        batch[i] = &image[a];
        batch[B + i] = &image[b];
      }
      for (std::size_t k = 0; k < 2 * B; ++k) {
        batch_terms[k].clear();
        for (const auto& t : batch[k]->terms)
          if (!(dropout && t.stem && drop(rng))) batch_terms[k].push_back(t);
      }
      const double done =
          static_cast<double>((epoch - 1) * steps + step) / static_cast<double>(total_steps);
      const double lr = o.schedule == "cosine"
                            ? o.learning_rate * 0.5 * (1 + std::cos(3.141592653589793 * done))
                            : o.learning_rate;
      // Forward: unit vectors.
      parallel_for(2 * B, threads, [&](std::size_t k) {
        float* u = unit.data() + k * dims;
        encode(batch_terms[k], batch[k]->index, u);
        double n = 0;
        for (std::size_t d = 0; d < dims; ++d) n += static_cast<double>(u[d]) * u[d];
        norms[k] = static_cast<float>(std::sqrt(std::max(n, 1e-12)));
        for (std::size_t d = 0; d < dims; ++d) u[d] /= norms[k];
      });
      // Logits and the symmetric loss's gradient with respect to them.
      parallel_for(B, threads, [&](std::size_t i) {
        const float* a = unit.data() + i * dims;
        for (std::size_t j = 0; j < B; ++j) {
          const float* p = unit.data() + (B + j) * dims;
          float s = 0;
          for (std::size_t d = 0; d < dims; ++d) s += a[d] * p[d];
          logits[i * B + j] = s / tau;
        }
      });
      double loss = 0;
      std::fill(d_logits.begin(), d_logits.end(), 0.0f);
      for (int direction = 0; direction < 2; ++direction) {  // anchors->positives, and back
        for (std::size_t i = 0; i < B; ++i) {
          auto at = [&](std::size_t j) -> std::size_t {
            return direction == 0 ? i * B + j : j * B + i;
          };
          float top = -1e30f;
          for (std::size_t j = 0; j < B; ++j) top = std::max(top, logits[at(j)]);
          double sum = 0;
          for (std::size_t j = 0; j < B; ++j) sum += std::exp(logits[at(j)] - top);
          loss += -(logits[at(i)] - top - std::log(sum));
          for (std::size_t j = 0; j < B; ++j) {
            const double p = std::exp(logits[at(j)] - top) / sum;
            d_logits[at(j)] += static_cast<float>((p - (i == j)) / (2.0 * B));
          }
        }
      }
      loss /= 2.0 * B;
      epoch_loss += loss;
      // Back to the unit vectors, then through the normalisation.
      parallel_for(2 * B, threads, [&](std::size_t k) {
        float* g = grad_unit.data() + k * dims;
        std::fill(g, g + dims, 0.0f);
        const bool anchor = k < B;
        const std::size_t i = anchor ? k : k - B;
        for (std::size_t j = 0; j < B; ++j) {
          const float w = (anchor ? d_logits[i * B + j] : d_logits[j * B + i]) / tau;
          const float* other = unit.data() + (anchor ? B + j : j) * dims;
          for (std::size_t d = 0; d < dims; ++d) g[d] += w * other[d];
        }
        const float* u = unit.data() + k * dims;
        float along = 0;
        for (std::size_t d = 0; d < dims; ++d) along += u[d] * g[d];
        for (std::size_t d = 0; d < dims; ++d) g[d] = (g[d] - along * u[d]) / norms[k];
      });
      // Row gradients, summed in caption order (deterministic).
      touched.clear();
      grads.clear();
      for (std::size_t k = 0; k < 2 * B; ++k) {
        const float* g = grad_unit.data() + k * dims;
        for (const auto& t : batch_terms[k]) {
          if (slot_of[t.row] < 0) {
            slot_of[t.row] = static_cast<std::int64_t>(touched.size());
            touched.push_back(t.row);
            grads.resize(grads.size() + dims, 0.0f);
          }
          float* out = grads.data() + static_cast<std::size_t>(slot_of[t.row]) * dims;
          for (std::size_t d = 0; d < dims; ++d) out[d] += t.weight * g[d];
        }
      }
      parallel_for(touched.size(), threads, [&](std::size_t s) {
        const auto row = touched[s];
        adam.update(row, grads.data() + s * dims, table.data() + std::size_t{row} * dims, lr);
      });
      for (const auto row : touched) slot_of[row] = -1;
      if (word_dims > 0) {  // the projection's gradient: sum over captions of g x word sum
        parallel_for(word_dims, threads, [&](std::size_t j) {
          float* out = projection_grad.data() + j * dims;
          std::fill(out, out + dims, 0.0f);
          for (std::size_t k = 0; k < 2 * B; ++k) {
            const float w = word_sums[batch[k]->index * word_dims + j];
            const float* g = grad_unit.data() + k * dims;
            for (std::size_t d = 0; d < dims; ++d) out[d] += w * g[d];
          }
        });
        projection_adam.update(0, projection_grad.data(), projection.data(), lr);
      }
      if (o.progress) o.progress(epoch, step + 1, steps, loss);
    }
    report.epoch_loss.push_back(epoch_loss / static_cast<double>(steps));
  }

  const auto model = std::make_shared<const embed::Model>(static_cast<std::uint32_t>(dims), weights,
                                                          std::move(vocabulary), buckets, table,
                                                          std::move(word_table), projection);
  model->save(model_path);
  // An older reference beside the new model goes (learned-v3 would refuse the pair anyway:
  // a reference names its model's fingerprint); if the save failed, the old pair stays.
  const auto density_path = embed::density_path_of(model_path);
  std::error_code ignored;
  std::filesystem::remove(density_path, ignored);
  report.model_bytes = model->file_bytes();
  report.fingerprint = model->fingerprint();
  if (o.density_sample > 0) {
    if (const auto reference = density_reference(model, sources, o, threads, rng)) {
      reference->save(density_path);
      report.density_fingerprint = reference->fingerprint();
    }
  }
  return report;
}

}  // namespace picdex
