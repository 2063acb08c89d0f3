// The one file that includes libtorch (see clip.hpp).
#include "embed/clip.hpp"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "embed/clip_preprocess.hpp"
#include "embed/clip_tokenizer.hpp"
#include "io/file_checksum.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

namespace fs = std::filesystem;
using torch::jit::Block;
using torch::jit::Graph;

constexpr const char* kVocabName = "bpe_simple_vocab_16e6.txt.gz";
constexpr std::int64_t kTextBatch = 64;
constexpr std::int64_t kImageBatch = 16;

fs::path find_vocabulary(const fs::path& model) {
  auto beside = model.parent_path() / kVocabName;
  if (fs::exists(beside)) return beside;
#ifdef PICDEX_CLIP_VOCAB
  if (fs::exists(PICDEX_CLIP_VOCAB)) return PICDEX_CLIP_VOCAB;
#endif
  throw NotFoundError(std::string(kVocabName) + ": CLIP's tokenizer merges were not found beside " +
                      model.string() + " (get the file from github.com/openai/CLIP, MIT licence)");
}

// OpenAI's archives were traced on a GPU in half precision: their graphs name the device
// "cuda" and cast to half in constants. Rewrite those to the CPU and float32, in every
// method of every submodule, before anything runs.
void patch_for_cpu(Graph& graph, Block& block) {
  for (auto* node : block.nodes()) {
    for (auto* inner : node->blocks()) patch_for_cpu(graph, *inner);
    if (node->kind() == c10::prim::Constant && node->hasAttribute(c10::attr::value) &&
        node->output()->type()->kind() == c10::TypeKind::DeviceObjType &&
        node->s(c10::attr::value).rfind("cuda", 0) == 0)
      node->s_(c10::attr::value, "cpu");
    const auto* schema = node->maybeSchema();
    if (!schema) continue;
    const auto& arguments = schema->arguments();
    for (std::size_t i = 0; i < node->inputs().size() && i < arguments.size(); ++i) {
      if (arguments[i].name() != "dtype") continue;
      const auto value = torch::jit::toIValue(node->input(i));
      if (value && value->isInt() && value->toInt() == static_cast<std::int64_t>(at::kHalf)) {
        torch::jit::WithInsertPoint here(node);
        node->replaceInput(i, graph.insertConstant(static_cast<std::int64_t>(at::kFloat)));
      }
    }
  }
}

void patch_for_cpu(torch::jit::Module& module) {
  for (auto sub : module.modules())
    for (const auto& method : sub.get_methods()) {
      auto graph = method.graph();
      patch_for_cpu(*graph, *graph->block());
    }
  module.to(at::kFloat);  // half parameters and buffers to float32
}

std::int64_t integer_attribute(const torch::jit::Module& module, const char* name,
                               std::int64_t fallback) {
  if (!module.hasattr(name)) return fallback;
  const auto value = module.attr(name);
  if (value.isInt()) return value.toInt();
  if (value.isTensor() && value.toTensor().numel() == 1)
    return value.toTensor().item<std::int64_t>();
  return fallback;
}

// CLIP's preprocessing (clip_preprocess.hpp) as a [1, 3, r, r] tensor.
torch::Tensor preprocess(const RgbImage& image, std::int64_t resolution) {
  auto pixels = clip_preprocess(image, static_cast<std::size_t>(resolution));
  return torch::from_blob(pixels.data(), {1, 3, resolution, resolution}).clone();
}

void set_threads(unsigned threads) {
  static std::mutex mutex;  // at::set_num_threads is process-wide
  std::lock_guard lock(mutex);
  const auto wanted = static_cast<int>(threads ? threads : std::thread::hardware_concurrency());
  if (at::get_num_threads() != wanted) at::set_num_threads(std::max(1, wanted));
}

class ClipEmbedder final : public Embedder {
 public:
  ClipEmbedder(const fs::path& model, std::string fingerprint)
      : path_(model), fingerprint_(std::move(fingerprint)), tokenizer_(find_vocabulary(model)) {
    try {
      module_ = torch::jit::load(model.string(), torch::kCPU);
    } catch (const c10::Error& e) {
      throw FormatError(model.string() + ": not a TorchScript archive (" + first_line(e) + ")");
    }
    for (const char* method : {"encode_text", "encode_image"})
      if (!module_.find_method(method))
        throw FormatError(model.string() + ": the TorchScript archive has no " + method +
                          " method; a CLIP model has encode_text and encode_image");
    patch_for_cpu(module_);
    module_.eval();
    resolution_ = integer_attribute(module_, "input_resolution", 0);
    if (resolution_ <= 0 && module_.hasattr("visual"))
      resolution_ = integer_attribute(module_.attr("visual").toModule(), "input_resolution", 0);
    if (resolution_ <= 0 || resolution_ > 4096)
      throw FormatError(model.string() + ": the model has no usable input_resolution attribute");
    context_ = integer_attribute(module_, "context_length", ClipTokenizer::kContextLength);
    // One text through the model: checks encode_text runs and gives the dimension.
    const std::string_view sample[] = {"a photo"};
    const auto probe = run("encode_text", tokens(sample));
    if (probe.dim() != 2 || probe.size(0) != 1 || probe.size(1) < 1)
      throw FormatError(model.string() + ": encode_text returns shape " + shape(probe) +
                        ", not one vector per text");
    dim_ = static_cast<std::size_t>(probe.size(1));
  }

  std::string spec() const override {
    return "clip:model=" + path_.string() + ",fingerprint=" + fingerprint_;
  }
  std::size_t dim() const override { return dim_; }

  void embed(std::string_view text, std::span<float> out) const override {
    embed_batch(std::span<const std::string_view>(&text, 1), out, 0);
  }

  bool batches() const override { return true; }
  void embed_batch(std::span<const std::string_view> texts, std::span<float> out,
                   unsigned threads) const override {
    set_threads(threads);
    for (std::size_t at = 0; at < texts.size(); at += kTextBatch) {
      const auto part = texts.subspan(at, std::min<std::size_t>(kTextBatch, texts.size() - at));
      store(run("encode_text", tokens(part)), out.subspan(at * dim_, part.size() * dim_));
    }
  }

  bool embeds_images() const override { return true; }
  void embed_images(std::span<const fs::path> files, std::span<float> out,
                    unsigned threads) const override {
    set_threads(threads);
    for (std::size_t at = 0; at < files.size(); at += kImageBatch) {
      const auto part = files.subspan(at, std::min<std::size_t>(kImageBatch, files.size() - at));
      std::vector<torch::Tensor> batch;
      for (const auto& file : part) batch.push_back(preprocess(read_image(file), resolution_));
      store(run("encode_image", torch::cat(batch)), out.subspan(at * dim_, part.size() * dim_));
    }
  }

 private:
  static std::string first_line(const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    return what.substr(0, what.find('\n'));
  }
  static std::string shape(const torch::Tensor& t) {
    std::string s = "[";
    for (auto d : t.sizes()) s += (s.size() > 1 ? ", " : "") + std::to_string(d);
    return s + "]";
  }

  torch::Tensor tokens(std::span<const std::string_view> texts) const {
    auto ids = torch::zeros({static_cast<std::int64_t>(texts.size()), context_}, torch::kLong);
    auto rows = ids.accessor<std::int64_t, 2>();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const auto encoded = tokenizer_.encode(texts[i], static_cast<std::size_t>(context_));
      for (std::size_t j = 0; j < encoded.size(); ++j)
        rows[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)] = encoded[j];
    }
    return ids;
  }

  torch::Tensor run(const char* method, torch::Tensor input) const {
    c10::InferenceMode inference;
    try {
      auto result = module_.get_method(method)({std::move(input)});
      if (!result.isTensor())
        throw FormatError(path_.string() + ": " + method + " does not return a tensor");
      return result.toTensor().to(torch::kFloat).contiguous();
    } catch (const c10::Error& e) {
      throw FormatError(path_.string() + ": " + method + " failed: " + first_line(e));
    }
  }

  // Each row L2-normalised into `out`.
  void store(const torch::Tensor& vectors, std::span<float> out) const {
    if (vectors.dim() != 2 || static_cast<std::size_t>(vectors.size(1)) != dim_ ||
        static_cast<std::size_t>(vectors.size(0)) * dim_ != out.size())
      throw FormatError(path_.string() + ": the model returned shape " + shape(vectors) +
                        "; expected rows of " + std::to_string(dim_));
    const auto unit = vectors / vectors.norm(2, 1, true).clamp_min(1e-12);
    std::copy_n(unit.data_ptr<float>(), out.size(), out.data());
  }

  fs::path path_;
  std::string fingerprint_;
  ClipTokenizer tokenizer_;
  torch::jit::Module module_;
  std::int64_t resolution_ = 0, context_ = 0;
  std::size_t dim_ = 0;
};

}  // namespace

std::unique_ptr<Embedder> make_clip_embedder(std::string_view spec, const fs::path& model,
                                             std::string_view fingerprint) {
  if (!fs::is_regular_file(model))
    throw NotFoundError("embedder '" + std::string(spec) + "': " + model.string() +
                        (fs::exists(model) ? " is not a file" : " does not exist"));
  auto actual = io::file_checksum(model);
  if (!fingerprint.empty() && fingerprint != actual)
    throw EmbedderMismatchError("embedder '" + std::string(spec) + "' needs model " +
                                model.string() + " with fingerprint " + std::string(fingerprint) +
                                "; that file is now " + actual);
  return std::make_unique<ClipEmbedder>(model, std::move(actual));
}

}  // namespace picdex::embed
