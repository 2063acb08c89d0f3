#include "engines/curl_library.hpp"

#include <dlfcn.h>

#include <optional>
#include <string>

#include "picdex/error.hpp"

namespace picdex::engines {
namespace {

constexpr const char* kSoname = "libcurl.so.4";

struct Loaded {
  std::optional<CurlLibrary> library;
  std::string error;
};

Loaded load() {
  Loaded out;
  void* handle = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);  // kept for the process's life
  if (!handle) {
    const char* why = dlerror();
    out.error = std::string("pushing needs libcurl (") + kSoname + "): " + (why ? why : "");
    return out;
  }
  CurlLibrary c{};
  bool missing = false;
  const auto bind = [&](auto& function, const char* name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(dlsym(handle, name));
    if (!function && !missing) {
      missing = true;
      out.error = std::string(kSoname) + " lacks " + name;
    }
  };
  bind(c.easy_init, "curl_easy_init");
  bind(c.easy_cleanup, "curl_easy_cleanup");
  bind(c.easy_reset, "curl_easy_reset");
  bind(c.easy_setopt, "curl_easy_setopt");
  bind(c.easy_perform, "curl_easy_perform");
  bind(c.easy_getinfo, "curl_easy_getinfo");
  bind(c.easy_strerror, "curl_easy_strerror");
  bind(c.easy_escape, "curl_easy_escape");
  bind(c.free, "curl_free");
  bind(c.slist_append, "curl_slist_append");
  bind(c.slist_free_all, "curl_slist_free_all");
  bind(c.mime_init, "curl_mime_init");
  bind(c.mime_free, "curl_mime_free");
  bind(c.mime_addpart, "curl_mime_addpart");
  bind(c.mime_name, "curl_mime_name");
  bind(c.mime_filename, "curl_mime_filename");
  bind(c.mime_data, "curl_mime_data");
  decltype(&curl_global_init) global_init = nullptr;
  bind(global_init, "curl_global_init");
  if (missing) return out;
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    out.error = std::string(kSoname) + ": curl_global_init failed";
    return out;
  }
  out.library = c;
  return out;
}

}  // namespace

const CurlLibrary& curl_library() {
  static const Loaded loaded = load();  // (thread-safe; once per process)
  if (!loaded.library) throw IoError(loaded.error);
  return *loaded.library;
}

}  // namespace picdex::engines
