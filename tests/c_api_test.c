/* The C API (picdex/picdex.h) through a catalogue's whole life, from C11: create, put,
 * search (text, vector, filtered, keyword), get, remove, stats, verify, checkpoint,
 * export, close and reopen read-only; and its error paths, each with its status and
 * message. Exits 0 when every check holds, 1 otherwise.
 *   c_api_test SCRATCH_FOLDER */
#include <picdex/picdex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static void check(int ok, const char* what, int line) {
  if (!ok) {
    fprintf(stderr, "c_api_test.c:%d: FAILED: %s\n", line, what);
    ++failures;
  }
}
#define CHECK(x) check((x), #x, __LINE__)

static int contains(const char* text, const char* part) {
  return text && strstr(text, part) != NULL;
}

static void put_samples(picdex_catalogue* cat) {
  const char* beach[] = {"A dog sprinting over wet sand near the waves"};
  const char* snow[] = {"Kids playing in the snow with a sled", "Children sledding down a hill"};
  const char* violin[] = {"A woman playing the violin on a concert stage"};
  const picdex_new_image images[] = {
      {"beach-dog.jpg", beach, 1, "{\"year\": 2021, \"place\": \"coast\"}", NULL, 0},
      {"snow-kids.jpg", snow, 2, "{\"year\": 2019}", NULL, 0},
      {"violin.jpg", violin, 1, NULL, NULL, 0},
  };
  picdex_put_result result = {0, 0, 0};
  CHECK(picdex_put(cat, images, 3, &result) == PICDEX_OK);
  CHECK(result.added == 3 && result.updated == 0);
  CHECK(picdex_put(cat, images, 3, &result) == PICDEX_OK);
  CHECK(result.unchanged == 3);
}

/* The best hit's URI of a text search, copied into `out`. */
static int top_uri(picdex_catalogue* cat, const char* text, const picdex_search_options* options,
                   char* out, size_t size) {
  picdex_hits* hits = NULL;
  const int status = picdex_search_text(cat, text, options, &hits);
  out[0] = '\0';
  if (status == PICDEX_OK && picdex_hits_count(hits) > 0)
    snprintf(out, size, "%s", picdex_hit_uri(hits, 0));
  picdex_hits_free(hits);
  return status;
}

int main(int argc, char** argv) {
  char path[4096], exported[4096], vectors_path[4096], uri[256];
  if (argc != 2) {
    fprintf(stderr, "usage: c_api_test SCRATCH_FOLDER\n");
    return 64;
  }
  snprintf(path, sizeof path, "%s/c.pdx", argv[1]);
  snprintf(exported, sizeof exported, "%s/c.jsonl", argv[1]);
  snprintf(vectors_path, sizeof vectors_path, "%s/v.pdx", argv[1]);
  CHECK(picdex_c_api_version() == 1);
  CHECK(strcmp(picdex_version(), "0.1.0") == 0);

  /* A catalogue's life. */
  picdex_catalogue* cat = NULL;
  const picdex_create_options lexical = {"lexical", 0, 0, 0};
  CHECK(picdex_create(path, &lexical, &cat) == PICDEX_OK);
  CHECK(contains(picdex_embedder(cat), "lexical-v2"));
  put_samples(cat);

  picdex_hits* hits = NULL;
  CHECK(picdex_search_text(cat, "a dog running on the beach", NULL, &hits) == PICDEX_OK);
  CHECK(picdex_hits_count(hits) == 3);
  CHECK(strcmp(picdex_hit_uri(hits, 0), "beach-dog.jpg") == 0);
  CHECK(picdex_hit_score(hits, 0) > picdex_hit_score(hits, 1));
  CHECK(contains(picdex_hit_caption(hits, 0), "sprinting"));
  CHECK(contains(picdex_hit_metadata(hits, 0), "coast"));
  CHECK(!picdex_hit_matched_picture(hits, 0));
  CHECK(picdex_hit_uri(hits, 3) == NULL);
  picdex_hits_free(hits);

  const char* before_2020[] = {"year<2020"};
  picdex_search_options filtered = {0};
  filtered.where = before_2020;
  filtered.where_count = 1;
  CHECK(top_uri(cat, "a dog running on the beach", &filtered, uri, sizeof uri) == PICDEX_OK);
  CHECK(strcmp(uri, "snow-kids.jpg") == 0);
  picdex_search_options keyword = {0};
  keyword.mode = "keyword";
  keyword.k = 1;
  CHECK(top_uri(cat, "violin", &keyword, uri, sizeof uri) == PICDEX_OK);
  CHECK(strcmp(uri, "violin.jpg") == 0);

  picdex_image* image = NULL;
  CHECK(picdex_get(cat, "snow-kids.jpg", &image) == PICDEX_OK);
  CHECK(picdex_image_caption_count(image) == 2);
  CHECK(strcmp(picdex_image_caption(image, 1), "Children sledding down a hill") == 0);
  CHECK(picdex_image_caption(image, 2) == NULL);
  CHECK(contains(picdex_image_metadata(image), "2019"));
  picdex_image_free(image);

  int removed = 0;
  CHECK(picdex_remove(cat, "violin.jpg", &removed) == PICDEX_OK && removed);
  CHECK(picdex_remove(cat, "violin.jpg", &removed) == PICDEX_OK && !removed);
  picdex_stats stats;
  CHECK(picdex_stats_get(cat, &stats) == PICDEX_OK);
  CHECK(stats.images == 2 && stats.captions == 3 && stats.dim > 0);
  CHECK(picdex_verify(cat) == PICDEX_OK);
  CHECK(picdex_checkpoint(cat) == PICDEX_OK);
  size_t written = 0;
  CHECK(picdex_export(cat, exported, 0, &written) == PICDEX_OK);
  CHECK(written == 2);
  CHECK(picdex_close(cat) == PICDEX_OK);

  /* Reopened read-only: the same answers; writes refused. */
  CHECK(picdex_open(path, 1, &cat) == PICDEX_OK);
  CHECK(top_uri(cat, "a dog running on the beach", NULL, uri, sizeof uri) == PICDEX_OK);
  CHECK(strcmp(uri, "beach-dog.jpg") == 0);
  CHECK(picdex_remove(cat, "beach-dog.jpg", NULL) == PICDEX_IO);
  CHECK(contains(picdex_errmsg(cat), "read-only"));

  /* Error paths: a status, and a message naming what is wrong. */
  CHECK(picdex_get(cat, "nowhere.jpg", &image) == PICDEX_NOT_FOUND);
  CHECK(image == NULL);
  CHECK(contains(picdex_errmsg(cat), "nowhere.jpg"));
  const char* bad_condition[] = {"year"};
  filtered.where = bad_condition;
  CHECK(picdex_search_text(cat, "a dog", &filtered, &hits) == PICDEX_INPUT);
  CHECK(hits == NULL);
  CHECK(contains(picdex_errmsg(cat), "where 'year': expected KEY=VALUE"));
  keyword.mode = "fuzzy";
  CHECK(picdex_search_text(cat, "a dog", &keyword, &hits) == PICDEX_INPUT);
  CHECK(contains(picdex_errmsg(cat), "'fuzzy' is not vector, keyword or hybrid"));
  CHECK(picdex_search_text(cat, NULL, NULL, &hits) == PICDEX_MISUSE);
  CHECK(picdex_stats_get(cat, &stats) == PICDEX_OK);
  CHECK(strcmp(picdex_errmsg(cat), "") == 0); /* cleared by a call that succeeded */
  picdex_close(cat);

  picdex_catalogue* missing = NULL;
  CHECK(picdex_open(exported, 0, &missing) == PICDEX_FORMAT); /* JSONL, not a catalogue */
  CHECK(contains(picdex_errmsg(missing), exported));
  picdex_close(missing);
  CHECK(picdex_create(path, NULL, &missing) == PICDEX_IO); /* exists */
  picdex_close(missing);
  CHECK(picdex_open(NULL, 0, &missing) == PICDEX_INPUT);
  picdex_close(missing);
  CHECK(picdex_stats_get(NULL, &stats) == PICDEX_MISUSE);

  /* Vectors computed elsewhere. */
  const picdex_create_options none3 = {"none:dim=3", 0, 0, 0};
  CHECK(picdex_create(vectors_path, &none3, &cat) == PICDEX_OK);
  const char* red[] = {"red"};
  const char* green[] = {"green", "teal"};
  const float red_vector[] = {1, 0, 0};
  const float green_vectors[] = {0, 1, 0, 0, 1, 1};
  const picdex_new_image coloured[] = {{"a.jpg", red, 1, NULL, red_vector, 3},
                                       {"b.jpg", green, 2, NULL, green_vectors, 3}};
  CHECK(picdex_put(cat, coloured, 2, NULL) == PICDEX_OK);
  const float query[] = {0.1f, 0.9f, 0.2f};
  CHECK(picdex_search_vector(cat, query, 3, NULL, &hits) == PICDEX_OK);
  CHECK(picdex_hits_count(hits) == 2 && strcmp(picdex_hit_uri(hits, 0), "b.jpg") == 0);
  picdex_hits_free(hits);
  CHECK(picdex_search_vector(cat, query, 2, NULL, &hits) == PICDEX_INPUT);
  CHECK(contains(picdex_errmsg(cat), "has 2 dimensions"));
  const picdex_new_image short_vector[] = {{"c.jpg", red, 1, NULL, red_vector, 2}};
  CHECK(picdex_put(cat, short_vector, 1, NULL) == PICDEX_INPUT);
  CHECK(contains(picdex_errmsg(cat), "c.jpg"));
  picdex_close(cat);

  if (failures) fprintf(stderr, "c_api_test: %d checks failed\n", failures);
  return failures ? 1 : 0;
}
