/* find_images CATALOGUE QUERY [CONDITION]: the C API's version of examples/find_images.
 * Builds a tiny catalogue at CATALOGUE if there is none, then prints the two images that
 * best match QUERY (those meeting CONDITION, such as "year<2020").
 *   cc -std=c11 find_images.c $(pkg-config --cflags-only-I --libs picdex) */
#include <picdex/picdex.h>
#include <stdio.h>

static int fail(picdex_catalogue* catalogue) {
  fprintf(stderr, "find_images: %s\n", picdex_errmsg(catalogue));
  picdex_close(catalogue);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: find_images CATALOGUE QUERY [CONDITION]\n");
    return 64;
  }
  picdex_catalogue* catalogue = NULL;
  if (picdex_open(argv[1], 0, &catalogue) != PICDEX_OK) {
    picdex_close(catalogue); /* none yet: make it */
    if (picdex_create(argv[1], NULL, &catalogue) != PICDEX_OK) return fail(catalogue);
    const char* cat[] = {"A cat asleep on a rug", "Grey cat"};
    const char* car[] = {"A red car on a street"};
    const char* dog[] = {"A dog running on the beach"};
    const picdex_new_image images[] = {
        {"img/cat.jpg", cat, 2, "{\"year\":2024}", NULL, 0},
        {"img/car.jpg", car, 1, "{\"year\":2019}", NULL, 0},
        {"img/dog.jpg", dog, 1, "{\"year\":2024}", NULL, 0},
    };
    if (picdex_put(catalogue, images, 3, NULL) != PICDEX_OK) return fail(catalogue);
  }
  picdex_search_options options = {0};
  options.k = 2;
  const char* where[] = {argc > 3 ? argv[3] : NULL};
  if (argc > 3) options.where = where, options.where_count = 1;
  picdex_hits* hits = NULL;
  if (picdex_search_text(catalogue, argv[2], &options, &hits) != PICDEX_OK) return fail(catalogue);
  for (size_t i = 0; i < picdex_hits_count(hits); ++i)
    printf("%s %.3f %s\n", picdex_hit_uri(hits, i), picdex_hit_score(hits, i),
           picdex_hit_caption(hits, i));
  picdex_hits_free(hits);
  picdex_close(catalogue);
  return 0;
}
