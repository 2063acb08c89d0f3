#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "commands.hpp"

namespace picdex::cli {
namespace {

// "1 record", "2 records".
std::string count_of(std::size_t n, const char* unit) {
  return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
}

void report(const std::string& source, const ImportSummary& summary,
            std::chrono::steady_clock::time_point start, const char* unit) {
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  if (summary.stopped) {
    std::fprintf(stderr,
                 "interrupted %s after %s: %zu added, %zu updated, %zu unchanged are committed; "
                 "importing it again adds the rest\n",
                 source.c_str(), count_of(summary.records, unit).c_str(), summary.added,
                 summary.updated, summary.unchanged);
    return;
  }
  std::fprintf(stderr,
               "imported %s: %zu added, %zu updated, %zu unchanged, %zu failed, %s in %.1f s\n",
               source.c_str(), summary.added, summary.updated, summary.unchanged, summary.failed,
               count_of(summary.records, unit).c_str(), seconds.count());
}

// Before the error itself (main prints it next), what an import stopped at `error` left:
// the batches before it, committed, and the batch it was in, which was not.
void report_stopped(const std::string& source, const ImportSummary& summary,
                    const InputError* error) {
  std::string where = source;
  if (error && !error->place().file.empty()) {
    where = error->place().file;
    if (error->place().line > 0) where += ":" + std::to_string(error->place().line);
  }
  std::fprintf(stderr,
               "stopped at %s: %zu added, %zu updated, %zu unchanged are committed; the %s of "
               "its batch are not\n",
               where.c_str(), summary.added, summary.updated, summary.unchanged,
               count_of(summary.failed, "image").c_str());
}

// Runs an import with a progress line labelled `label`, reporting what it committed whether
// it finishes, stops at an error or is interrupted (Ctrl-C: the records read are committed).
// Returns the exit status.
template <typename Import>
int run_reported(const std::string& source, const char* unit, const char* label,
                 ImportOptions settings, Import import) {
  const auto start = std::chrono::steady_clock::now();
  ImportSummary summary;
  InterruptCatcher interrupt;
  settings.stop = [] { return InterruptCatcher::requested(); };
  try {
    Progress progress(label);  // its line ends before the summary's
    settings.progress = [&](std::size_t done, std::size_t) { progress.update(done, 0); };
    import(settings, summary);
  } catch (const InputError& e) {
    if (summary.added + summary.updated + summary.unchanged > 0)
      report_stopped(source, summary, &e);
    throw;
  } catch (...) {
    if (summary.added + summary.updated + summary.unchanged > 0)
      report_stopped(source, summary, nullptr);
    throw;
  }
  report(source, summary, start, unit);
  return summary.stopped ? Exit::interrupted : Exit::ok;
}

int import_images(const std::string& path, const std::string& folder, std::size_t batch,
                  const Limits& limits) {
  auto catalogue = open_catalogue(path, false, limits);
  ImportOptions settings;
  settings.batch = std::min<std::size_t>(batch, 64);  // a batch's pixels are embedded first
  return run_reported(folder, "file", "embedding pictures", settings,
                      [&](const ImportOptions& options, ImportSummary& summary) {
                        import_pictures(catalogue, folder, options, summary);
                      });
}

}  // namespace

int cmd_import(const Args& args) {
  std::string path, file, format, images;
  std::size_t batch = ImportOptions{}.batch;
  std::size_t max_line_bytes = RecordReader::kDefaultMaxLineBytes;
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file")(
      "file", po::value(&file), "TSV, CSV or JSONL file, or - for standard input")(
      "images", po::value(&images),
      "instead of a file: embed the pixels of every .jpg, .jpeg and .png file under this "
      "folder (CLIP catalogues); each file's path is its image's URI")(
      "format", po::value(&format),
      "tsv, csv or jsonl (default: from the file's extension; for -, from its first line)")(
      "batch", po::value(&batch)->default_value(batch), "images per transaction")(
      "max-line-bytes", po::value(&max_line_bytes)->default_value(max_line_bytes),
      "refuse a line (or CSV row) longer than this");
  Limits limits;
  add_limit_options(options, limits);
  po::positional_options_description positional;
  positional.add("catalogue", 1).add("file", 1);
  po::variables_map vm;
  if (!parse(args,
             "picdex import CATALOGUE FILE|- [--format F] [--batch N] [--max-... N]\n"
             "       picdex import CATALOGUE --images FOLDER [--batch N]",
             options, positional, vm))
    return Exit::ok;
  if (batch == 0) throw UsageError("--batch must be at least 1");
  if (file.empty() == images.empty())
    throw UsageError(file.empty() ? "give a FILE to import, or --images FOLDER"
                                  : "give either a FILE or --images FOLDER, not both");
  if (!images.empty()) return import_images(path, images, batch, limits);

  Input input(file);  // first: a missing file or a folder says so before anything else
  const std::string& source = input.source();

  // The format: --format, else the file's extension, else (standard input) its first line.
  std::optional<RecordFormat> kind;
  std::unique_ptr<ReplayedStream> sniffed;
  if (!format.empty()) {
    kind = parse_record_format(format);
  } else if (file != "-") {
    kind = record_format_of(file);
  } else {
    auto head = read_first_line(input.stream());
    kind = head.empty() ? RecordFormat::tsv : record_format_sniffed(head);  // (empty: no records)
    sniffed = std::make_unique<ReplayedStream>(std::move(head), input.stream());
  }
  if (!kind)
    throw UsageError("cannot tell the format of " +
                     (file == "-" ? "standard input from its first line" : file) +
                     ": give --format tsv, csv or jsonl");

  auto catalogue = open_catalogue(path, false, limits);
  RecordReader reader(sniffed ? *sniffed : input.stream(), source, *kind, max_line_bytes);
  ImportOptions settings;
  settings.batch = batch;
  return run_reported(source, "record", "importing", settings,
                      [&](const ImportOptions& options, ImportSummary& summary) {
                        import_records(catalogue, reader, options, summary);
                      });
}

}  // namespace picdex::cli
