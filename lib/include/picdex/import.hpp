// Reading catalogue records from TSV, CSV and JSONL streams, importing them in batches,
// and exporting a catalogue as JSONL that imports again. Streams are read forward only (pipes
// work). Errors are InputError with "SOURCE:LINE: FIELD: problem".
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "picdex/catalogue.hpp"

namespace picdex {

enum class RecordFormat { tsv, csv, jsonl };

// "tsv", "csv", "jsonl" (or "json", "ndjson"); InputError otherwise.
RecordFormat parse_record_format(std::string_view name);
// From a file name's extension; nullopt when it has none that is known.
std::optional<RecordFormat> record_format_of(std::string_view file_name);
// From an input's first line (for standard input, which has no name): JSONL when it starts
// with '{', TSV when it holds a tab, CSV when it is a header naming a uri column with a
// comma; nullopt otherwise.
std::optional<RecordFormat> record_format_sniffed(std::string_view first_line);

// One image's worth of a line: TSV `uri<TAB>caption[<TAB>metadata-json]`; CSV with a
// header naming `uri` and `caption` (other columns become metadata); JSONL objects
// {"uri", "caption" or "captions", "metadata", "image"}, "image" naming a JPEG or PNG file
// (relative to the current folder) for catalogues that embed pixels; with it, captions
// are optional.
struct Record {
  Image image;
  std::size_t line = 0;  // where the record starts, from 1
};

// The first line of an export: {"picdex_export": 1, "embedder": ..., "dim": ..., "vectors": ...}.
struct ExportHeader {
  std::string embedder;  // the exporting catalogue's embedder spec (with its fingerprint)
  std::size_t dim = 0;
  bool vectors = false;  // whether the image lines carry vectors
};

inline constexpr std::size_t kDefaultMaxLineBytes = 32 << 20;

// The lines of a stream, each without its end (LF or CRLF), the first without a UTF-8
// byte-order mark, each checked: valid UTF-8, no NUL byte, at most `max_line_bytes`
// bytes (found after reading no more than that: memory stays bounded on any input).
// A failed check is an InputError "SOURCE:LINE: line: problem".
class LineReader {
 public:
  LineReader(std::istream& in, std::string source,
             std::size_t max_line_bytes = kDefaultMaxLineBytes);
  // The next line into `line`; false at the end. `used`: bytes of the same record read
  // already (a CSV row's earlier lines), counted against the limit.
  bool next(std::string& line, std::size_t used = 0);
  std::size_t number() const { return number_; }  // of the last line read, from 1
  const std::string& source() const { return source_; }
  // Throws InputError "SOURCE:LINE: FIELD: problem".
  [[noreturn]] void fail(std::size_t line, std::string_view field, std::string_view problem) const;

 private:
  std::istream& in_;
  std::string source_;
  std::size_t max_line_bytes_;
  std::size_t number_ = 0;
  std::unique_ptr<char[]> chunk_;
};

class RecordReader {
 public:
  // A line (or a CSV row across lines) longer than `max_line_bytes` is an InputError.
  static constexpr std::size_t kDefaultMaxLineBytes = picdex::kDefaultMaxLineBytes;
  RecordReader(std::istream& in, std::string source, RecordFormat format,
               std::size_t max_line_bytes = kDefaultMaxLineBytes);
  ~RecordReader();
  std::optional<Record> next();  // nullopt at the end
  const std::string& source() const { return source_; }
  // An export's header line, once next() has passed it (JSONL only).
  const std::optional<ExportHeader>& export_header() const;

 private:
  class Parser;
  std::string source_;
  std::unique_ptr<Parser> parser_;
};

struct ImportOptions {
  std::size_t batch = 4000;  // images per transaction (fewer, larger commits import faster)
  std::function<void(std::size_t lines, std::size_t images)> progress;
  // Asked between records: once it returns true, the import reads no more, commits the
  // whole records it has read, sets ImportSummary::stopped and returns (an interrupt).
  std::function<bool()> stop;
};

struct ImportSummary : PutResult {
  std::size_t records = 0;  // lines (or CSV rows) read
  std::size_t failed = 0;   // images in the batch that was not committed
  bool stopped = false;     // ImportOptions::stop ended it before the end of the input
};

// Imports every record into `summary` as it goes. An export's vectors go into a catalogue
// of external vectors; into a catalogue with the export's own embedder they are dropped
// (it computes the same ones); any other catalogue refuses them (InputError, line 1). Lines for the
// same URI give it several captions (also across batches). Each batch commits whole; on a bad
// record the batch it is in is not committed (counted in summary.failed), earlier batches stay, and
// the InputError names the record's line. Re-importing the same file changes nothing. An input
// with no records is an InputError. Memory is bounded by the batch (and the catalogue's
// limits), plus 16 to 28 bytes per image imported, to know which URIs earlier batches wrote.
void import_records(Catalogue& catalogue, RecordReader& reader, const ImportOptions& options,
                    ImportSummary& summary);

// Embeds the pixels of every JPEG and PNG file (by name: .jpg, .jpeg, .png) under
// `folder`, in path order, into a catalogue whose embedder embeds images (InputError
// otherwise). Each file's path, as found from `folder`, is its image's URI; an image
// already in the catalogue keeps its captions and metadata. Batches commit whole, as for
// import_records; summary.records counts files. Re-importing unchanged files changes
// nothing; a changed file is embedded again. InputError when there is no image file or
// `folder` is not a folder; NotFoundError when it does not exist.
void import_pictures(Catalogue& catalogue, const std::filesystem::path& folder,
                     const ImportOptions& options, ImportSummary& summary);

struct ExportOptions {
  bool vectors = false;  // each caption's stored vector (unit length) too
  std::function<void(std::size_t images)> progress;
};

// Writes the catalogue as JSONL: the header line, then one line per image in the order
// added, {"uri", "captions", "metadata"}, "image" for an image with a picture, and with
// vectors, "vectors" (one per caption, as many digits as a float needs to read back the same).
// Returns the images written.
std::size_t export_records(const Catalogue& catalogue, std::ostream& out,
                           const ExportOptions& options);

// Writes each float in its shortest form that reads back the same, `separator` between.
void write_numbers(std::ostream& out, std::span<const float> numbers, char separator = ',');
// [[x, ...], ...]: vectors as a JSON array of arrays, numbers as write_numbers writes them.
void write_vectors(std::ostream& out, const std::vector<std::vector<float>>& vectors);

// Whether a file can be created at `path`, checked before any work that would be lost:
// throws IoError naming `path` and the cause in one line if its folder does not exist or
// cannot be written, or `path` is a folder.
void check_can_create(const std::filesystem::path& path);

// Writes `path` complete or not at all: `write` fills a temporary file beside it, which
// then replaces `path` (rename). Throws IoError naming `path` if it cannot be written.
void write_whole_file(const std::filesystem::path& path,
                      const std::function<void(std::ostream&)>& write);

}  // namespace picdex
