// Writing a catalogue as JSONL records that import again (import.hpp).
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {

void write_vectors(std::ostream& out, const std::vector<std::vector<float>>& vectors) {
  out << '[';
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    out << (i ? ",[" : "[");
    write_numbers(out, vectors[i]);
    out << ']';
  }
  out << ']';
}

void write_numbers(std::ostream& out, std::span<const float> numbers, char separator) {
  char number[32];
  for (std::size_t j = 0; j < numbers.size(); ++j) {
    if (j) out << separator;
    const auto end = std::to_chars(number, number + sizeof number, numbers[j]).ptr;
    out.write(number, end - number);
  }
}

std::size_t export_records(const Catalogue& catalogue, std::ostream& out,
                           const ExportOptions& options) {
  out << nlohmann::ordered_json{{"picdex_export", 1},
                                {"embedder", catalogue.embedder_spec()},
                                {"dim", catalogue.dim()},
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
        if (++images % 1024 == 0 && options.progress) options.progress(images);
      },
      options.vectors);
  if (options.progress) options.progress(images);
  return images;
}

void check_can_create(const std::filesystem::path& path) {
  const auto where = path.string();
  const auto folder = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw IoError(where + ": cannot create: it is a folder");
  if (!std::filesystem::exists(folder, ec))
    throw IoError(where + ": cannot create: the folder " + folder.string() + " does not exist");
  if (!std::filesystem::is_directory(folder, ec))
    throw IoError(where + ": cannot create: " + folder.string() + " is not a folder");
  if (::access(folder.c_str(), W_OK) != 0)
    throw IoError(where + ": cannot create: the folder " + folder.string() + " is not writable (" +
                  std::strerror(errno) + ")");
}

void write_whole_file(const std::filesystem::path& path,
                      const std::function<void(std::ostream&)>& write) {
  const auto where = path.string();
  check_can_create(path);
  const std::filesystem::path partial = where + ".partial-" + std::to_string(::getpid());
  try {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(where + ": cannot create: " + std::strerror(errno));
    write(out);
    out.close();
    if (!out) throw IoError(where + ": cannot write (disk full?)");
    std::filesystem::rename(partial, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw;
  }
}

}  // namespace picdex
