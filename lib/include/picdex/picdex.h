/* picdex's C API: a catalogue of images and captions, searchable by text or vector, for
 * programs (and other languages) that link C rather than C++. It is a thin layer over
 * picdex::Catalogue (catalogue.hpp), in libpicdex.so, in the manner of SQLite's API:
 *
 * - Handles are opaque. Every call that can fail returns a picdex_status; PICDEX_OK is 0.
 * - picdex_errmsg() gives the message of the last failed call on a catalogue handle (as
 *   the C++ API words it: one line naming the file, field or URI at fault). No C++
 *   exception ever leaves a call.
 * - What the library returns it owns until the matching free call (picdex_hits_free,
 *   picdex_image_free, picdex_close). Strings are UTF-8 and NUL-terminated.
 * - A catalogue handle may be used from several threads at once, as the C++ catalogue:
 *   searches run in parallel and writes are serialised. The error message is kept per
 *   handle: read it from the thread that made the failing call, before that handle's
 *   next call.
 *
 * ABI: the functions and structs below are version 1 (picdex_c_api_version()). Later
 * versions only add functions; a struct that must grow gets a new name. */
#ifndef PICDEX_H
#define PICDEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum picdex_status {
  PICDEX_OK = 0,
  PICDEX_ERROR = 1,     /* anything not named below */
  PICDEX_INPUT = 2,     /* bad input: the message names the field */
  PICDEX_NOT_FOUND = 3, /* no such file, or no such image */
  PICDEX_FORMAT = 4,    /* not a catalogue, damaged, or in a format needing an upgrade */
  PICDEX_IO = 5,        /* the file system refused (read-only, full, exists already) */
  PICDEX_MISMATCH = 6,  /* the catalogue uses another embedder than the one expected */
  PICDEX_MISUSE = 7,    /* a null handle or argument where one is needed */
  PICDEX_NOMEM = 8
} picdex_status;

/* "0.1.0": the library's version. */
const char* picdex_version(void);
/* 1: the version of this C API (see ABI above). */
int picdex_c_api_version(void);
/* A short English name of a status ("input error", ...). */
const char* picdex_status_name(int status);

typedef struct picdex_catalogue picdex_catalogue;

/* How a new catalogue embeds and indexes. Zero-initialise it: a zero or NULL field takes
 * the default (embedder "learned", m 32, ef_construction 200, ef_search 128). */
typedef struct picdex_create_options {
  const char* embedder; /* "learned", "lexical", "none:dim=N" (vectors from you), ... */
  size_t m;
  size_t ef_construction;
  size_t ef_search;
} picdex_create_options;

/* Creates a catalogue file (PICDEX_IO if it exists) or opens one. As SQLite's open does,
 * both set *out to a handle even when they fail, so that picdex_errmsg() can say why; the
 * caller closes it either way. options may be NULL. */
int picdex_create(const char* path, const picdex_create_options* options, picdex_catalogue** out);
int picdex_open(const char* path, int read_only, picdex_catalogue** out);
/* Saves a graph snapshot if enough changes are pending, and frees the handle. NULL is a
 * no-op. Returns PICDEX_OK. */
int picdex_close(picdex_catalogue* catalogue);
/* The last failed call's message on this handle; "" after a call that succeeded. */
const char* picdex_errmsg(const picdex_catalogue* catalogue);
/* The catalogue's embedder spec, as stored ("learned-v2:model=default,fingerprint=..."). */
const char* picdex_embedder(const picdex_catalogue* catalogue);

/* One image to put: its URI, one or more captions, metadata as a JSON object (NULL: {}),
 * and for a catalogue of vectors ("none:dim=N") one vector per caption: caption_count x
 * dim floats, row after row (NULL for catalogues that embed their captions). */
typedef struct picdex_new_image {
  const char* uri;
  const char* const* captions;
  size_t caption_count;
  const char* metadata_json;
  const float* vectors;
  size_t dim;
} picdex_new_image;

typedef struct picdex_put_result {
  size_t added, updated, unchanged;
} picdex_put_result;

/* Upserts `count` images by URI in one transaction: all or nothing. result may be NULL. */
int picdex_put(picdex_catalogue* catalogue, const picdex_new_image* images, size_t count,
               picdex_put_result* result);
/* Removes an image; *removed (if not NULL) says whether it was there. */
int picdex_remove(picdex_catalogue* catalogue, const char* uri, int* removed);

/* A stored image, from picdex_get. */
typedef struct picdex_image picdex_image;
/* PICDEX_NOT_FOUND when the URI is not in the catalogue. */
int picdex_get(picdex_catalogue* catalogue, const char* uri, picdex_image** out);
const char* picdex_image_uri(const picdex_image* image);
size_t picdex_image_caption_count(const picdex_image* image);
const char* picdex_image_caption(const picdex_image* image, size_t i); /* NULL past the end */
const char* picdex_image_metadata(const picdex_image* image);          /* a JSON object */
void picdex_image_free(picdex_image* image);

/* How to search. Zero-initialise it: zero fields take the defaults (k 10, the catalogue's
 * ef, no minimum score, no offset, no conditions, vector mode). */
typedef struct picdex_search_options {
  size_t k;
  size_t ef;
  int use_min_score; /* nonzero: drop hits whose score (below) is below min_score */
  float min_score;
  size_t offset;            /* skip this many best images (the next page) */
  const char* const* where; /* conditions on metadata, as the CLI's --where: */
  size_t where_count;       /* "year>=2020", "place=home", "tag in a,b" */
  const char* mode;         /* NULL or "vector"; "keyword" or "hybrid" (text only) */
} picdex_search_options;

/* Hits, best first, one per image. */
typedef struct picdex_hits picdex_hits;
/* options may be NULL. */
int picdex_search_text(picdex_catalogue* catalogue, const char* text,
                       const picdex_search_options* options, picdex_hits** out);
int picdex_search_vector(picdex_catalogue* catalogue, const float* vector, size_t dim,
                         const picdex_search_options* options, picdex_hits** out);
size_t picdex_hits_count(const picdex_hits* hits);
/* The i-th hit's fields; NULL (or 0) past the end. */
const char* picdex_hit_uri(const picdex_hits* hits, size_t i);
/* Cosine similarity (learned-v3: corrected for density; see the README). */
float picdex_hit_score(const picdex_hits* hits, size_t i);
const char* picdex_hit_caption(const picdex_hits* hits, size_t i); /* "" if the picture matched */
const char* picdex_hit_metadata(const picdex_hits* hits, size_t i);
int picdex_hit_matched_picture(const picdex_hits* hits, size_t i);
void picdex_hits_free(picdex_hits* hits);

typedef struct picdex_stats {
  size_t images, captions, pictures;
  size_t deleted; /* graph elements marked deleted, until compacted */
  size_t dim;
  uint64_t file_bytes, graph_bytes;
  int64_t last_seq, snapshot_seq;
  size_t log_entries;
  int format;
  size_t m, ef_construction, ef_search;
} picdex_stats;
int picdex_stats_get(picdex_catalogue* catalogue, picdex_stats* out);

/* Checks the file and the graph. PICDEX_OK if sound; else PICDEX_FORMAT, and
 * picdex_errmsg() lists the problems, one a line. */
int picdex_verify(picdex_catalogue* catalogue);
/* Saves a graph snapshot holding every change so far. */
int picdex_checkpoint(picdex_catalogue* catalogue);
/* Writes the catalogue as JSONL (what `picdex import` reads back) to `path`, whole or
 * not at all; with_vectors nonzero adds each caption's stored vector. *images (if not
 * NULL) gets the count written. */
int picdex_export(picdex_catalogue* catalogue, const char* path, int with_vectors, size_t* images);

#ifdef __cplusplus
}
#endif

#endif /* PICDEX_H */
