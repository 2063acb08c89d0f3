#include <charconv>
#include <filesystem>
#include <map>
#include <optional>

#include "embed/built_in_models.hpp"
#include "embed/clip.hpp"
#include "embed/learned.hpp"
#include "embed/lexical.hpp"
#include "embed/none.hpp"
#include "embed/wordnet.hpp"
#include "picdex/embedder.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace {

// "key=value,key=value" of a spec "name:key=value,...".
std::map<std::string, std::string, std::less<>> parse_params(std::string_view spec,
                                                             std::string_view params) {
  std::map<std::string, std::string, std::less<>> out;
  while (!params.empty()) {
    const auto comma = params.find(',');
    const auto item = params.substr(0, comma);
    params = comma == std::string_view::npos ? "" : params.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      throw InputError("embedder '" + std::string(spec) + "': expected key=value, not '" +
                       std::string(item) + "'");
    out.emplace(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

// The value of `dim` in `params` (removed from them), or `fallback` when absent.
std::size_t take_dim(std::string_view spec, std::map<std::string, std::string, std::less<>>& params,
                     std::size_t fallback) {
  const auto it = params.find("dim");
  if (it == params.end()) return fallback;
  std::size_t dim = 0;
  const auto& value = it->second;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), dim);
  if (ec != std::errc() || end != value.data() + value.size())
    throw InputError("embedder '" + std::string(spec) + "': dim must be a whole number");
  params.erase(it);
  return dim;
}

void refuse_leftovers(std::string_view spec,
                      const std::map<std::string, std::string, std::less<>>& params) {
  if (!params.empty())
    throw InputError("embedder '" + std::string(spec) + "': unknown parameter '" +
                     params.begin()->first + "'");
}

std::unique_ptr<Embedder> make_lexical(std::string_view spec, int version,
                                       std::map<std::string, std::string, std::less<>> params) {
  const auto dim = take_dim(spec, params, embed::LexicalEmbedder::kDefaultDim);
  if (auto it = params.find("wordnet"); it != params.end() && version >= 2) {
    const auto built_in = embed::wordnet::fingerprint_hex();
    if (it->second != built_in)
      throw EmbedderMismatchError("embedder '" + std::string(spec) + "' needs WordNet tables " +
                                  it->second + "; this build of picdex has " + built_in);
    params.erase(it);
  }
  refuse_leftovers(spec, params);
  return std::make_unique<embed::LexicalEmbedder>(version, dim);
}

// The built-in model a spec means: a versioned name ("default-v1") as it is; "default"
// with a fingerprint, the built-in with that fingerprint (how catalogues name it); plain
// "default", the newest built-in, or for "learned-v1" the first.
std::shared_ptr<const embed::Model> built_in_learned(std::string_view spec, int version,
                                                     const std::string& name,
                                                     const std::string* fingerprint) {
  const auto files = embed::built_in_model_files();
  std::string known;
  for (const auto& file : files) known += std::string(known.empty() ? "" : ", ") + file.name;
  if (files.empty())
    throw InputError("embedder '" + std::string(spec) +
                     "': this build has no built-in model; give model=PATH");
  if (name != "default") {
    if (auto model = embed::built_in_model(name)) return model;
    throw InputError("embedder '" + std::string(spec) + "': no built-in model '" + name +
                     "' (this build has " + known + ", or give model=PATH)");
  }
  if (fingerprint) {
    for (const auto& file : files)
      if (auto model = embed::built_in_model(file.name); model->fingerprint() == *fingerprint)
        return model;
    throw EmbedderMismatchError("embedder '" + std::string(spec) +
                                "' needs the built-in model with fingerprint " + *fingerprint +
                                "; this build has " + known);
  }
  return embed::built_in_model(version == 1 ? files.front().name : files.back().name);
}

// The density reference of a learned-v3 spec's model (`density` its fingerprint, when the
// spec names one): built in beside a built-in model, else the file beside the model file.
std::shared_ptr<const embed::DensityReference> density_for(std::string_view spec,
                                                           const std::string& model_name,
                                                           const embed::Model& model,
                                                           const std::string* density) {
  std::shared_ptr<const embed::DensityReference> found;
  std::string where;
  if (model_name == "default" || model_name.starts_with("default-v")) {
    for (const auto& file : embed::built_in_model_files())
      if (auto built_in = embed::built_in_model(file.name);
          built_in && built_in->fingerprint() == model.fingerprint())
        found = embed::built_in_density(file.name);
    where = "this build has none for that built-in model";
  } else {
    const auto path = embed::density_path_of(model_name);
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) found = embed::density_from_file(path);
    where = "expected beside the model as " + path.string() + " (picdex train writes it)";
  }
  if (!found)
    throw EmbedderMismatchError("embedder '" + std::string(spec) +
                                "' needs the model's density reference; " + where);
  if (density && *density != found->fingerprint())
    throw EmbedderMismatchError("embedder '" + std::string(spec) + "' needs density reference " +
                                *density + "; the model's is now " + found->fingerprint());
  return found;
}

// version: 1, 2 or 3 as the spec names it, 0 for plain "learned" (learned-v1 or -v2, as
// the model is: a density reference is only used when learned-v3 names it).
std::unique_ptr<Embedder> make_learned(std::string_view spec, int version,
                                       std::map<std::string, std::string, std::less<>> params) {
  std::string name = "default";
  if (auto it = params.find("model"); it != params.end()) {
    name = it->second;
    params.erase(it);
  }
  std::optional<std::string> fingerprint, density;
  if (auto it = params.find("fingerprint"); it != params.end()) {
    fingerprint = it->second;
    params.erase(it);
  }
  if (auto it = params.find("density"); it != params.end() && version == 3) {
    density = it->second;
    params.erase(it);
  }
  refuse_leftovers(spec, params);
  std::shared_ptr<const embed::Model> model;
  if (name == "default" || name.starts_with("default-v")) {
    model = built_in_learned(spec, version, name, fingerprint ? &*fingerprint : nullptr);
  } else {
    name = std::filesystem::absolute(name).lexically_normal().string();
    model = embed::model_from_file(name);
  }
  if (fingerprint && *fingerprint != model->fingerprint())
    throw EmbedderMismatchError("embedder '" + std::string(spec) + "' needs model " + name +
                                " with fingerprint " + *fingerprint + "; that model is now " +
                                model->fingerprint());
  std::shared_ptr<const embed::DensityReference> reference;
  if (version == 3) reference = density_for(spec, name, *model, density ? &*density : nullptr);
  return std::make_unique<embed::LearnedEmbedder>(std::move(model), name, std::move(reference));
}

// "clip:PATH" as a user writes it, or "clip:model=PATH,fingerprint=HEX" as stored.
std::unique_ptr<Embedder> make_clip(std::string_view spec, std::string_view rest) {
#ifdef PICDEX_WITH_CLIP
  std::string model(rest), fingerprint;
  if (rest.starts_with("model=")) {
    auto params = parse_params(spec, rest);
    model = params["model"];
    params.erase("model");
    if (auto it = params.find("fingerprint"); it != params.end()) {
      fingerprint = it->second;
      params.erase(it);
    }
    refuse_leftovers(spec, params);
  }
  if (model.empty())
    throw InputError("embedder '" + std::string(spec) + "': give the model file, clip:PATH");
  model = std::filesystem::absolute(model).lexically_normal().string();
  if (model.find(',') != std::string::npos)
    throw InputError("embedder '" + std::string(spec) +
                     "': the model's path may not contain a comma");
  return embed::make_clip_embedder(spec, model, fingerprint);
#else
  (void)rest;
  throw InputError("embedder '" + std::string(spec) +
                   "': this build of picdex has no CLIP support (build it with "
                   "-DPICDEX_WITH_CLIP=ON and libtorch; see the README's CLIP section)");
#endif
}

}  // namespace

std::unique_ptr<Embedder> make_embedder(std::string_view spec) {
  const auto colon = spec.find(':');
  const auto name = spec.substr(0, colon);
  if (name == "clip")
    return make_clip(spec, colon == std::string_view::npos ? "" : spec.substr(colon + 1));
  auto params = parse_params(spec, colon == std::string_view::npos ? "" : spec.substr(colon + 1));
  if (name == "lexical")
    return make_lexical(spec, embed::LexicalEmbedder::kLatestVersion, std::move(params));
  if (name == "lexical-v1") return make_lexical(spec, 1, std::move(params));
  if (name == "lexical-v2") return make_lexical(spec, 2, std::move(params));
  if (name == "learned") return make_learned(spec, 0, std::move(params));
  if (name == "learned-v1") return make_learned(spec, 1, std::move(params));
  if (name == "learned-v2") return make_learned(spec, 2, std::move(params));
  if (name == "learned-v3") return make_learned(spec, 3, std::move(params));
  if (name == "none") {
    const auto dim = take_dim(spec, params, 0);
    refuse_leftovers(spec, params);
    if (dim == 0)
      throw InputError("embedder '" + std::string(spec) + "': give the vectors' size, none:dim=N");
    return std::make_unique<embed::NoEmbedder>(dim);
  }
  throw InputError(
      "unknown embedder '" + std::string(spec) +
      "' (this build knows: learned, learned-v1, learned-v2, learned-v3, lexical, lexical-v1, "
      "lexical-v2, none" +
#ifdef PICDEX_WITH_CLIP
      ", clip" +
#endif
      ")");
}

}  // namespace picdex
