// libcurl, loaded when the first HTTP client starts rather than with the program. Linked,
// it makes every process that uses picdex load some thirty more libraries (TLS, Kerberos,
// LDAP, ...): about 4 ms of each start, which only `push` needs.
#pragma once

#include <curl/curl.h>

namespace picdex::engines {

// The functions picdex calls, from libcurl.so.4.
struct CurlLibrary {
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_reset) easy_reset;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_easy_escape) easy_escape;
  decltype(&curl_free) free;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
  decltype(&curl_mime_init) mime_init;
  decltype(&curl_mime_free) mime_free;
  decltype(&curl_mime_addpart) mime_addpart;
  decltype(&curl_mime_name) mime_name;
  decltype(&curl_mime_filename) mime_filename;
  decltype(&curl_mime_data) mime_data;
};

// Loaded and initialised (curl_global_init) on the first call; throws IoError, naming the
// library and why, if it cannot be (then on every call).
const CurlLibrary& curl_library();

}  // namespace picdex::engines
