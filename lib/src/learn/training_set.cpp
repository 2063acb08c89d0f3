#include "learn/training_set.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>

#include "embed/model.hpp"
#include "embed/text.hpp"
#include "learn/word_vectors.hpp"
#include "picdex/error.hpp"
#include "picdex/train.hpp"
#include "threads/parallel_for.hpp"

namespace picdex::learn {
namespace {

using embed::Feature;
using embed::FeatureKind;

// The model's word table: every word of the file whose normalised form is one word (the
// first spelling of each), among the `most_frequent` or used in training; unit length.
embed::WordTable build_word_table(const WordVectors& vectors, std::size_t most_frequent,
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

using CaptionFeatures = std::vector<std::vector<std::vector<Feature>>>;  // image, caption

// Extracts the features of every caption of every source into `images` (sized to match),
// in place, so that extracting again holds one set at a time; a caption without words
// keeps none (nothing to learn from it).
void extract_all(const std::vector<const std::vector<std::string>*>& sources,
                 const embed::FeatureWeights& weights, const embed::SpellingFilter& meaning_only,
                 unsigned threads, CaptionFeatures& images) {
  images.resize(sources.size());
  parallel_for(images.size(), threads, [&](std::size_t i) {
    images[i].resize(sources[i]->size());
    for (std::size_t c = 0; c < images[i].size(); ++c) {
      try {
        images[i][c] = embed::extract_features((*sources[i])[c], weights, meaning_only);
      } catch (const InputError&) {
        images[i][c].clear();
      }
    }
  });
}

}  // namespace

embed::FeatureWeights parse_feature_set(const std::string& set) {
  embed::FeatureWeights on, out{0, 0, 0, 0};
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

TrainingSet make_training_set(const std::vector<std::vector<std::string>>& groups,
                              const TrainOptions& o, unsigned threads,
                              std::vector<const std::vector<std::string>*>& sources,
                              TrainReport& report) {
  TrainingSet set;
  set.weights = parse_feature_set(o.features);
  std::optional<WordVectors> word_vectors;
  if (!o.word_vectors.empty()) {
    if (!(o.word_weight > 0)) throw InputError("word weight must be positive");
    word_vectors = WordVectors::load(o.word_vectors);
    set.weights.words = static_cast<float>(o.word_weight);
  }

  sources.clear();
  for (const auto& g : groups)
    if (g.size() >= 2) sources.push_back(&g);
  if (sources.size() < o.batch)
    throw InputError("training needs at least " + std::to_string(o.batch) +
                     " images with two captions or more (--batch); got " +
                     std::to_string(sources.size()));
  report.images = sources.size();
  CaptionFeatures images;
  extract_all(sources, set.weights, nullptr, threads, images);

  // The vocabulary: features in at least min_count captions (words have vectors, not rows).
  std::unordered_map<std::uint64_t, std::uint32_t> counts, word_counts;
  for (const auto& image : images)
    for (const auto& caption : image) {
      ++report.captions;
      for (const auto& f : caption) ++(f.kind == FeatureKind::word ? word_counts : counts)[f.hash];
    }
  for (const auto& [hash, count] : counts)
    if (count >= o.min_count) set.vocabulary.push_back(hash);
  std::sort(set.vocabulary.begin(), set.vocabulary.end());
  report.vocabulary = set.vocabulary.size();
  set.buckets = static_cast<std::uint32_t>(o.buckets);

  if (word_vectors) {
    set.word_table = build_word_table(*word_vectors, o.word_vocabulary, word_counts);
    word_vectors.reset();
    report.words = set.word_table.size();
    // Extract again as LearnedEmbedder::embed does, now that the vocabulary is known
    // (embed::meaning_only).
    const auto& vocabulary = set.vocabulary;
    const auto& word_table = set.word_table;
    extract_all(
        sources, set.weights,
        [&](std::uint64_t stem, std::uint64_t word) {
          return embed::meaning_only(
              word_table, std::binary_search(vocabulary.begin(), vocabulary.end(), stem), word);
        },
        threads, images);
  }

  // Each caption's rows and word-vector sum, exactly as LearnedEmbedder::embed makes them.
  const std::size_t word_dims = set.word_dims();
  std::size_t caption_count = 0;
  for (const auto& image : images) caption_count += image.size();
  set.word_sums.assign(caption_count * word_dims, 0.0f);
  set.images.resize(images.size());
  caption_count = 0;
  for (std::size_t i = 0; i < images.size(); ++i)
    for (const auto& caption : images[i]) {
      const std::span<float> sum(set.word_sums.data() + caption_count * word_dims, word_dims);
      set.images[i].push_back({{}, caption_count++});
      for (const auto& f : caption) {
        if (f.kind == FeatureKind::word) {
          if (const auto w = set.word_table.find(f.hash))
            set.word_table.add(*w, embed::sublinear(f.weight), sum);
          continue;
        }
        const auto row = embed::feature_row(set.vocabulary, set.buckets, f.hash);
        if (!embed::takes_row(set.word_table, f.kind, row < set.vocabulary.size())) continue;
        set.images[i].back().terms.push_back({static_cast<std::uint32_t>(row),
                                              embed::sublinear(f.weight),
                                              f.kind == FeatureKind::stem});
      }
    }
  return set;
}

}  // namespace picdex::learn
