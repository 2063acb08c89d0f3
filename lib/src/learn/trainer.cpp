// train_model: symmetric InfoNCE over in-batch negatives (learn/contrastive_loss), Adam on
// the rows a step touches and on the word-vector projection (learn/encoder), batches of
// images the model places near each other (learn/hard_batches). Deterministic for a seed
// and any thread count: parallel work writes disjoint outputs, and gradients are summed
// in one fixed order.
#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <thread>

#include "embed/density.hpp"
#include "embed/learned.hpp"
#include "embed/model.hpp"
#include "learn/contrastive_loss.hpp"
#include "learn/encoder.hpp"
#include "learn/hard_batches.hpp"
#include "learn/training_set.hpp"
#include "picdex/error.hpp"
#include "picdex/train.hpp"
#include "threads/parallel_for.hpp"

namespace picdex {
namespace {

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
  const unsigned threads =
      o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t dims = o.dims;

  TrainReport report;
  std::vector<const std::vector<std::string>*> sources;
  auto set = learn::make_training_set(groups, o, threads, sources, report);
  const auto& images = set.images;

  std::mt19937_64 rng(o.seed);
  learn::Encoder encoder(set.rows(), dims, set.word_dims(), rng);
  const std::size_t B = o.batch;
  learn::ContrastiveLoss contrastive(B, dims, static_cast<float>(o.temperature));
  const std::size_t steps = images.size() / B;
  const std::size_t total_steps = o.epochs * steps;
  std::vector<std::size_t> order(images.size()), near;
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Per step: 2B captions (anchor i, positive B + i), their rows after word dropout, word
  // sums, unit vectors and norms, and the loss's gradients.
  std::vector<const learn::Caption*> batch(2 * B);
  std::vector<std::vector<learn::Term>> batch_terms(2 * B);
  std::vector<const float*> batch_word_sums(2 * B);
  const bool dropout = set.word_dims() > 0 && o.word_dropout > 0;
  std::bernoulli_distribution drop(dropout ? o.word_dropout : 0.0);
  std::bernoulli_distribution hard_step(o.hard_batches);
  std::vector<float> unit(2 * B * dims), grad(2 * B * dims), norms(2 * B);

  for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    if (o.hard_batches > 0) near = learn::near_order(encoder, set, order, rng, threads);
    double epoch_loss = 0;
    for (std::size_t step = 0; step < steps; ++step) {
      const auto& source = o.hard_batches > 0 && hard_step(rng) ? near : order;
      for (std::size_t i = 0; i < B; ++i) {
        const auto& image = images[source[step * B + i]];
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
        batch_word_sums[k] = set.word_sum(*batch[k]);
      }
      const double done =
          static_cast<double>((epoch - 1) * steps + step) / static_cast<double>(total_steps);
      const double lr = o.schedule == "cosine"
                            ? o.learning_rate * 0.5 * (1 + std::cos(3.141592653589793 * done))
                            : o.learning_rate;
      // Forward: unit vectors.
      parallel_for(2 * B, threads, [&](std::size_t k) {
        float* u = unit.data() + k * dims;
        encoder.encode(batch_terms[k], batch_word_sums[k], u);
        double n = 0;
        for (std::size_t d = 0; d < dims; ++d) n += static_cast<double>(u[d]) * u[d];
        norms[k] = static_cast<float>(std::sqrt(std::max(n, 1e-12)));
        for (std::size_t d = 0; d < dims; ++d) u[d] /= norms[k];
      });
      const double loss = contrastive(unit.data(), grad.data(), threads);
      epoch_loss += loss;
      // Back through the normalisation, then into the rows and the projection.
      parallel_for(2 * B, threads, [&](std::size_t k) {
        float* g = grad.data() + k * dims;
        const float* u = unit.data() + k * dims;
        float along = 0;
        for (std::size_t d = 0; d < dims; ++d) along += u[d] * g[d];
        for (std::size_t d = 0; d < dims; ++d) g[d] = (g[d] - along * u[d]) / norms[k];
      });
      encoder.step(batch_terms, batch_word_sums, grad.data(), lr, threads);
      if (o.progress) o.progress(epoch, step + 1, steps, loss);
    }
    report.epoch_loss.push_back(epoch_loss / static_cast<double>(steps));
  }

  const auto model = encoder.to_model(set);
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
