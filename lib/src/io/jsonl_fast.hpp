// The fast path of JSONL import: a record line read with simdjson, whose number parsing
// keeps pace with the graph (nlohmann's lexer took a sixth of an import's CPU time on
// vectors). It takes only lines it can read whole and soundly; on anything else (a syntax
// or type error, an unknown or repeated key, a number beyond float's range, the export
// header) it returns false and the full parser (records.cpp) reads the line again and
// words the error, so that every line is judged and reported the same either way.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "picdex/catalogue.hpp"

namespace picdex::io {

// Which keys a record line had: the checks across fields need them.
struct JsonlKeys {
  bool caption = false, captions = false, vector = false, vectors = false, image = false;
};

class JsonlFastReader {
 public:
  JsonlFastReader();
  ~JsonlFastReader();

  // Reads `line` into `image` and `keys`; `metadata` gets the text of the metadata object
  // (inside `line`, not yet checked: the caller parses it). `line` gets padding room
  // (simdjson reads past a string's end). False: leave the line to the full parser
  // (`image` may then hold part of the line).
  bool read(std::string& line, Image& image, JsonlKeys& keys,
            std::optional<std::string_view>& metadata);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace picdex::io
