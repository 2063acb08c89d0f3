// The results page of `picdex search --html`: one self-contained HTML file showing each
// query's hits with their images, scores, captions and metadata.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "common.hpp"

namespace picdex::cli {

struct QueryResults {
  std::string query;
  std::vector<Hit> hits;
};

// Writes the page. Relative image URIs are resolved against `base` (the catalogue's
// folder) into file: URLs; absolute paths become file: URLs; http(s) URLs are used as
// they are; any other scheme is shown as text only. Every text is HTML-escaped, and a
// Content-Security-Policy forbids scripts, so a catalogue's text cannot add markup.
void write_results_page(std::ostream& out, const std::vector<QueryResults>& results,
                        const std::string& title, const std::filesystem::path& base);

}  // namespace picdex::cli
