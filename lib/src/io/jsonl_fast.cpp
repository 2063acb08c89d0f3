#include "io/jsonl_fast.hpp"

#include <simdjson.h>

#include <cmath>
#include <vector>

namespace picdex::io {
namespace {

namespace od = simdjson::ondemand;

bool read_string(od::value value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text)) return false;
  out.assign(text);
  return true;
}

// An array of numbers that fit a float, as the full parser accepts them. `expected`: how
// many the last array held, room made for at once.
bool read_numbers(od::value value, std::vector<float>& out, std::size_t& expected) {
  od::array numbers;
  if (value.get_array().get(numbers)) return false;
  out.reserve(expected);
  for (auto item : numbers) {
    double x;
    if (item.get_double().get(x) || !std::isfinite(x) || std::abs(x) > 3.4e38) return false;
    out.push_back(static_cast<float>(x));
  }
  expected = out.size();
  return true;
}

}  // namespace

struct JsonlFastReader::State {
  od::parser parser;
  std::size_t dim = 0;  // of the last vector read
};

JsonlFastReader::JsonlFastReader() : state_(std::make_unique<State>()) {}
JsonlFastReader::~JsonlFastReader() = default;

bool JsonlFastReader::read(std::string& line, Image& image, JsonlKeys& keys,
                           std::optional<std::string_view>& metadata) {
  const auto size = line.size();
  line.reserve(size + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (state_->parser.iterate(line.data(), size, line.capacity()).get(doc)) return false;
  od::object fields;
  if (doc.get_object().get(fields)) return false;
  bool uri = false;
  for (auto field : fields) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) return false;
    bool* seen = nullptr;  // each key once: a repeated one is the full parser's to report
    if (key == "uri") {
      seen = &uri;
      if (*seen || !read_string(value, image.uri)) return false;
    } else if (key == "caption") {
      seen = &keys.caption;
      if (*seen || !read_string(value, image.captions.emplace_back())) return false;
    } else if (key == "captions") {
      seen = &keys.captions;
      od::array items;
      if (*seen || value.get_array().get(items)) return false;
      for (auto item : items) {
        od::value text;
        if (item.get(text) || !read_string(text, image.captions.emplace_back())) return false;
      }
    } else if (key == "vector" || key == "vectors") {
      seen = key == "vector" ? &keys.vector : &keys.vectors;
      if (*seen) return false;
      if (key == "vector") {
        if (!read_numbers(value, image.vectors.emplace_back(), state_->dim)) return false;
      } else {
        od::array items;
        if (value.get_array().get(items)) return false;
        for (auto item : items) {
          od::value numbers;
          if (item.get(numbers) ||
              !read_numbers(numbers, image.vectors.emplace_back(), state_->dim))
            return false;
        }
      }
    } else if (key == "metadata") {
      od::object object;
      std::string_view text;
      if (metadata || value.get_object().get(object) || object.raw_json().get(text)) return false;
      metadata = text;
      continue;
    } else if (key == "image") {
      seen = &keys.image;
      if (*seen || !read_string(value, image.picture)) return false;
    } else {
      return false;  // unknown, or the export header's keys
    }
    *seen = true;
  }
  // Nothing after the object (simdjson reports where it stands only within the input).
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

}  // namespace picdex::io
