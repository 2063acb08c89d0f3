#include "results_page.hpp"

#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace picdex::cli {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Percent-encodes a path for a file: URL (keeps unreserved characters and '/').
std::string url_path(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The URL an <img> may load for `uri`, or "" if it may not load it.
std::string image_url(const std::string& uri, const std::filesystem::path& base) {
  if (uri.starts_with("http://") || uri.starts_with("https://")) return uri;
  if (uri.starts_with("file://")) return uri;
  const auto colon = uri.find(':'), slash = uri.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash))
    return "";  // another scheme (javascript:, data:, ...): not loaded
  const auto path = std::filesystem::path(uri).is_absolute()
                        ? std::filesystem::path(uri)
                        : std::filesystem::absolute(base / uri);
  return "file://" + url_path(path.lexically_normal().string());
}

std::string score_text(float score) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", score);
  return text;
}

constexpr const char* kStyle = R"(
body { font: 15px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.none { color: #777; }
.hits { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 14px; }
.hit { background: #fff; border: 1px solid #ddd; border-radius: 8px; overflow: hidden; }
.hit .frame { height: 170px; background: #eee; display: flex; align-items: center; justify-content: center; }
.hit img { max-width: 100%; max-height: 170px; }
.hit .text { padding: 8px 10px; }
.rank { font-weight: 600; }
.score { float: right; font-variant-numeric: tabular-nums; color: #246; }
.uri { font-size: 12px; color: #555; word-break: break-all; }
.meta { font-size: 12px; color: #444; margin: 4px 0 0; padding: 0; list-style: none; }
)";

}  // namespace

void write_results_page(std::ostream& out, const std::vector<QueryResults>& results,
                        const std::string& title, const std::filesystem::path& base) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "img-src file: http: https:; style-src 'unsafe-inline'\">\n"
         "<title>"
      << escape(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>"
      << escape(title) << "</h1>\n";
  for (const auto& r : results) {
    out << "<section class=\"query\">\n<h2>" << escape(r.query) << "</h2>\n";
    if (r.hits.empty()) out << "<p class=\"none\">No images found.</p>\n";
    out << "<div class=\"hits\">\n";
    for (std::size_t i = 0; i < r.hits.size(); ++i) {
      const auto& hit = r.hits[i];
      const auto url = image_url(hit.uri, base);
      const auto caption =
          hit.matched_pixels() ? std::string("(matched by its pixels)") : hit.caption;
      out << "<article class=\"hit\">\n<div class=\"frame\">";
      if (!url.empty())
        out << "<img src=\"" << escape(url) << "\" alt=\"" << escape(caption)
            << "\" loading=\"lazy\">";
      out << "</div>\n<div class=\"text\"><span class=\"rank\">" << i + 1
          << "</span> <span class=\"score\">" << score_text(hit.score)
          << "</span>\n<p class=\"caption\">" << escape(caption) << "</p>\n<div class=\"uri\">"
          << escape(hit.uri) << "</div>\n<ul class=\"meta\">";
      const auto metadata = nlohmann::json::parse(hit.metadata, nullptr, false);
      if (metadata.is_object())
        for (const auto& [key, value] : metadata.items())
          out << "<li>" << escape(key) << ": "
              << escape(value.is_string() ? value.get<std::string>() : value.dump()) << "</li>";
      out << "</ul></div>\n</article>\n";
    }
    out << "</div>\n</section>\n";
  }
  out << "</body>\n</html>\n";
}

}  // namespace picdex::cli
