// Creating, opening and closing a catalogue; loading its graph (snapshot + log replay).
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <signal.h>
#include <algorithm>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "catalogue/impl.hpp"
#include "index/snapshot.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace fs = std::filesystem;

namespace {

std::size_t meta_number(store::Rows& rows, const char* key, const std::string& where) {
  const auto value = rows.meta(key);
  if (!value) throw FormatError(where + ": catalogue has no '" + key + "' in meta");
  try {
    return std::stoul(*value);
  } catch (const std::exception&) {
    throw FormatError(where + ": meta '" + key + "' is not a number: " + *value);
  }
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

Catalogue::Impl::Impl(fs::path p, OpenOptions o, store::OpenMode mode)
    : path(std::move(p)),
      options(std::move(o)),
      read_only(mode == store::OpenMode::read_only),
      db(store::open_database(path, mode)),
      rows(std::make_unique<store::Rows>(*db)),
      threads(std::max(1u, std::thread::hardware_concurrency())) {}

void Catalogue::Impl::warn(const std::string& message) const {
  if (options.observer.warning) options.observer.warning(message);
}

std::unique_ptr<Reader> Catalogue::Impl::take_reader() const {
  {
    std::lock_guard lock(readers_mutex);
    if (!readers.empty()) {
      auto r = std::move(readers.back());
      readers.pop_back();
      return r;
    }
  }
  return std::make_unique<Reader>(store::open_database(path, store::OpenMode::read_only));
}

void Catalogue::Impl::give_back(std::unique_ptr<Reader> reader) const {
  std::lock_guard lock(readers_mutex);
  readers.push_back(std::move(reader));
}

// Starts from the snapshot the manifest names when it checks out, else from nothing (and
// warns if a snapshot was expected); then replays every later change (sync_graph). A
// read-only open leaves the snapshot's layer 0 unchecked until something must change the
// graph; a read-write open checks it whole now, and removes leftover snapshot files of
// crashed or superseded saves.
void Catalogue::Impl::load_graph() {
  Loaded loaded;
  {
    Lock graph_lock(graph_mutex);
    graph = std::make_unique<index::Graph>(shape);
    hit_rows.clear();
    applied_seq = snapshot_seq = 0;
    loaded = map_snapshot(*rows);
    store::guarded(path.string(), [&] {
      write_mutex.held(), graph_mutex.held();
      // (Warned.) Start from the captions themselves.
      if (loaded == Loaded::damaged) start_from(read_every_caption(*rows));
      sync_graph(*rows);
    });
  }
  if (read_only) return;
  if (loaded == Loaded::damaged) checkpoint();  // so the next open need not rebuild again
  remove_leftovers();
}

Catalogue::Impl::Loaded Catalogue::Impl::map_snapshot(store::Rows& source) {
  // A snapshot can vanish between reading the manifest and opening the file when another
  // process saves a newer one and removes the old: then read the manifest again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto manifest = store::guarded(path.string(), [&] { return source.manifest(); });
    if (!manifest) return Loaded::nothing;
    const auto named = index::snapshot_path(path, manifest->file);
    const auto file = named.value_or(manifest->file);
    std::string why;
    index::HitRows mapped_rows;
    try {
      if (!named) throw index::SnapshotError("is not a snapshot name of this catalogue");
      auto mapped = index::Graph::map(shape, file, static_cast<std::uint64_t>(manifest->bytes),
                                      manifest->checksum, mapped_rows);
      if (mapped.elements() != static_cast<std::size_t>(manifest->elements))
        throw index::SnapshotError("holds another number of elements than the manifest");
      if (!read_only)
        if (auto problem = mapped.make_writable()) throw index::SnapshotError(*problem);
      graph = std::make_unique<index::Graph>(std::move(mapped));
      hit_rows = std::move(mapped_rows);
      applied_seq = snapshot_seq = manifest->seq;
      return Loaded::snapshot;
    } catch (const index::SnapshotError& e) {
      why = e.what();
    }
    const auto again = store::guarded(path.string(), [&] { return source.manifest(); });
    if (again && again->file != manifest->file) continue;
    warn("graph snapshot " + file.string() + " " + why + "; rebuilding it from the stored vectors");
    return Loaded::damaged;
  }
  return Loaded::nothing;
}

void Catalogue::Impl::remove_leftovers() {
  // Usually there are none: look without locking first, so an open costs no write lock.
  const auto manifest = store::guarded(path.string(), [&] {
    write_mutex.held();
    return rows->manifest();
  });
  if (index::stale_snapshots(path, manifest ? manifest->file : "").empty()) return;
  // Under the write lock, so no save can record its snapshot between our reading the
  // manifest and removing files (a save in progress holds its file locked).
  const auto removed = store::guarded(path.string(), [&] {
    write_mutex.held();
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    const auto manifest = rows->manifest();
    const auto n = index::remove_stale_snapshots(path, manifest ? manifest->file : "");
    tx.commit();
    return n;
  });
  if (removed > 0)
    warn("removed " + std::to_string(removed) +
         " leftover graph snapshot file(s) of an interrupted or superseded save");
}

Catalogue::Catalogue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalogue::Catalogue(Catalogue&&) noexcept = default;
Catalogue& Catalogue::operator=(Catalogue&&) noexcept = default;

Catalogue::~Catalogue() {
  if (!impl_ || impl_->read_only) return;
  try {
    Lock lock(impl_->write_mutex);
    impl_->maybe_checkpoint(true);
  } catch (const std::exception& e) {
    impl_->warn(std::string("graph snapshot not saved on close: ") + e.what());
  }
}

Catalogue Catalogue::create(const fs::path& path, const CreateOptions& options, OpenOptions open) {
  check_create_options(options);
  auto embedder = make_embedder(options.embedder);
  std::error_code ec;
  if (fs::exists(path, ec)) throw IoError(path.string() + ": already exists");
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
    Impl impl(building, open, store::OpenMode::create);
    Lock write_lock(impl.write_mutex);
    store::guarded(path.string(), [&] {
      impl.write_mutex.held();
      SQLite::Transaction tx(*impl.db);
      auto& rows = *impl.rows;
      rows.set_meta(kMetaEmbedder, embedder->spec());
      rows.set_meta(kMetaDim, std::to_string(embedder->dim()));
      rows.set_meta(kMetaMetric, "cosine");
      rows.set_meta(kMetaM, std::to_string(options.m));
      rows.set_meta(kMetaEfConstruction, std::to_string(options.ef_construction));
      rows.set_meta(kMetaEfSearch, std::to_string(options.ef_search));
      tx.commit();
    });
  } catch (...) {
    discard();
    throw;
  }
  if (::renameat2(AT_FDCWD, building.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    const int err = errno;
    discard();
    if (err == EEXIST) throw IoError(path.string() + ": already exists");
    throw IoError(path.string() + ": cannot create: " + std::strerror(err));
  }
  index::sync_folder_of(path);
  return Catalogue::open(path, std::move(open));
}

Catalogue Catalogue::open(const fs::path& path, OpenOptions options) {
  const auto mode = options.read_only ? store::OpenMode::read_only : store::OpenMode::read_write;
  auto impl = std::make_unique<Impl>(path, std::move(options), mode);
  Lock write_lock(impl->write_mutex);  // (no other thread has it yet)
  const auto where = path.string();
  auto& rows = *impl->rows;
  const auto spec = store::guarded(where, [&] { return rows.meta(kMetaEmbedder); });
  if (!spec) throw FormatError(where + ": catalogue has no embedder in meta");
  impl->embedder = make_embedder(*spec);
  impl->external_vectors = spec->starts_with("none:");
  if (impl->embedder->spec() != *spec)
    throw FormatError(where + ": embedder '" + *spec + "' is not supported by this build");
  const auto& expected = impl->options.expect_embedder;
  if (!expected.empty() && make_embedder(expected)->spec() != *spec)
    throw EmbedderMismatchError(where + ": catalogue uses embedder '" + *spec + "', not '" +
                                make_embedder(expected)->spec() + "'");
  store::guarded(where, [&] {
    impl->shape.dim = meta_number(rows, kMetaDim, where);
    impl->shape.m = meta_number(rows, kMetaM, where);
    impl->shape.ef_construction = meta_number(rows, kMetaEfConstruction, where);
    impl->ef_search = meta_number(rows, kMetaEfSearch, where);
  });
  if (impl->shape.dim != impl->embedder->dim())
    throw FormatError(where + ": meta dim " + std::to_string(impl->shape.dim) +
                      " disagrees with embedder '" + *spec + "'");
  impl->beacon = store::ChangeBeacon(path, !impl->read_only);
  impl->load_graph();
  return Catalogue(std::move(impl));
}

const Embedder& Catalogue::embedder() const {
  return *impl_->embedder;
}

const Limits& Catalogue::limits() const {
  return impl_->options.limits;
}

void Catalogue::for_each_image(const std::function<void(const Image&)>& f,
                               bool with_vectors) const {
  impl_->with_reader([&](store::Rows& rows) {
    rows.for_each_image(
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
  return static_cast<std::size_t>(
      impl_->with_reader([](auto& r) { return r.count_captions() - r.count_pictures(); }));
}

Image Catalogue::get(std::string_view uri) const {
  auto row = impl_->with_reader(
      [&](auto& r) { return r.find_image(uri, /*with_vectors=*/impl_->external_vectors); });
  if (!row) throw NotFoundError(std::string(uri) + ": not in the catalogue");
  Image image{row->uri, {}, row->metadata, {}};
  for (auto& c : row->captions) {
    image.captions.push_back(std::move(c.text));
    if (impl_->external_vectors) image.vectors.push_back(std::move(c.vec));
  }
  if (row->picture) image.picture = std::move(row->picture->file);
  return image;
}

}  // namespace picdex
