// A file's XXH3-128 checksum: what identifies a CLIP model (its fingerprint) and the
// picture an image's pixels were embedded from.
#pragma once

#include <filesystem>
#include <string>

namespace picdex::io {

// 32 hex digits. NotFoundError naming the file when it cannot be read.
std::string file_checksum(const std::filesystem::path& file);

}  // namespace picdex::io
