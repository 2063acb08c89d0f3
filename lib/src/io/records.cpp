// TSV, CSV and JSONL record parsers.
#include <cmath>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_set>
#include <utility>
#include <vector>

#include "io/ascii.hpp"
#include "io/jsonl_fast.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {
namespace {

using json = nlohmann::json;

// A CSV cell as JSON: numbers stay numbers, everything else is a string.
json cell_value(const std::string& cell) {
  double number;
  const auto* end = cell.data() + cell.size();
  const auto [ptr, ec] = std::from_chars(cell.data(), end, number);
  if (!cell.empty() && ec == std::errc() && ptr == end) {
    long long whole;
    const auto [wptr, wec] = std::from_chars(cell.data(), end, whole);
    if (wec == std::errc() && wptr == end) return whole;
    return number;
  }
  return cell;
}

}  // namespace

RecordFormat parse_record_format(std::string_view name) {
  const auto n = io::ascii_lower(name);
  if (n == "tsv") return RecordFormat::tsv;
  if (n == "csv") return RecordFormat::csv;
  if (n == "jsonl" || n == "json" || n == "ndjson") return RecordFormat::jsonl;
  throw InputError("unknown format '" + std::string(name) + "' (use tsv, csv or jsonl)");
}

std::optional<RecordFormat> record_format_of(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  try {
    return parse_record_format(file_name.substr(dot + 1));
  } catch (const InputError&) {
    return std::nullopt;
  }
}

std::optional<RecordFormat> record_format_sniffed(std::string_view first_line) {
  if (first_line.starts_with("\xEF\xBB\xBF")) first_line.remove_prefix(3);  // a byte-order mark
  const auto start = first_line.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return std::nullopt;
  if (first_line[start] == '{') return RecordFormat::jsonl;
  if (first_line.find('\t') != std::string_view::npos) return RecordFormat::tsv;
  // A CSV starts with its header, which names the uri and caption columns.
  const auto header = io::ascii_lower(first_line);
  if (header.find("uri") != std::string::npos && header.find(',') != std::string::npos)
    return RecordFormat::csv;
  return std::nullopt;
}

class RecordReader::Parser {
 public:
  Parser(std::istream& in, std::string source, RecordFormat format, std::size_t max_line_bytes)
      : format_(format), lines_(in, std::move(source), max_line_bytes) {}

  std::optional<Record> next() {
    switch (format_) {
      case RecordFormat::tsv:
        return next_tsv();
      case RecordFormat::csv:
        return next_csv();
      case RecordFormat::jsonl:
        return next_jsonl();
    }
    return std::nullopt;
  }
  const std::optional<ExportHeader>& export_header() const { return export_header_; }

 private:
  [[noreturn]] void fail(std::size_t line, std::string_view field, std::string_view problem) {
    lines_.fail(line, field, problem);
  }

  static bool blank(const std::string& s) {
    return s.find_first_not_of(" \t") == std::string::npos;
  }

  // A first line "uri<TAB>caption[<TAB>metadata]" (any case) names the columns, as a
  // spreadsheet's export writes them: it is not an image.
  static bool is_tsv_header(const std::vector<std::string>& fields) {
    static const char* const kNames[] = {"uri", "caption", "metadata"};
    if (fields.size() < 2) return false;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      std::string name = fields[i];
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name != kNames[i]) return false;
    }
    return true;
  }

  std::optional<Record> next_tsv() {
    std::string line;
    while (lines_.next(line)) {
      if (blank(line)) continue;
      std::vector<std::string> fields;
      std::size_t start = 0;
      for (;;) {
        const auto tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
      if (fields.size() > 3) fail(lines_.number(), "line", "has more than 3 tab-separated fields");
      if (std::exchange(tsv_first_, false) && is_tsv_header(fields)) continue;
      Record r;
      r.line = lines_.number();
      r.image.uri = fields[0];
      if (blank(r.image.uri)) fail(lines_.number(), "uri", "is empty");
      if (fields.size() < 2)
        fail(lines_.number(), "caption", "is missing (expected uri<TAB>caption)");
      if (blank(fields[1])) fail(lines_.number(), "caption", "is empty");
      r.image.captions.push_back(fields[1]);
      if (fields.size() == 3 && !blank(fields[2]))
        r.image.metadata = parse_object(fields[2], "metadata").dump();
      return r;
    }
    return std::nullopt;
  }

  // One CSV row (RFC 4180: quoted fields may hold commas, "" and line breaks): the header
  // of at most kMaxColumns cells, then rows of no more cells than the header.
  bool read_csv_row(std::vector<std::string>& cells, std::size_t& first_line) {
    const std::size_t max_cells = header_.empty() ? kMaxColumns : header_.size();
    std::string line;
    do {
      if (!lines_.next(line)) return false;
    } while (line.empty());
    first_line = lines_.number();
    cells.assign(1, "");
    bool quoted = false;
    std::size_t used = 0;  // bytes of the row's earlier lines
    for (std::size_t i = 0;; ++i) {
      if (i == line.size()) {
        if (!quoted) break;
        cells.back() += '\n';
        used += line.size() + 1;
        if (!lines_.next(line, used)) fail(first_line, "line", "has an unclosed quote");
        i = static_cast<std::size_t>(-1);
        continue;
      }
      const char c = line[i];
      if (quoted) {
        if (c != '"') {
          cells.back() += c;
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          cells.back() += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else if (c == ',') {
        if (cells.size() == max_cells)
          fail(first_line, "line",
               header_.empty() ? "has more than " + std::to_string(max_cells) + " columns"
                               : "has more than " + std::to_string(max_cells) +
                                     " fields; the header has " + std::to_string(max_cells));
        cells.emplace_back();
      } else if (c == '"' && cells.back().empty()) {
        quoted = true;
      } else {
        cells.back() += c;
      }
    }
    return true;
  }

  std::optional<Record> next_csv() {
    std::vector<std::string> cells;
    std::size_t line = 0;
    if (header_.empty()) {
      if (!read_csv_row(cells, line)) return std::nullopt;
      header_ = cells;
      for (std::size_t i = 0; i < header_.size(); ++i) {
        const auto name = io::ascii_lower(header_[i]);
        if (name == "uri") uri_column_ = i;
        if (name == "caption") caption_column_ = i;
      }
      if (uri_column_ == npos) fail(line, "header", "has no 'uri' column");
      if (caption_column_ == npos) fail(line, "header", "has no 'caption' column");
    }
    if (!read_csv_row(cells, line)) return std::nullopt;
    if (cells.size() != header_.size())
      fail(line, "line",
           "has " + std::to_string(cells.size()) + " fields; the header has " +
               std::to_string(header_.size()));
    Record r;
    r.line = line;
    r.image.uri = cells[uri_column_];
    if (blank(r.image.uri)) fail(line, "uri", "is empty");
    if (blank(cells[caption_column_])) fail(line, "caption", "is empty");
    r.image.captions.push_back(cells[caption_column_]);
    json meta = json::object();
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (i != uri_column_ && i != caption_column_ && !cells[i].empty())
        meta[header_[i]] = cell_value(cells[i]);
    r.image.metadata = meta.dump();
    return r;
  }

  // A JSON array of finite numbers.
  std::vector<float> numbers(const json& field, const char* name) {
    if (!field.is_array()) fail(lines_.number(), name, "must be an array of numbers");
    std::vector<float> out;
    out.reserve(field.size());
    for (const auto& x : field) {
      if (!x.is_number()) fail(lines_.number(), name, "must be an array of numbers");
      const auto v = x.get<double>();
      if (!std::isfinite(v) || std::abs(v) > 3.4e38)
        fail(lines_.number(), name, "holds a number out of range");
      out.push_back(static_cast<float>(v));
    }
    return out;
  }

  // An export's first line.
  void read_header(const json& value) {
    const auto field = [&](const char* key) -> const json& {
      if (!value.contains(key)) fail(lines_.number(), key, "is missing from the export header");
      return value[key];
    };
    if (field("picdex_export") != 1)
      fail(lines_.number(), "picdex_export", "is a version this build does not read (it reads 1)");
    if (!field("embedder").is_string()) fail(lines_.number(), "embedder", "must be a string");
    if (!field("dim").is_number_unsigned()) fail(lines_.number(), "dim", "must be a whole number");
    if (!field("vectors").is_boolean()) fail(lines_.number(), "vectors", "must be true or false");
    export_header_ = ExportHeader{value["embedder"], value["dim"], value["vectors"]};
  }

  // `text` as a JSON object; `twice` gets a key found twice in one of its objects (JSON
  // leaves duplicates open; taking one silently would drop data). Nullopt if not JSON.
  static std::optional<json> parse_json(std::string_view text, std::optional<std::string>& twice) {
    std::vector<std::unordered_set<std::string>> open;  // keys of each enclosing object
    const auto keys = [&](int, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::object_start) open.emplace_back();
      if (event == json::parse_event_t::object_end) open.pop_back();
      if (event == json::parse_event_t::key &&
          !open.back().insert(parsed.get<std::string>()).second && !twice)
        twice = parsed.get<std::string>();
      return true;
    };
    try {
      return json::parse(text, keys);
    } catch (const json::exception&) {  // syntax, or a number out of range
      return std::nullopt;
    }
  }

  // `text` as a JSON object with no key twice in any of its objects.
  json parse_object(std::string_view text, std::string_view field) {
    std::optional<std::string> twice;
    auto value = parse_json(text, twice);
    if (!value) fail(lines_.number(), field, "is not valid JSON");
    if (!value->is_object()) fail(lines_.number(), field, "must be a JSON object");
    if (twice) fail(lines_.number(), *twice, "appears twice in one object");
    return std::move(*value);
  }

  // A record line by the fast reader, when it takes the line whole (see jsonl_fast.hpp).
  bool read_fast(std::string& line, Record& r, io::JsonlKeys& keys) {
    std::optional<std::string_view> metadata;
    if (!fast_.read(line, r.image, keys, metadata)) return false;
    if (keys.image && blank(r.image.picture)) return false;
    if (metadata) {
      std::optional<std::string> twice;
      const auto value = parse_json(*metadata, twice);
      if (!value || !value->is_object() || twice) return false;
      r.image.metadata = value->dump();
    }
    return true;
  }

  // A record line by nlohmann's parser, with an error naming the line and field for
  // anything wrong in it; nullopt for the export header (which it reads).
  std::optional<Record> read_full(const std::string& line, bool first, io::JsonlKeys& keys) {
    const auto value = parse_object(line, "line");
    if (first && value.contains("picdex_export")) {
      read_header(value);
      return std::nullopt;
    }
    Record r;
    r.line = lines_.number();
    for (const auto& [key, field] : value.items()) {
      if (key == "uri") {
        if (!field.is_string()) fail(lines_.number(), "uri", "must be a string");
        r.image.uri = field.get<std::string>();
      } else if (key == "caption") {
        if (!field.is_string()) fail(lines_.number(), "caption", "must be a string");
        r.image.captions.push_back(field.get<std::string>());
      } else if (key == "captions") {
        if (!field.is_array()) fail(lines_.number(), "captions", "must be an array of strings");
        for (const auto& c : field) {
          if (!c.is_string()) fail(lines_.number(), "captions", "must be an array of strings");
          r.image.captions.push_back(c.get<std::string>());
        }
      } else if (key == "metadata") {
        if (!field.is_object()) fail(lines_.number(), "metadata", "must be a JSON object");
        r.image.metadata = field.dump();
      } else if (key == "image") {
        if (!field.is_string() || blank(field.get<std::string>()))
          fail(lines_.number(), "image", "must be a file's path (a JPEG or PNG)");
        r.image.picture = field.get<std::string>();
      } else if (key == "vector") {
        r.image.vectors.push_back(numbers(field, "vector"));
      } else if (key == "vectors") {
        if (!field.is_array())
          fail(lines_.number(), "vectors", "must be an array of arrays of numbers");
        for (const auto& v : field) r.image.vectors.push_back(numbers(v, "vectors"));
      } else {
        fail(lines_.number(), key,
             "unknown field (expected uri, caption or captions, vector or vectors, metadata, "
             "image)");
      }
    }
    keys = {value.contains("caption"), value.contains("captions"), value.contains("vector"),
            value.contains("vectors"), value.contains("image")};
    return r;
  }

  std::optional<Record> next_jsonl() {
    std::string line;
    while (lines_.next(line)) {
      if (blank(line)) continue;
      const bool first = !seen_line_;
      seen_line_ = true;
      Record r;
      r.line = lines_.number();
      io::JsonlKeys keys;
      if (!read_fast(line, r, keys)) {
        keys = {};
        auto full = read_full(line, first, keys);
        if (!full) continue;  // the export header
        r = std::move(*full);
      }
      if (keys.caption && keys.captions)
        fail(lines_.number(), "captions", "give either caption or captions, not both");
      if (keys.vector && keys.vectors)
        fail(lines_.number(), "vectors", "give either vector or vectors, not both");
      if (keys.vector && !keys.caption)
        fail(lines_.number(), "vector", "goes with caption (vectors go with captions)");
      if (keys.vectors && r.image.vectors.size() != r.image.captions.size())
        fail(lines_.number(), "vectors",
             std::to_string(r.image.vectors.size()) + " vectors for " +
                 std::to_string(r.image.captions.size()) + " captions: give one per caption");
      if (blank(r.image.uri)) fail(lines_.number(), "uri", "is missing or empty");
      if (r.image.captions.empty() && r.image.picture.empty())
        fail(lines_.number(), "caption", "is missing");
      for (const auto& c : r.image.captions)
        if (blank(c)) fail(lines_.number(), "caption", "is empty");
      return r;
    }
    return std::nullopt;
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  static constexpr std::size_t kMaxColumns = 10000;  // of a CSV header
  RecordFormat format_;
  LineReader lines_;
  io::JsonlFastReader fast_;
  std::vector<std::string> header_;
  bool seen_line_ = false;
  bool tsv_first_ = true;  // the next TSV line is the file's first: perhaps a header
  std::optional<ExportHeader> export_header_;
  std::size_t uri_column_ = npos, caption_column_ = npos;
};

RecordReader::RecordReader(std::istream& in, std::string source, RecordFormat format,
                           std::size_t max_line_bytes)
    : source_(source),
      parser_(std::make_unique<Parser>(in, std::move(source), format, max_line_bytes)) {}
RecordReader::~RecordReader() = default;
std::optional<Record> RecordReader::next() {
  return parser_->next();
}
const std::optional<ExportHeader>& RecordReader::export_header() const {
  return parser_->export_header();
}

}  // namespace picdex
