// Chroma through its HTTP API (v2; written against the chromadb 3.0.14 server). One record
// per caption: id "URI#N", its vector and text, and metadata holding the image's URI,
// digest and whole metadata (JSON) beside its top-level scalar values, which filters use.
// The collection is cosine-spaced HNSW (Chroma's own index, searched with ef 256) and
// stores the embedder spec in its metadata. A search asks for enough captions to find
// k + offset distinct images, each scored by its best caption.
#include <nlohmann/json.hpp>

#include "engines/engine.hpp"
#include "engines/http.hpp"
#include "io/number.hpp"
#include "picdex/error.hpp"

namespace picdex::engines {
namespace {

using nlohmann::json;

constexpr const char* kUri = "picdex:uri";
constexpr const char* kDigest = "picdex:digest";
constexpr const char* kMetadata = "picdex:metadata";
constexpr const char* kEmbedder = "picdex:embedder";
constexpr std::size_t kPage = 1000;

// A condition's value as Chroma compares it: a number (integral ones as integers), true or
// false, or the text.
json chroma_values(const std::string& value) {
  json out = json::array({value});
  if (value == "true" || value == "false") out.push_back(value == "true");
  if (const auto n = io::finite_number(value)) {
    if (*n == static_cast<double>(static_cast<std::int64_t>(*n)))
      out.push_back(static_cast<std::int64_t>(*n));
    else
      out.push_back(*n);
  }
  return out;
}

json any_of(std::vector<json> clauses) {
  return clauses.size() == 1 ? clauses.front() : json{{"$or", clauses}};
}

// picdex's condition in Chroma's where language.
json where_clause(const Condition& c) {
  using Op = Condition::Op;
  const char* op = c.op == Op::less            ? "$lt"
                   : c.op == Op::less_equal    ? "$lte"
                   : c.op == Op::greater       ? "$gt"
                   : c.op == Op::greater_equal ? "$gte"
                                               : nullptr;
  if (op) {
    const auto n = io::finite_number(c.values.at(0));
    if (!n) throw InputError("where '" + c.key + "': '" + c.values[0] + "' is not a number");
    return {{c.key, {{op, *n}}}};
  }
  std::vector<json> values;
  for (const auto& value : c.values)
    for (auto& v : chroma_values(value)) values.push_back(std::move(v));
  if (c.op == Op::not_equal) {
    std::vector<json> none;  // a missing key is not equal, as picdex has it
    for (auto& v : values) none.push_back({{c.key, {{"$ne", v}}}});
    return none.size() == 1 ? none.front() : json{{"$and", none}};
  }
  std::vector<json> any;
  for (auto& v : values) any.push_back({{c.key, {{"$eq", v}}}});
  return any_of(std::move(any));
}

class Chroma final : public RemoteCatalogue::Engine {
 public:
  explicit Chroma(std::string_view url) : url_(url), server_("", "") {
    constexpr std::string_view scheme = "chroma://";
    const auto rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 == rest.size())
      throw InputError(url_ + ": name the collection (chroma://HOST:PORT/COLLECTION)");
    const auto host = std::string(rest.substr(0, slash));
    collection_ = rest.substr(slash + 1);
    server_ = HttpClient("http://" + host, "chroma://" + host);
    base_ = "/api/v2/tenants/default_tenant/databases/default_database/collections";
  }

  void prepare(const std::string& spec, std::size_t) override {
    const auto collection = post(base_, {{"name", collection_},
                                         {"get_or_create", true},
                                         {"metadata",
                                          {{"hnsw:space", "cosine"},
                                           {"hnsw:search_ef", 256},
                                           {"hnsw:construction_ef", 200},
                                           {kEmbedder, spec}}}});
    const auto stored = adopt(collection);
    if (stored != spec)
      throw EmbedderMismatchError(url_ + ": holds vectors of embedder '" + stored + "', not '" +
                                  spec + "'");
  }

  std::optional<std::string> stored_spec() override {
    const auto collection = server_.get(base_ + "/" + HttpClient::escape(collection_));
    if (!collection) return std::nullopt;
    auto spec = adopt(json::parse(*collection));
    if (spec.empty()) return std::nullopt;
    return spec;
  }

  std::map<std::string, std::uint64_t> digests() override {
    std::map<std::string, std::uint64_t> out;
    ids_.clear();
    for (std::size_t offset = 0;; offset += kPage) {
      const auto page = post(collection_path("/get"),
                             {{"include", {"metadatas"}}, {"limit", kPage}, {"offset", offset}});
      const auto& ids = page.at("ids");
      const auto& metadatas = page.at("metadatas");
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto uri = metadatas[i].at(kUri).get<std::string>();
        out[uri] = std::stoull(metadatas[i].at(kDigest).get<std::string>());
        ids_[uri].push_back(ids[i].get<std::string>());
      }
      if (ids.size() < kPage) return out;
    }
  }

  void upsert(std::span<const PushedImage> images) override {
    std::vector<std::string> stale;
    json ids = json::array(), embeddings = json::array(), documents = json::array(),
         metadatas = json::array();
    for (const auto& [image, digest] : images) {
      if (const auto it = ids_.find(image.uri); it != ids_.end())
        for (const auto& id : it->second)
          if (std::stoul(id.substr(id.rfind('#') + 1)) >= image.captions.size())
            stale.push_back(id);
      const auto metadata = json::parse(image.metadata);
      json record{
          {kUri, image.uri}, {kDigest, std::to_string(digest)}, {kMetadata, metadata.dump()}};
      for (const auto& [key, value] : metadata.items())
        if (value.is_primitive() && !value.is_null() && !key.starts_with("picdex:"))
          record[key] = value;
      for (std::size_t i = 0; i < image.captions.size(); ++i) {
        ids.push_back(image.uri + "#" + std::to_string(i));
        embeddings.push_back(image.vectors.at(i));
        documents.push_back(image.captions[i]);
        metadatas.push_back(record);
      }
    }
    if (!stale.empty()) post(collection_path("/delete"), {{"ids", stale}});
    if (!ids.empty())
      post(collection_path("/upsert"), {{"ids", ids},
                                        {"embeddings", embeddings},
                                        {"documents", documents},
                                        {"metadatas", metadatas}});
  }

  void remove(std::span<const std::string> uris) override {
    json ids = json::array();
    for (const auto& uri : uris)
      if (const auto it = ids_.find(uri); it != ids_.end())
        for (const auto& id : it->second) ids.push_back(id);
    if (!ids.empty()) post(collection_path("/delete"), {{"ids", ids}});
  }

  std::vector<Hit> search(std::span<const float> vector, const SearchOptions& options) override {
    if (id_.empty() && !stored_spec()) throw NotFoundError(url_ + ": holds no pushed catalogue");
    json request{{"query_embeddings", {std::vector<float>(vector.begin(), vector.end())}},
                 {"include", {"documents", "metadatas", "distances"}}};
    if (!options.where.empty()) {
      std::vector<json> all;
      for (const auto& c : options.where) all.push_back(where_clause(c));
      request["where"] = all.size() == 1 ? all.front() : json{{"$and", all}};
    }
    const std::size_t wanted = options.k + options.offset;
    for (std::size_t asked = std::max<std::size_t>(wanted * 5, 10);; asked *= 2) {
      request["n_results"] = asked;
      const auto answer = post(collection_path("/query"), request);
      const auto& ids = answer.at("ids").at(0);
      std::vector<Hit> hits;
      std::map<std::string, std::size_t> seen;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto& metadata = answer.at("metadatas").at(0).at(i);
        const auto uri = metadata.at(kUri).get<std::string>();
        if (seen.count(uri)) continue;  // results come best first: the first is its best
        seen[uri] = hits.size();
        Hit hit;
        hit.uri = uri;
        hit.score = 1.0f - answer.at("distances").at(0).at(i).get<float>();
        hit.ranked_by = hit.score;
        hit.caption = answer.at("documents").at(0).at(i).get<std::string>();
        hit.metadata = metadata.at(kMetadata).get<std::string>();
        hits.push_back(std::move(hit));
      }
      if (hits.size() >= wanted || ids.size() < asked) {
        std::erase_if(hits, [&](const Hit& h) { return h.score < options.min_score; });
        hits.erase(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(
                                                    std::min(options.offset, hits.size())));
        if (hits.size() > options.k) hits.resize(options.k);
        return hits;
      }
    }
  }

 private:
  json post(const std::string& target, const json& body) {
    return json::parse(server_.post(target, body.dump(), "application/json"));
  }
  // Takes the collection's id for later calls; returns the embedder spec it stores ("" if none).
  std::string adopt(const json& collection) {
    id_ = collection.at("id").get<std::string>();
    return collection.value("metadata", json::object()).value(kEmbedder, "");
  }
  std::string collection_path(const std::string& action) const {
    return base_ + "/" + id_ + action;
  }

  std::string url_, collection_, base_, id_;
  HttpClient server_;
  std::map<std::string, std::vector<std::string>> ids_;  // per URI, from digests()
};

}  // namespace

std::unique_ptr<RemoteCatalogue::Engine> connect_chroma(std::string_view url) {
  return std::make_unique<Chroma>(url);
}

}  // namespace picdex::engines
