#include "embed/default_model.hpp"

#ifdef PICDEX_DEFAULT_MODEL
// The file's bytes, placed in the library by the assembler (no copy through C++ source).
asm(".section .rodata\n"
    ".balign 64\n"
    "picdex_default_model_begin:\n"
    ".incbin \"" PICDEX_DEFAULT_MODEL
    "\"\n"
    "picdex_default_model_end:\n"
    ".previous\n");
extern "C" const std::byte picdex_default_model_begin[];
extern "C" const std::byte picdex_default_model_end[];
#endif

namespace picdex::embed {

std::span<const std::byte> default_model_bytes() {
#ifdef PICDEX_DEFAULT_MODEL
  return {picdex_default_model_begin, picdex_default_model_end};
#else
  return {};
#endif
}

}  // namespace picdex::embed
