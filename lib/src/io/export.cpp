// Writing a catalogue as JSONL records that import again (import.hpp).
#include <charconv>
#include <nlohmann/json.hpp>
#include <ostream>

#include "picdex/embedder.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {
namespace {

// [[x, ...], ...] with each float in its shortest form that reads back the same.
void write_vectors(std::ostream& out, const std::vector<std::vector<float>>& vectors) {
  char number[32];
  out << '[';
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    out << (i ? ",[" : "[");
    for (std::size_t j = 0; j < vectors[i].size(); ++j) {
      if (j) out << ',';
      const auto end = std::to_chars(number, number + sizeof number, vectors[i][j]).ptr;
      out.write(number, end - number);
    }
    out << ']';
  }
  out << ']';
}

}  // namespace

std::size_t export_records(const Catalogue& catalogue, std::ostream& out,
                           const ExportOptions& options) {
  const auto& embedder = catalogue.embedder();
  out << nlohmann::ordered_json{{"picdex_export", 1},
                                {"embedder", embedder.spec()},
                                {"dim", embedder.dim()},
                                {"vectors", options.vectors}}
             .dump()
      << '\n';
  std::size_t images = 0;
  catalogue.for_each_image(
      [&](const Image& image) {
        auto json = nlohmann::ordered_json{{"uri", image.uri},
                                           {"captions", image.captions},
                                           {"metadata", nlohmann::json::parse(image.metadata)}};
        if (!image.picture.empty()) json["image"] = image.picture;
        auto line = json.dump();
        if (options.vectors) {
          line.pop_back();  // the closing brace
          out << line << ",\"vectors\":";
          write_vectors(out, image.vectors);
          out << "}\n";
        } else {
          out << line << '\n';
        }
        if (!out) throw IoError("export: cannot write (disk full?)");
        if (options.progress && ++images % 1024 == 0) options.progress(images);
      },
      options.vectors);
  if (options.progress) options.progress(images);
  return images;
}

}  // namespace picdex
