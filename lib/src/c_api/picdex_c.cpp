// The C API (picdex/picdex.h) over picdex::Catalogue: handles that own C++ objects, and
// one place (call) where every exception becomes a status and a message.
#include "picdex/picdex.h"

#include <mutex>
#include <new>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "picdex/picdex.hpp"

struct picdex_catalogue {
  std::optional<picdex::Catalogue> catalogue;  // empty when create or open failed
  mutable std::mutex error_mutex;
  std::string error;
};

struct picdex_image {
  picdex::Image image;
};

struct picdex_hits {
  std::vector<picdex::Hit> hits;
};

namespace {

using picdex::Catalogue;

int fail(picdex_catalogue* handle, int status, const char* message) {
  if (handle) {
    std::lock_guard lock(handle->error_mutex);
    handle->error = message;
  }
  return status;
}

// Runs f, mapping what it throws to a status (and the handle's message).
template <typename F>
int call(picdex_catalogue* handle, F&& f) noexcept {
  try {
    f();
    std::lock_guard lock(handle->error_mutex);
    handle->error.clear();
    return PICDEX_OK;
  } catch (const picdex::InputError& e) {
    return fail(handle, PICDEX_INPUT, e.what());
  } catch (const picdex::NotFoundError& e) {
    return fail(handle, PICDEX_NOT_FOUND, e.what());
  } catch (const picdex::FormatError& e) {
    return fail(handle, PICDEX_FORMAT, e.what());
  } catch (const picdex::IoError& e) {
    return fail(handle, PICDEX_IO, e.what());
  } catch (const picdex::EmbedderMismatchError& e) {
    return fail(handle, PICDEX_MISMATCH, e.what());
  } catch (const std::bad_alloc&) {
    return fail(handle, PICDEX_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    return fail(handle, PICDEX_ERROR, e.what());
  } catch (...) {
    return fail(handle, PICDEX_ERROR, "unknown error");
  }
}

// A call on an open catalogue: PICDEX_MISUSE without one, or without `needed`.
template <typename F>
int call_open(picdex_catalogue* handle, bool needed, F&& f) noexcept {
  if (!handle) return PICDEX_MISUSE;
  if (!handle->catalogue) return fail(handle, PICDEX_MISUSE, "the catalogue is not open");
  if (!needed) return fail(handle, PICDEX_MISUSE, "a required argument is NULL");
  return call(handle, [&] { f(*handle->catalogue); });
}

// Makes a handle for create/open, which returns one even when it fails.
template <typename F>
int open_with(picdex_catalogue** out, F&& make) noexcept {
  if (!out) return PICDEX_MISUSE;
  *out = new (std::nothrow) picdex_catalogue;
  if (!*out) return PICDEX_NOMEM;
  return call(*out, [&] { (*out)->catalogue.emplace(make()); });
}

picdex::SearchOptions search_options(const picdex_search_options* o) {
  picdex::SearchOptions options;
  if (!o) return options;
  if (o->k) options.k = o->k;
  options.ef = o->ef;
  if (o->use_min_score) options.min_score = o->min_score;
  options.offset = o->offset;
  for (std::size_t i = 0; i < o->where_count; ++i) {
    if (!o->where || !o->where[i]) throw picdex::InputError("where: a condition is NULL");
    options.where.push_back(picdex::Condition::parse(o->where[i]));
  }
  if (o->mode) {
    const auto mode = picdex::search_mode_named(o->mode);
    if (!mode)
      throw picdex::InputError(std::string("mode: '") + o->mode +
                               "' is not vector, keyword or hybrid");
    options.mode = *mode;
  }
  return options;
}

picdex::Image image_from(const picdex_new_image& in) {
  if (!in.uri) throw picdex::InputError("uri: is NULL");
  picdex::Image image;
  image.uri = in.uri;
  for (std::size_t i = 0; i < in.caption_count; ++i) {
    if (!in.captions || !in.captions[i])
      throw picdex::InputError(image.uri + ": caption " + std::to_string(i + 1) + ": is NULL");
    image.captions.emplace_back(in.captions[i]);
  }
  if (in.metadata_json) image.metadata = in.metadata_json;
  if (in.vectors)
    for (std::size_t i = 0; i < in.caption_count; ++i)
      image.vectors.emplace_back(in.vectors + i * in.dim, in.vectors + (i + 1) * in.dim);
  return image;
}

template <typename T>
const T* at(const std::vector<T>& items, std::size_t i) {
  return i < items.size() ? &items[i] : nullptr;
}

}  // namespace

extern "C" {

const char* picdex_version(void) {
  return PICDEX_VERSION;
}

int picdex_c_api_version(void) {
  return 1;
}

const char* picdex_status_name(int status) {
  switch (status) {
    case PICDEX_OK:
      return "ok";
    case PICDEX_INPUT:
      return "input error";
    case PICDEX_NOT_FOUND:
      return "not found";
    case PICDEX_FORMAT:
      return "format error";
    case PICDEX_IO:
      return "I/O error";
    case PICDEX_MISMATCH:
      return "embedder mismatch";
    case PICDEX_MISUSE:
      return "misuse";
    case PICDEX_NOMEM:
      return "out of memory";
    default:
      return "error";
  }
}

int picdex_create(const char* path, const picdex_create_options* options, picdex_catalogue** out) {
  return open_with(out, [&] {
    if (!path) throw picdex::InputError("path: is NULL");
    picdex::CreateOptions create;
    if (options) {
      if (options->embedder) create.embedder = options->embedder;
      if (options->m) create.m = options->m;
      if (options->ef_construction) create.ef_construction = options->ef_construction;
      if (options->ef_search) create.ef_search = options->ef_search;
    }
    return Catalogue::create(path, create);
  });
}

int picdex_open(const char* path, int read_only, picdex_catalogue** out) {
  return open_with(out, [&] {
    if (!path) throw picdex::InputError("path: is NULL");
    picdex::OpenOptions options;
    options.read_only = read_only != 0;
    return Catalogue::open(path, options);
  });
}

int picdex_close(picdex_catalogue* catalogue) {
  delete catalogue;  // ~Catalogue saves when due and never throws
  return PICDEX_OK;
}

const char* picdex_errmsg(const picdex_catalogue* catalogue) {
  if (!catalogue) return "no catalogue handle";
  std::lock_guard lock(catalogue->error_mutex);
  return catalogue->error.c_str();
}

const char* picdex_embedder(const picdex_catalogue* catalogue) {
  return catalogue && catalogue->catalogue ? catalogue->catalogue->embedder_spec().c_str() : "";
}

int picdex_put(picdex_catalogue* catalogue, const picdex_new_image* images, size_t count,
               picdex_put_result* result) {
  return call_open(catalogue, images || count == 0, [&](Catalogue& c) {
    std::vector<picdex::Image> batch;
    batch.reserve(count);
    for (std::size_t i = 0; i < count; ++i) batch.push_back(image_from(images[i]));
    const auto put = c.put(batch);
    if (result) *result = {put.added, put.updated, put.unchanged};
  });
}

int picdex_remove(picdex_catalogue* catalogue, const char* uri, int* removed) {
  return call_open(catalogue, uri, [&](Catalogue& c) {
    const bool was = c.remove(uri);
    if (removed) *removed = was;
  });
}

int picdex_get(picdex_catalogue* catalogue, const char* uri, picdex_image** out) {
  if (out) *out = nullptr;
  return call_open(catalogue, uri && out,
                   [&](Catalogue& c) { *out = new picdex_image{c.get(uri)}; });
}

const char* picdex_image_uri(const picdex_image* image) {
  return image ? image->image.uri.c_str() : nullptr;
}
size_t picdex_image_caption_count(const picdex_image* image) {
  return image ? image->image.captions.size() : 0;
}
const char* picdex_image_caption(const picdex_image* image, size_t i) {
  const auto* caption = image ? at(image->image.captions, i) : nullptr;
  return caption ? caption->c_str() : nullptr;
}
const char* picdex_image_metadata(const picdex_image* image) {
  return image ? image->image.metadata.c_str() : nullptr;
}
void picdex_image_free(picdex_image* image) {
  delete image;
}

int picdex_search_text(picdex_catalogue* catalogue, const char* text,
                       const picdex_search_options* options, picdex_hits** out) {
  if (out) *out = nullptr;
  return call_open(catalogue, text && out, [&](Catalogue& c) {
    *out = new picdex_hits{c.search(std::string_view(text), search_options(options))};
  });
}

int picdex_search_vector(picdex_catalogue* catalogue, const float* vector, size_t dim,
                         const picdex_search_options* options, picdex_hits** out) {
  if (out) *out = nullptr;
  return call_open(catalogue, vector && out, [&](Catalogue& c) {
    *out = new picdex_hits{c.search(std::span<const float>(vector, dim), search_options(options))};
  });
}

size_t picdex_hits_count(const picdex_hits* hits) {
  return hits ? hits->hits.size() : 0;
}
const char* picdex_hit_uri(const picdex_hits* hits, size_t i) {
  const auto* hit = hits ? at(hits->hits, i) : nullptr;
  return hit ? hit->uri.c_str() : nullptr;
}
float picdex_hit_score(const picdex_hits* hits, size_t i) {
  const auto* hit = hits ? at(hits->hits, i) : nullptr;
  return hit ? hit->score : 0.0f;
}
const char* picdex_hit_caption(const picdex_hits* hits, size_t i) {
  const auto* hit = hits ? at(hits->hits, i) : nullptr;
  return hit ? hit->caption.c_str() : nullptr;
}
const char* picdex_hit_metadata(const picdex_hits* hits, size_t i) {
  const auto* hit = hits ? at(hits->hits, i) : nullptr;
  return hit ? hit->metadata.c_str() : nullptr;
}
int picdex_hit_matched_picture(const picdex_hits* hits, size_t i) {
  const auto* hit = hits ? at(hits->hits, i) : nullptr;
  return hit && hit->matched_pixels();
}
void picdex_hits_free(picdex_hits* hits) {
  delete hits;
}

int picdex_stats_get(picdex_catalogue* catalogue, picdex_stats* out) {
  return call_open(catalogue, out, [&](Catalogue& c) {
    const auto s = c.stats();
    *out = {s.images,     s.captions,    s.pictures,        s.deleted,      s.dim,
            s.file_bytes, s.graph_bytes, s.last_seq,        s.snapshot_seq, s.log_entries,
            s.format,     s.m,           s.ef_construction, s.ef_search};
  });
}

int picdex_verify(picdex_catalogue* catalogue) {
  std::string problems;
  const int status = call_open(catalogue, true, [&](Catalogue& c) {
    for (const auto& p : c.verify().problems) problems += (problems.empty() ? "" : "\n") + p;
  });
  if (status != PICDEX_OK || problems.empty()) return status;
  return fail(catalogue, PICDEX_FORMAT, problems.c_str());
}

int picdex_checkpoint(picdex_catalogue* catalogue) {
  return call_open(catalogue, true, [](Catalogue& c) { c.checkpoint(); });
}

int picdex_export(picdex_catalogue* catalogue, const char* path, int with_vectors, size_t* images) {
  return call_open(catalogue, path, [&](Catalogue& c) {
    std::size_t written = 0;
    picdex::write_whole_file(path, [&](std::ostream& out) {
      written = picdex::export_records(c, out, {.vectors = with_vectors != 0, .progress = {}});
    });
    if (images) *images = written;
  });
}

}  // extern "C"
