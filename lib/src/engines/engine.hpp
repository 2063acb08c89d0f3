// What picdex needs of a distributed engine; one implementation per engine (clickhouse.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "picdex/catalogue.hpp"
#include "picdex/engines.hpp"

namespace picdex {

// An image as pushed: its fields (metadata as compact JSON), the vector of each caption, and
// a digest of them all.
struct PushedImage {
  Image image;
  std::uint64_t digest = 0;
};

class RemoteCatalogue::Engine {
 public:
  virtual ~Engine() = default;
  // Creates the tables if missing, for vectors of `dim` made by `spec`; throws
  // EmbedderMismatchError if the engine holds another embedder's vectors.
  virtual void prepare(const std::string& spec, std::size_t dim) = 0;
  // The embedder spec stored with the tables, or nullopt if there are none.
  virtual std::optional<std::string> stored_spec() = 0;
  // URI -> digest of every image the engine holds.
  virtual std::map<std::string, std::uint64_t> digests() = 0;
  // Adds or replaces these images; removes those URIs. Acknowledged only when every shard
  // has them.
  virtual void upsert(std::span<const PushedImage> images) = 0;
  virtual void remove(std::span<const std::string> uris) = 0;
  // An exact search: the best caption of each image, best images first.
  virtual std::vector<Hit> search(std::span<const float> vector, const SearchOptions& options) = 0;
};

namespace engines {

// The engine a URL names; InputError for a URL picdex cannot use.
std::unique_ptr<RemoteCatalogue::Engine> connect(std::string_view url);
std::unique_ptr<RemoteCatalogue::Engine> connect_clickhouse(std::string_view url);
std::unique_ptr<RemoteCatalogue::Engine> connect_chroma(std::string_view url);

}  // namespace engines
}  // namespace picdex
