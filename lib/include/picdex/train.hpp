// Training a learned caption encoder (the `learned` embedder's model file) from captions
// that describe the same image: a contrastive objective pulls captions of one image
// together and pushes the other images' captions in the batch apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace picdex {

// Defaults chosen on the dev splits of Flickr8k and flickr30k_train (README, "Choosing the
// defaults").
struct TrainOptions {
  std::size_t dims = 256;           // numbers per feature row and per vector
  std::size_t epochs = 20;          // passes over the images
  double learning_rate = 3e-3;      // Adam's step size
  std::string schedule = "cosine";  // the step falls to 0 by the last step; or "constant"
  double temperature = 0.07;        // softmax over cosine / temperature
  std::size_t batch = 256;          // images per step; the others in a batch are negatives
  // The fraction of steps whose batch holds images the model currently places near each
  // other (hard negatives) rather than random ones.
  double hard_batches = 1.0;
  std::size_t min_count = 3;   // rarer features share the hashed bucket rows
  std::size_t buckets = 4096;  // rows for features outside the vocabulary
  // Comma-separated, any of: stems, bigrams, trigrams, concepts (WordNet).
  std::string features = "stems,bigrams,trigrams,concepts";
  // Pretrained word vectors (a .pdxw file, scripts/fetch-word-vectors.sh); empty: none.
  // With them each word also contributes a learned projection of its vector, and the
  // model carries the vectors of the `word_vocabulary` most frequent words (and of every
  // training word), so words never seen in training still embed by meaning.
  std::filesystem::path word_vectors;
  std::size_t word_vocabulary = 150000;
  double word_weight = 3.0;  // a word vector's weight beside its stem's row
  // The chance that, in a training caption, a word's stem row is left out, so that its
  // projected vector alone must carry its meaning (as for words never seen).
  double word_dropout = 0.0;
  // The density reference written beside the model (MODEL.pdxr; learned-v3): the first
  // captions of `density_sample` training images (0: none), a caption's density being the
  // mean of its `density_k` highest cosines with them, subtracted from search scores times
  // `density_weight`.
  std::size_t density_sample = 2000;
  std::size_t density_k = 10;
  double density_weight = 0.25;
  std::uint64_t seed = 1;  // with the thread count, fixes the result
  unsigned threads = 0;    // 0: all cores
  // Called after each step: epoch (from 1), step in the epoch (from 1), steps per
  // epoch, the step's loss.
  std::function<void(std::size_t, std::size_t, std::size_t, double)> progress;
};

struct TrainReport {
  std::size_t images = 0;  // with two captions or more: the ones trained on
  std::size_t captions = 0;
  std::size_t vocabulary = 0;  // features with a row of their own
  std::size_t words = 0;       // word vectors carried by the model
  std::vector<double> epoch_loss;
  std::uint64_t model_bytes = 0;
  std::string fingerprint;          // as the embedder spec will name the model
  std::string density_fingerprint;  // of the density reference; empty without one
};

// Learns an encoder from `groups` (each the captions of one image; groups with fewer
// than two are skipped) and writes the model file to `model_path` (and its density
// reference beside it, embed::density_path_of; an older one there is removed). Throws InputError
// for bad options or too little data, IoError if the file cannot be written.
TrainReport train_model(const std::vector<std::vector<std::string>>& groups,
                        const TrainOptions& options, const std::filesystem::path& model_path);

}  // namespace picdex
