#include "embed/built_in_models.hpp"

#include <array>

// Each file's bytes, placed in the library by the assembler (no copy through C++ source).
#define PICDEX_INCBIN(symbol, path)            \
  asm(".section .rodata\n"                     \
      ".balign 64\n" #symbol                   \
      "_begin:\n"                              \
      ".incbin \"" path "\"\n" #symbol         \
      "_end:\n"                                \
      ".previous\n");                          \
  extern "C" const std::byte symbol##_begin[]; \
  extern "C" const std::byte symbol##_end[];

#ifdef PICDEX_MODEL_DEFAULT_V1
PICDEX_INCBIN(picdex_model_default_v1, PICDEX_MODEL_DEFAULT_V1)
PICDEX_INCBIN(picdex_model_index_default_v1, PICDEX_MODEL_INDEX_DEFAULT_V1)
#endif
#ifdef PICDEX_MODEL_DEFAULT_V2
PICDEX_INCBIN(picdex_model_default_v2, PICDEX_MODEL_DEFAULT_V2)
PICDEX_INCBIN(picdex_model_index_default_v2, PICDEX_MODEL_INDEX_DEFAULT_V2)
#endif
#ifdef PICDEX_DENSITY_DEFAULT_V2
PICDEX_INCBIN(picdex_density_default_v2, PICDEX_DENSITY_DEFAULT_V2)
#define PICDEX_DENSITY_V2 \
  { picdex_density_default_v2_begin, picdex_density_default_v2_end }
#else
#define PICDEX_DENSITY_V2 \
  {}
#endif

namespace picdex::embed {

std::span<const BuiltInModelFile> built_in_model_files() {
  static const auto files = std::to_array<BuiltInModelFile>({
#ifdef PICDEX_MODEL_DEFAULT_V1
      {"default-v1",
       {picdex_model_default_v1_begin, picdex_model_default_v1_end},
       {},
       {picdex_model_index_default_v1_begin, picdex_model_index_default_v1_end}},
#endif
#ifdef PICDEX_MODEL_DEFAULT_V2
      {"default-v2",
       {picdex_model_default_v2_begin, picdex_model_default_v2_end},
       PICDEX_DENSITY_V2,
       {picdex_model_index_default_v2_begin, picdex_model_index_default_v2_end}},
#endif
  });
  return files;
}

}  // namespace picdex::embed
