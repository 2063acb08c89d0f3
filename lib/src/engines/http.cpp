#include "engines/http.hpp"

#include <memory>

#include "engines/curl_library.hpp"

#include "picdex/error.hpp"

namespace picdex::engines {

struct HttpClient::Handle {
  CURL* curl = nullptr;
};

namespace {

const CurlLibrary& lib() {
  return curl_library();
}

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string first_line(const std::string& text) {
  auto line = text.substr(0, text.find('\n'));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

}  // namespace

HttpClient::HttpClient(std::string base, std::string name)
    : base_(std::move(base)), name_(std::move(name)), handle_(new Handle) {
  handle_->curl = lib().easy_init();
  if (!handle_->curl) throw IoError(name_ + ": cannot start an HTTP client");
}

HttpClient::HttpClient(HttpClient&& other) noexcept
    : base_(std::move(other.base_)), name_(std::move(other.name_)), handle_(other.handle_) {
  other.handle_ = nullptr;
}

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  std::swap(base_, other.base_);
  std::swap(name_, other.name_);
  std::swap(handle_, other.handle_);
  return *this;
}

HttpClient::~HttpClient() {
  if (!handle_) return;
  lib().easy_cleanup(handle_->curl);
  delete handle_;
}

std::string HttpClient::escape(const std::string& text) {
  char* escaped = lib().easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out(escaped ? escaped : "");
  lib().free(escaped);
  return out;
}

std::string HttpClient::perform(Handle& handle, const std::string& target, bool* not_found) {
  std::string response;
  char error[CURL_ERROR_SIZE] = "";
  const auto url = base_ + target;
  lib().easy_setopt(handle.curl, CURLOPT_URL, url.c_str());
  lib().easy_setopt(handle.curl, CURLOPT_WRITEFUNCTION, append);
  lib().easy_setopt(handle.curl, CURLOPT_WRITEDATA, &response);
  lib().easy_setopt(handle.curl, CURLOPT_ERRORBUFFER, error);
  lib().easy_setopt(handle.curl, CURLOPT_CONNECTTIMEOUT, 10L);
  lib().easy_setopt(handle.curl, CURLOPT_TIMEOUT, 600L);
  lib().easy_setopt(handle.curl, CURLOPT_NOSIGNAL, 1L);
  // A connection a request: on reused ones ClickHouse 18.16 answered some multipart
  // requests (external data) with a bare 400. A local connect costs far less than a scan.
  lib().easy_setopt(handle.curl, CURLOPT_FORBID_REUSE, 1L);
  const CURLcode code = lib().easy_perform(handle.curl);
  if (code != CURLE_OK)
    throw IoError(name_ + ": " + (error[0] ? error : lib().easy_strerror(code)));
  long status = 0;
  lib().easy_getinfo(handle.curl, CURLINFO_RESPONSE_CODE, &status);
  if (not_found) *not_found = status == 404;
  if (not_found && *not_found) return response;
  if (status < 200 || status >= 300)
    throw IoError(name_ + ": HTTP " + std::to_string(status) + ": " + first_line(response));
  return response;
}

std::string HttpClient::post(const std::string& target, const std::string& body,
                             const std::string& content_type) {
  lib().easy_reset(handle_->curl);
  const auto header = "Content-Type: " + content_type;
  const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      lib().slist_append(nullptr, header.c_str()), lib().slist_free_all);
  lib().easy_setopt(handle_->curl, CURLOPT_HTTPHEADER, headers.get());
  lib().easy_setopt(handle_->curl, CURLOPT_POSTFIELDS, body.data());
  lib().easy_setopt(handle_->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                    static_cast<curl_off_t>(body.size()));
  return perform(*handle_, target);
}

std::optional<std::string> HttpClient::get(const std::string& target) {
  lib().easy_reset(handle_->curl);
  bool not_found = false;
  auto response = perform(*handle_, target, &not_found);
  if (not_found) return std::nullopt;
  return response;
}

std::string HttpClient::post_form(const std::string& target, const std::vector<FormPart>& parts) {
  lib().easy_reset(handle_->curl);
  const std::unique_ptr<curl_mime, decltype(&curl_mime_free)> form(lib().mime_init(handle_->curl),
                                                                   lib().mime_free);
  for (const auto& part : parts) {
    curl_mimepart* field = lib().mime_addpart(form.get());
    lib().mime_name(field, part.name.c_str());
    lib().mime_filename(field, part.name.c_str());  // ClickHouse reads file parts as tables
    lib().mime_data(field, part.content.data(), part.content.size());
  }
  lib().easy_setopt(handle_->curl, CURLOPT_MIMEPOST, form.get());
  return perform(*handle_, target);
}

}  // namespace picdex::engines
