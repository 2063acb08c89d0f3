// picdex train: learn a caption encoder (a model file for the `learned` embedder).
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "commands.hpp"

namespace picdex::cli {
namespace {

using Groups = std::vector<std::vector<std::string>>;

// "image<TAB>caption" (as picdex import reads TSV) or the shared data's
// "image<TAB>index<TAB>caption"; lines of one image form one group, in first-seen order.
Groups read_captions(const std::string& file, const std::set<std::string>* keep) {
  Input input(file);
  Groups groups;
  std::map<std::string, std::size_t> group_of;
  input.for_each_line([&](const std::string& line, std::size_t number) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0)
      throw InputError(input.source() + ":" + std::to_string(number) +
                       ": line: expected image<TAB>caption");
    const auto image = line.substr(0, tab);
    auto caption = line.substr(tab + 1);
    if (const auto second = caption.find('\t'); second != std::string::npos) {
      int index;
      const auto [end, ec] = std::from_chars(caption.data(), caption.data() + second, index);
      if (ec == std::errc() && end == caption.data() + second) caption.erase(0, second + 1);
    }
    if (keep && !keep->count(image)) return;
    const auto [it, added] = group_of.emplace(image, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(std::move(caption));
  });
  return groups;
}

// The images of one split in a "image<TAB>split" file.
std::set<std::string> read_split(const std::string& file, const std::string& split) {
  Input input(file);
  std::set<std::string> images;
  input.for_each_line([&](const std::string& line, std::size_t number) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos)
      throw InputError(input.source() + ":" + std::to_string(number) +
                       ": line: expected image<TAB>split");
    if (line.substr(tab + 1) == split) images.insert(line.substr(0, tab));
  });
  if (images.empty()) throw InputError(input.source() + ": no image is in split '" + split + "'");
  return images;
}

}  // namespace

int cmd_train(const Args& args) {
  std::string out, captions, catalogue_path, split_file, split;
  TrainOptions o;
  po::options_description options("options");
  options.add_options()("model", po::value(&out)->required(), "model file to write")(
      "captions", po::value(&captions),
      "image<TAB>caption lines (or image<TAB>index<TAB>caption), - for stdin")(
      "catalogue", po::value(&catalogue_path), "learn from a catalogue's images instead")(
      "split-file", po::value(&split_file), "image<TAB>split lines: train on one split only")(
      "split", po::value(&split)->default_value("train"), "the split to train on")(
      "dims", po::value(&o.dims)->default_value(o.dims), "vector size")(
      "epochs", po::value(&o.epochs)->default_value(o.epochs), "passes over the images")(
      "learning-rate", po::value(&o.learning_rate)->default_value(o.learning_rate), "Adam step")(
      "temperature", po::value(&o.temperature)->default_value(o.temperature),
      "softmax temperature over cosine similarity")(
      "batch", po::value(&o.batch)->default_value(o.batch), "images per step (negatives)")(
      "hard-batches", po::value(&o.hard_batches)->default_value(o.hard_batches),
      "fraction of steps whose images are near each other (hard negatives)")(
      "min-count", po::value(&o.min_count)->default_value(o.min_count),
      "captions a feature needs for a row of its own")(
      "buckets", po::value(&o.buckets)->default_value(o.buckets),
      "shared rows for rarer and unseen features")(
      "features", po::value(&o.features)->default_value(o.features),
      "any of stems,bigrams,trigrams,concepts")(
      "word-vectors", po::value<std::string>(),
      "pretrained word vectors (.pdxw, scripts/fetch-word-vectors.sh)")(
      "word-vocabulary", po::value(&o.word_vocabulary)->default_value(o.word_vocabulary),
      "most frequent words whose vectors the model carries")(
      "word-weight", po::value(&o.word_weight)->default_value(o.word_weight),
      "weight of a word's vector beside its stem")(
      "word-dropout", po::value(&o.word_dropout)->default_value(o.word_dropout),
      "chance a training word's stem row is left out, leaving its word vector")(
      "schedule", po::value(&o.schedule)->default_value(o.schedule),
      "constant, or cosine (the step falls to 0)")(
      "density-sample", po::value(&o.density_sample)->default_value(o.density_sample),
      "training captions in the density reference written beside the model (0: none)")(
      "density-k", po::value(&o.density_k)->default_value(o.density_k),
      "a caption's density: the mean of its k highest cosines with the sample")(
      "density-weight", po::value(&o.density_weight)->default_value(o.density_weight, "0.25"),
      "searches rank by cosine minus this times the caption's density")(
      "seed", po::value(&o.seed)->default_value(o.seed), "random seed")(
      "threads", po::value(&o.threads)->default_value(o.threads), "0: all cores");
  po::positional_options_description positional;
  positional.add("model", 1);
  po::variables_map vm;
  if (!parse(args,
             "picdex train MODEL (--captions FILE | --catalogue CAT) [--split-file F --split S]\n"
             "                    [--features LIST] [--word-vectors FILE] [--schedule "
             "constant|cosine] [options]",
             options, positional, vm))
    return Exit::ok;
  if (captions.empty() == catalogue_path.empty())
    throw UsageError("give either --captions FILE or --catalogue CAT");
  if (vm.count("word-vectors")) o.word_vectors = vm["word-vectors"].as<std::string>();

  Groups groups;
  if (!captions.empty()) {
    std::set<std::string> keep;
    if (!split_file.empty()) keep = read_split(split_file, split);
    groups = read_captions(captions, split_file.empty() ? nullptr : &keep);
  } else {
    open_catalogue(catalogue_path, true).for_each_image([&](const Image& image) {
      groups.push_back(image.captions);
    });
  }

  Progress progress("training");
  o.progress = [&](std::size_t epoch, std::size_t step, std::size_t steps, double loss) {
    char note[64];
    std::snprintf(note, sizeof note, "epoch %zu/%zu loss %.3f", epoch, o.epochs, loss);
    progress.update((epoch - 1) * steps + step, o.epochs * steps, note);
  };
  const auto start = std::chrono::steady_clock::now();
  const auto report = train_model(groups, o, out);
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  std::fprintf(stderr,
               "trained %s on %zu images, %zu captions: %zu features with rows of their own, "
               "%zu word vectors, loss %.3f -> %.3f over %zu epochs in %.1f s; %.1f MB, "
               "fingerprint %s%s%s\n"
               "use it: picdex init CATALOGUE --embedder learned:model=%s\n",
               out.c_str(), report.images, report.captions, report.vocabulary, report.words,
               report.epoch_loss.front(), report.epoch_loss.back(), report.epoch_loss.size(),
               seconds.count(), report.model_bytes / 1e6, report.fingerprint.c_str(),
               report.density_fingerprint.empty() ? "" : "; density reference ",
               report.density_fingerprint.c_str(), out.c_str());
  return Exit::ok;
}

}  // namespace picdex::cli
