// Importing a record stream in batches, merging lines that share a URI.
#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

#include "io/seen_set.hpp"
#include "picdex/embedder.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {

namespace {

// Whether an export's vectors go into `catalogue` (true), are dropped because it computes
// the same ones itself (false), or cannot go in (InputError naming the header line).
bool takes_vectors(const Catalogue& catalogue, const RecordReader& reader,
                   const ExportHeader& header) {
  const auto spec = catalogue.embedder().spec();
  const bool external = spec.starts_with("none:");
  const auto refuse = [&](const std::string& why) {
    return InputError(reader.source() + ":1: embedder: " + why);
  };
  if (external && !header.vectors)
    throw refuse("this catalogue (" + spec + ") takes vectors, and the export has none (" +
                 header.embedder + "); export with --vectors");
  if (!header.vectors || external) return header.vectors;
  if (header.embedder == spec) return false;
  throw refuse("the export's vectors come from " + header.embedder +
               ", this catalogue embeds with " + spec +
               "; import into a catalogue made with --embedder none --dim " +
               std::to_string(header.dim) + ", or export without --vectors to embed again");
}

}  // namespace

void import_records(Catalogue& catalogue, RecordReader& reader, const ImportOptions& options,
                    ImportSummary& summary) {
  std::optional<bool> keep_vectors;  // decided once an export's header has been read
  std::vector<Image> batch;
  std::vector<std::vector<std::size_t>> lines;  // of each batch image: its captions' lines
  std::unordered_map<std::string, std::size_t> in_batch;  // uri -> index in batch
  io::SeenSet committed;                                  // URIs written by earlier batches
  std::size_t committed_images = 0;

  auto flush = [&] {
    if (batch.empty()) return;
    try {
      summary += catalogue.put(batch);
    } catch (const InputError& e) {
      summary.failed = batch.size();
      // put() names the image, and the caption where it is one: find the record's line.
      const auto it = in_batch.find(e.place().uri);
      if (e.place().uri.empty() || it == in_batch.end()) throw;
      const auto& image_lines = lines[it->second];
      const auto caption = e.place().caption;
      const auto line =
          caption && caption <= image_lines.size() ? image_lines[caption - 1] : image_lines.front();
      throw e.within({.file = reader.source(), .line = line});
    } catch (...) {
      summary.failed = batch.size();
      throw;
    }
    for (const auto& image : batch) committed_images += committed.insert(image.uri);
    batch.clear();
    lines.clear();
    in_batch.clear();
  };

  auto next = [&] {
    try {
      return reader.next();
    } catch (...) {
      // A full batch is complete and sound: the bad record starts the next one.
      if (batch.size() >= options.batch) flush();
      summary.failed = batch.size() + 1;
      throw;
    }
  };
  while (auto record = next()) {
    ++summary.records;
    auto& image = record->image;
    if (!keep_vectors)
      keep_vectors =
          reader.export_header() ? takes_vectors(catalogue, reader, *reader.export_header()) : true;
    if (!*keep_vectors) image.vectors.clear();
    if (auto it = in_batch.find(image.uri); it != in_batch.end()) {
      auto& target = batch[it->second];
      // put() checks the limit too; checking here keeps one image's lines from filling memory.
      if (target.captions.size() + image.captions.size() > catalogue.limits().max_captions) {
        summary.failed = batch.size();
        throw InputError(reader.source() + ":" + std::to_string(record->line) +
                         ": captions: " + image.uri + " has more than " +
                         std::to_string(catalogue.limits().max_captions) +
                         " caption lines, over the limit per image");
      }
      lines[it->second].resize(target.captions.size() + image.captions.size(), record->line);
      for (auto& c : image.captions) target.captions.push_back(std::move(c));
      for (auto& v : image.vectors) target.vectors.push_back(std::move(v));
      if (image.metadata != "{}") target.metadata = std::move(image.metadata);
      if (!image.picture.empty()) target.picture = std::move(image.picture);
      continue;
    }
    if (batch.size() == options.batch) flush();
    if (committed.contains(image.uri)) {
      // Seen in an earlier batch of this import: add to what that batch stored.
      auto stored = catalogue.get(image.uri);
      for (auto& c : image.captions) stored.captions.push_back(std::move(c));
      for (auto& v : image.vectors) stored.vectors.push_back(std::move(v));
      if (image.metadata != "{}") stored.metadata = std::move(image.metadata);
      if (!image.picture.empty()) stored.picture = std::move(image.picture);
      image = std::move(stored);
    }
    in_batch.emplace(image.uri, batch.size());
    // (Captions an earlier batch stored are put under this record's line too.)
    lines.emplace_back(std::max<std::size_t>(image.captions.size(), 1), record->line);
    batch.push_back(std::move(image));
    if (options.progress && summary.records % 256 == 0)
      options.progress(summary.records, committed_images + batch.size());
  }
  if (summary.records == 0) throw InputError(reader.source() + ": no records to import");
  flush();
  if (options.progress) options.progress(summary.records, committed_images);
}

}  // namespace picdex
