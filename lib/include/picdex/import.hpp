// Reading catalogue records from TSV, CSV and JSONL streams, and importing them in
// batches. Streams are read forward only (pipes work). Errors are InputError with
// "SOURCE:LINE: FIELD: problem".
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "picdex/catalogue.hpp"

namespace picdex {

enum class RecordFormat { tsv, csv, jsonl };

// "tsv", "csv", "jsonl" (or "json", "ndjson"); InputError otherwise.
RecordFormat parse_record_format(std::string_view name);
// From a file name's extension; nullopt when it has none that is known.
std::optional<RecordFormat> record_format_of(std::string_view file_name);

// One image's worth of a line: TSV `uri<TAB>caption[<TAB>metadata-json]`; CSV with a
// header naming `uri` and `caption` (other columns become metadata); JSONL objects
// {"uri", "caption" or "captions", "metadata"}.
struct Record {
  Image image;
  std::size_t line = 0;  // where the record starts, from 1
};

class RecordReader {
 public:
  RecordReader(std::istream& in, std::string source, RecordFormat format);
  ~RecordReader();
  std::optional<Record> next();  // nullopt at the end
  const std::string& source() const { return source_; }

 private:
  class Parser;
  std::string source_;
  std::unique_ptr<Parser> parser_;
};

struct ImportOptions {
  std::size_t batch = 1000;  // images per transaction
  std::function<void(std::size_t lines, std::size_t images)> progress;
};

struct ImportSummary : PutResult {
  std::size_t records = 0;  // lines (or CSV rows) read
  std::size_t failed = 0;   // images in the batch that was not committed
};

// Imports every record into `summary` as it goes. Lines for the same URI give it several
// captions (also across batches). Each batch commits whole; on a bad record the batch it
// is in is not committed (counted in summary.failed), earlier batches stay, and the
// InputError names the record's line. Re-importing the same file changes nothing.
void import_records(Catalogue& catalogue, RecordReader& reader, const ImportOptions& options,
                    ImportSummary& summary);

}  // namespace picdex
