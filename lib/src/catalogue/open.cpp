// Creating, opening and closing a catalogue; reading its images.
#include <fcntl.h>
#include <unistd.h>

#include <signal.h>
#include <algorithm>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "catalogue/impl.hpp"
#include "fault/file_watch.hpp"
#include "index/snapshot.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {
namespace fs = std::filesystem;

namespace {

std::size_t meta_number(store::Tables& tables, const char* key, const std::string& where) {
  const auto value = tables.meta(key);
  if (!value) throw FormatError(where + ": catalogue has no '" + key + "' in meta");
  try {
    return std::stoul(*value);
  } catch (const std::exception&) {
    throw FormatError(where + ": meta '" + key + "' is not a number: " + *value);
  }
}

GraphPrecision meta_precision(store::Tables& tables, const std::string& where) {
  const auto value = tables.meta(store::kMetaGraphPrecision);
  if (!value) return GraphPrecision::float32;  // catalogues made before int8 graphs
  const auto precision = graph_precision_named(*value);
  if (!precision)
    throw FormatError(where + ": meta '" + store::kMetaGraphPrecision +
                      "' names an unknown graph precision: " + *value);
  return *precision;
}

void check_create_options(const CreateOptions& o) {
  if (o.m < 2 || o.m > 128) throw InputError("--m must be between 2 and 128");
  if (o.ef_construction < 1 || o.ef_construction > 10000)
    throw InputError("--ef-construction must be between 1 and 10000");
  if (o.ef_search < 1 || o.ef_search > 10000)
    throw InputError("--ef-search must be between 1 and 10000");
}

// Removes "NAME.creating-PID*" files left by creations whose process is gone.
void remove_abandoned_creations(const fs::path& catalogue) {
  const auto prefix = catalogue.filename().string() + ".creating-";
  std::error_code ec;
  const auto folder = catalogue.parent_path().empty() ? fs::path(".") : catalogue.parent_path();
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
}

}  // namespace

Catalogue::Impl::Impl(fs::path path, OpenOptions options, store::OpenMode mode)
    : path_(std::move(path)),
      options_(std::move(options)),
      read_only_(mode == store::OpenMode::read_only),
      db_(store::open_database(path_, mode)),
      tables_(std::make_unique<store::Tables>(*db_)),
      readers_(path_),
      threads_(std::max(1u, std::thread::hardware_concurrency())) {
  if (!options_.durable_commits) db_->exec("PRAGMA synchronous = NORMAL");
}

void Catalogue::Impl::refuse_if_read_only() const {
  if (read_only_) throw IoError(path_.string() + ": catalogue is open read-only");
}

// (The analysis cannot follow a lock taken through a member reference.)
Catalogue::Impl::WriterLock::WriterLock(const Impl& impl) PICDEX_NO_THREAD_SAFETY_ANALYSIS
    : mutex_(impl.write_mutex_) {
  impl.refuse_if_read_only();
  mutex_.lock();
}

Catalogue::Impl::WriterLock::~WriterLock() PICDEX_NO_THREAD_SAFETY_ANALYSIS {
  if (held_) mutex_.unlock();
}

void Catalogue::Impl::WriterLock::unlock() PICDEX_NO_THREAD_SAFETY_ANALYSIS {
  mutex_.unlock();
  held_ = false;
}

void Catalogue::Impl::WriterLock::relock() PICDEX_NO_THREAD_SAFETY_ANALYSIS {
  mutex_.lock();
  held_ = true;
}

void Catalogue::Impl::warn(const std::string& message) const {
  if (options_.observer.warning) options_.observer.warning(message);
}

std::unique_ptr<Catalogue::Impl> Catalogue::Impl::open(const fs::path& path, OpenOptions options) {
  const auto mode = options.read_only ? store::OpenMode::read_only : store::OpenMode::read_write;
  std::unique_ptr<Impl> impl(new Impl(path, std::move(options), mode));
  Lock write_lock(impl->write_mutex_);  // (no other thread has it yet)
  const auto where = path.string();
  auto& tables = *impl->tables_;
  const auto spec = store::guarded(where, [&] { return tables.meta(store::kMetaEmbedder); });
  if (!spec) throw FormatError(where + ": catalogue has no embedder in meta");
  impl->embedder_spec_ = *spec;
  impl->external_vectors_ = spec->starts_with("none:");
  const auto& expected = impl->options_.expect_embedder;
  if (!expected.empty() && make_embedder(expected)->spec() != *spec)
    throw EmbedderMismatchError(where + ": catalogue uses embedder '" + *spec + "', not '" +
                                make_embedder(expected)->spec() + "'");
  index::GraphShape shape;
  store::guarded(where, [&] {
    impl->write_mutex_.held();
    shape.dim = meta_number(tables, store::kMetaDim, where);
    shape.m = meta_number(tables, store::kMetaM, where);
    shape.ef_construction = meta_number(tables, store::kMetaEfConstruction, where);
    shape.precision = meta_precision(tables, where);
    impl->ef_search_ = meta_number(tables, store::kMetaEfSearch, where);
  });
  impl->dim_ = shape.dim;
  impl->replica_ = std::make_unique<replica::Replica>(
      replica::Settings{.catalogue = path,
                        .shape = shape,
                        .embedder = *spec,
                        .read_only = impl->read_only_,
                        .threads = impl->threads_,
                        .ef_search = impl->ef_search_,
                        .checkpoint_after = impl->options_.checkpoint_after,
                        .observer = impl->options_.observer},
      impl->readers_);
  return impl;
}

const Embedder& Catalogue::Impl::embedder() const {
  std::call_once(embedder_made_, [&] {
    const auto where = path_.string();
    auto made = make_embedder(embedder_spec_);
    if (made->spec() != embedder_spec_)
      throw FormatError(where + ": embedder '" + embedder_spec_ +
                        "' is not supported by this build");
    if (made->dim() != dim_)
      throw FormatError(where + ": meta dim " + std::to_string(dim_) +
                        " disagrees with embedder '" + embedder_spec_ + "'");
    embedder_ = std::move(made);
  });
  return *embedder_;
}

replica::Replica& Catalogue::Impl::replica() const {
  if (!replica_open_.load(std::memory_order_acquire)) {
    Lock lock(write_mutex_);
    return replica_held();
  }
  return *replica_;
}

replica::Replica& Catalogue::Impl::replica_held() const {
  if (!replica_open_.load(std::memory_order_acquire)) {
    replica_->open(*tables_);
    replica_open_.store(true, std::memory_order_release);
  }
  return *replica_;
}

void Catalogue::Impl::close() {
  if (read_only_ || !replica_open_) return;  // an unopened replica has nothing to save
  try {
    Lock lock(write_mutex_);
    replica_->save_if_due(*tables_, /*closing=*/true);
  } catch (const std::exception& e) {
    warn(std::string("graph snapshot not saved on close: ") + e.what());
  }
}

Catalogue::Catalogue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalogue::Catalogue(Catalogue&&) noexcept = default;
Catalogue& Catalogue::operator=(Catalogue&&) noexcept = default;

Catalogue::~Catalogue() {
  if (impl_) impl_->close();
}

Catalogue Catalogue::create(const fs::path& path, const CreateOptions& options, OpenOptions open) {
  check_create_options(options);
  auto embedder = make_embedder(options.embedder);
  std::error_code ec;
  if (fs::exists(path, ec)) throw IoError(path.string() + ": already exists");
  check_can_create(path);  // a missing or read-only folder, named as such
  // Built whole under a temporary name, then renamed into place: a crash leaves either
  // no catalogue or a complete one, never a file without its meta.
  remove_abandoned_creations(path);
  auto building = path;
  building += ".creating-" + std::to_string(::getpid());
  auto discard = [&] {
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"})
      fs::remove(fs::path(building.string() + suffix), ignored);
  };
  discard();
  try {
    auto db = store::open_database(building, store::OpenMode::create);
    store::Tables tables(*db);
    store::guarded(path.string(), [&] {
      SQLite::Transaction tx(*db);
      tables.set_meta(store::kMetaEmbedder, embedder->spec());
      tables.set_meta(store::kMetaDim, std::to_string(embedder->dim()));
      tables.set_meta(store::kMetaMetric, "cosine");
      tables.set_meta(store::kMetaM, std::to_string(options.m));
      tables.set_meta(store::kMetaEfConstruction, std::to_string(options.ef_construction));
      tables.set_meta(store::kMetaEfSearch, std::to_string(options.ef_search));
      if (options.graph != GraphPrecision::float32)  // (absent means float32, as before)
        tables.set_meta(store::kMetaGraphPrecision, graph_precision_name(options.graph));
      tx.commit();
    });
  } catch (...) {
    discard();
    throw;
  }
  if (fault::rename_without_replacing(building, path) != 0) {
    const int err = errno;
    discard();
    if (err == EEXIST) throw IoError(path.string() + ": already exists");
    throw IoError(path.string() + ": cannot create: " + std::strerror(err));
  }
  index::sync_folder_of(path);
  return Catalogue::open(path, std::move(open));
}

Catalogue Catalogue::open(const fs::path& path, OpenOptions options) {
  return Catalogue(Impl::open(path, std::move(options)));
}

const Embedder& Catalogue::embedder() const {
  return impl_->embedder();
}
const std::string& Catalogue::embedder_spec() const {
  return impl_->embedder_spec();
}
std::size_t Catalogue::dim() const {
  return impl_->dim();
}

const Limits& Catalogue::limits() const {
  return impl_->limits();
}

void Catalogue::for_each_image(const std::function<void(const Image&)>& f,
                               bool with_vectors) const {
  impl_->with_reader([&](store::Tables& tables) {
    tables.for_each_image(
        [&](store::ImageRow& row) {
          Image image{std::move(row.uri), {}, std::move(row.metadata)};
          for (auto& c : row.captions) {
            image.captions.push_back(std::move(c.text));
            if (with_vectors) image.vectors.push_back(std::move(c.vec));
          }
          if (row.picture) image.picture = std::move(row.picture->file);
          f(image);
        },
        with_vectors);
    return 0;
  });
}

std::size_t Catalogue::size() const {
  return static_cast<std::size_t>(impl_->with_reader([](auto& r) { return r.count_images(); }));
}

std::size_t Catalogue::caption_count() const {
  return static_cast<std::size_t>(impl_->with_reader([](auto& r) { return r.count_captions(); }));
}

Image Catalogue::Impl::get(std::string_view uri, bool with_vectors) const {
  auto row = with_reader([&](auto& r) { return r.find_image(uri, with_vectors); });
  if (!row) throw NotFoundError(std::string(uri) + ": not in the catalogue");
  Image image{row->uri, {}, row->metadata, {}};
  for (auto& c : row->captions) {
    image.captions.push_back(std::move(c.text));
    if (with_vectors) image.vectors.push_back(std::move(c.vec));
  }
  if (row->picture) image.picture = std::move(row->picture->file);
  return image;
}

Image Catalogue::get(std::string_view uri) const {
  return impl_->get(uri);
}

Image Catalogue::get(std::string_view uri, bool with_vectors) const {
  return impl_->get(uri, with_vectors);
}

}  // namespace picdex
