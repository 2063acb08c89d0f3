// Importing a folder of pictures: each file's pixels embedded as its image's picture.
#include <algorithm>
#include <vector>

#include "io/ascii.hpp"
#include "picdex/embedder.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {
namespace {

namespace fs = std::filesystem;

bool picture_name(const fs::path& file) {
  const auto ext = io::ascii_lower(file.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

// The picture files under `folder`, in path order. NotFoundError if it does not exist,
// InputError if it is not a folder.
std::vector<fs::path> pictures_under(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) throw NotFoundError(folder.string() + ": does not exist");
  if (!fs::is_directory(folder, ec)) throw InputError(folder.string() + ": is not a folder");
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && picture_name(it->path())) files.push_back(it->path());
  if (ec) throw InputError(folder.string() + ": cannot be listed (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

void import_pictures(Catalogue& catalogue, const fs::path& folder, const ImportOptions& options,
                     ImportSummary& summary) {
  if (!catalogue.embedder().embeds_images())
    throw InputError(folder.string() + ": this catalogue's embedder (" +
                     catalogue.embedder().spec() +
                     ") embeds text only; pictures need a CLIP catalogue (--embedder clip:MODEL)");
  const auto files = pictures_under(folder);
  if (files.empty()) throw InputError(folder.string() + ": holds no .jpg, .jpeg or .png file");
  std::vector<Image> batch;
  auto flush = [&] {
    try {
      summary += catalogue.put(batch);
    } catch (...) {
      summary.failed = batch.size();
      throw;
    }
    batch.clear();
    if (options.progress) options.progress(summary.records, summary.records);
  };
  for (const auto& file : files) {
    if (options.stop && options.stop()) {
      summary.stopped = true;
      break;
    }
    ++summary.records;
    Image image;
    try {
      image = catalogue.get(file.string());  // keeps its captions and metadata
    } catch (const NotFoundError&) {
      image.uri = file.string();
    }
    image.picture = file.string();
    batch.push_back(std::move(image));
    if (batch.size() == options.batch) flush();
  }
  if (!batch.empty()) flush();
}

}  // namespace picdex
