// A small HTTP client over libcurl, for the engines a catalogue is pushed to. Every
// failure (no connection, a timeout, a status other than 2xx) is an IoError whose
// one-line message names the server and, for an error status, the server's own first line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace picdex::engines {

// One part of a multipart/form-data body (ClickHouse's external data).
struct FormPart {
  std::string name, content;
};

class HttpClient {
 public:
  // `base` is "http://HOST:PORT"; `name` is how messages name the server.
  HttpClient(std::string base, std::string name);
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // POSTs `body` to base + `target` (a path and query string); returns the response body.
  std::string post(const std::string& target, const std::string& body,
                   const std::string& content_type = "text/plain");
  // GETs base + `target`: the body, or nullopt when the server answers 404 (not found).
  std::optional<std::string> get(const std::string& target);
  // POSTs the parts as multipart/form-data.
  std::string post_form(const std::string& target, const std::vector<FormPart>& parts);

  // `text` percent-encoded for a query string.
  static std::string escape(const std::string& text);

 private:
  struct Handle;
  // Runs the request set up on `handle`; throws IoError unless the status is 2xx (or 404
  // when `not_found` is given, which is then set).
  std::string perform(Handle& handle, const std::string& target, bool* not_found = nullptr);
  std::string base_, name_;
  Handle* handle_;
};

}  // namespace picdex::engines
