// Importing a record stream in batches, merging lines that share a URI.
#include <algorithm>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "io/seen_set.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {

namespace {

// Whether an export's vectors go into `catalogue` (true), are dropped because it computes
// the same ones itself (false), or cannot go in (InputError naming the header line).
bool takes_vectors(const Catalogue& catalogue, const RecordReader& reader,
                   const ExportHeader& header) {
  const auto& spec = catalogue.embedder_spec();
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

// The images of one transaction, with the lines they came from.
struct Batch {
  std::vector<Image> images;
  std::vector<std::vector<std::size_t>> lines;          // of each image: its captions' lines
  std::unordered_map<std::string, std::size_t> by_uri;  // uri -> index in images

  std::size_t size() const { return images.size(); }
};

// A batch given to Catalogue::put on a thread of its own.
struct Flight {
  Batch batch;
  std::future<PutResult> done;
  // Ready once SQLite holds the batch; holds put's error if it failed before that.
  std::future<void> stored;
};

constexpr std::size_t kMostFlights = 3;

}  // namespace

void import_records(Catalogue& catalogue, RecordReader& reader, const ImportOptions& options,
                    ImportSummary& summary) {
  std::optional<bool> keep_vectors;  // decided once an export's header has been read
  Batch batch;                       // being read
  // Batches being put meanwhile, oldest first: reading and parsing go on while the
  // catalogue stores and indexes, and a batch stores its rows while the one before it is
  // indexed. A batch starts only once the one before it is stored, so batches commit in
  // file order. Up to three are in flight: one in the graph, one that stores meanwhile,
  // and one writing a snapshot (which no longer needs the writer).
  std::deque<Flight> flights;
  io::SeenSet committed;  // URIs written by earlier batches
  std::size_t committed_images = 0;
  const auto in_flight = [&] {
    std::size_t images = 0;
    for (const auto& f : flights) images += f.batch.size();
    return images;
  };

  // Waits for the oldest batch in flight. If it failed, nothing read after it is
  // committed either (but a later batch whose rows were stored before this one's graph
  // failed); its error names the record's line.
  auto finish_oldest = [&] {
    auto& flight = flights.front();
    try {
      summary += flight.done.get();
    } catch (const InputError& e) {
      summary.failed = in_flight() + batch.size();
      // put() names the image, and the caption where it is one: find the record's line.
      const auto it = flight.batch.by_uri.find(e.place().uri);
      if (e.place().uri.empty() || it == flight.batch.by_uri.end()) throw;
      const auto& image_lines = flight.batch.lines[it->second];
      const auto caption = e.place().caption;
      const auto line =
          caption && caption <= image_lines.size() ? image_lines[caption - 1] : image_lines.front();
      throw e.within({.file = reader.source(), .line = line});
    } catch (...) {
      summary.failed = in_flight() + batch.size();
      throw;
    }
    for (const auto& image : flight.batch.images) committed_images += committed.insert(image.uri);
    flights.pop_front();
  };
  auto finish = [&] {
    while (!flights.empty()) finish_oldest();
  };
  auto flush = [&] {
    if (batch.size() == 0) return;
    if (!flights.empty()) {
      try {
        flights.back().stored.get();
      } catch (...) {
        finish();  // reports the first batch that failed
        throw;
      }
    }
    while (flights.size() >= kMostFlights) finish_oldest();
    auto& flight = flights.emplace_back();
    flight.batch = std::move(batch);
    batch = {};
    auto stored = std::make_shared<std::promise<void>>();
    flight.stored = stored->get_future();
    flight.done =
        std::async(std::launch::async, [&catalogue, &images = flight.batch.images, stored] {
          std::once_flag told;
          const auto tell = [&](std::exception_ptr error) {
            std::call_once(told, [&] {
              if (error)
                stored->set_exception(error);
              else
                stored->set_value();
            });
          };
          try {
            auto result = catalogue.put(images, [&] { tell(nullptr); });
            tell(nullptr);
            return result;
          } catch (...) {
            tell(std::current_exception());
            throw;
          }
        });
  };
  // Whatever throws below waits for the batches in flight first: their errors, earlier in
  // the file, are the ones to report, and no thread may outlive this call.
  auto fail = [&](std::size_t failed) {
    finish();
    summary.failed = failed;
  };

  auto next = [&] {
    try {
      return reader.next();
    } catch (...) {
      // A full batch is complete and sound: the bad record starts the next one.
      if (batch.size() >= options.batch) flush();
      fail(batch.size() + 1);
      throw;
    }
  };
  while (true) {
    if (options.stop && options.stop()) {
      summary.stopped = true;
      break;
    }
    auto record = next();
    if (!record) break;
    ++summary.records;
    auto& image = record->image;
    if (!keep_vectors)
      keep_vectors =
          reader.export_header() ? takes_vectors(catalogue, reader, *reader.export_header()) : true;
    if (!*keep_vectors) image.vectors.clear();
    if (auto it = batch.by_uri.find(image.uri); it != batch.by_uri.end()) {
      auto& target = batch.images[it->second];
      // put() checks the limit too; checking here keeps one image's lines from filling memory.
      if (target.captions.size() + image.captions.size() > catalogue.limits().max_captions) {
        fail(batch.size());
        throw InputError(reader.source() + ":" + std::to_string(record->line) +
                         ": captions: " + image.uri + " has more than " +
                         std::to_string(catalogue.limits().max_captions) +
                         " caption lines, over the limit per image");
      }
      batch.lines[it->second].resize(target.captions.size() + image.captions.size(), record->line);
      for (auto& c : image.captions) target.captions.push_back(std::move(c));
      for (auto& v : image.vectors) target.vectors.push_back(std::move(v));
      if (image.metadata != "{}") target.metadata = std::move(image.metadata);
      if (!image.picture.empty()) target.picture = std::move(image.picture);
      continue;
    }
    if (batch.size() == options.batch) flush();
    if (std::any_of(flights.begin(), flights.end(),
                    [&](const Flight& f) { return f.batch.by_uri.count(image.uri) > 0; }))
      finish();  // this record adds to what a batch in flight stores
    if (committed.contains(image.uri)) {
      // Seen in an earlier batch of this import: add to what that batch stored.
      auto stored = catalogue.get(image.uri);
      for (auto& c : image.captions) stored.captions.push_back(std::move(c));
      for (auto& v : image.vectors) stored.vectors.push_back(std::move(v));
      if (image.metadata != "{}") stored.metadata = std::move(image.metadata);
      if (!image.picture.empty()) stored.picture = std::move(image.picture);
      image = std::move(stored);
    }
    batch.by_uri.emplace(image.uri, batch.size());
    // (Captions an earlier batch stored are put under this record's line too.)
    batch.lines.emplace_back(std::max<std::size_t>(image.captions.size(), 1), record->line);
    batch.images.push_back(std::move(image));
    if (options.progress && summary.records % 256 == 0)
      options.progress(summary.records, committed_images + in_flight() + batch.size());
  }
  if (summary.records == 0 && !summary.stopped)
    throw InputError(reader.source() + ": no records to import");
  flush();
  finish();
  if (options.progress) options.progress(summary.records, committed_images);
}

}  // namespace picdex
