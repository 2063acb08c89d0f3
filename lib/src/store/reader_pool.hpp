// ReaderPool: read-only connections to one catalogue, lent out one per call and kept for
// the next, so that concurrent searches each read SQLite on a connection of their own
// (with its own statement cache) and none pays to open one.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "store/database.hpp"
#include "store/tables.hpp"

namespace picdex::store {

// How a pool's connections read the file, beyond open_database()'s settings.
struct ReadTuning {
  int cache_kib = 0;  // SQLite's page cache per connection, filled as pages are read; 0: default
};

class ReaderPool {
 public:
  explicit ReaderPool(std::filesystem::path catalogue, ReadTuning tuning = {})
      : catalogue_(std::move(catalogue)), tuning_(tuning) {}

  // Runs `f(tables)` on a lent connection; SQLite's errors come out as picdex errors
  // naming the catalogue (store::guarded). Thread-safe.
  template <typename F>
  auto with(F&& f) const {
    return guarded(catalogue_.string(), [&] {
      auto reader = take();
      struct Return {
        const ReaderPool* pool;
        std::unique_ptr<Reader>& reader;
        ~Return() { pool->give_back(std::move(reader)); }
      } give_back_on_exit{this, reader};
      return f(reader->tables);
    });
  }

 private:
  struct Reader {
    std::unique_ptr<SQLite::Database> db;
    Tables tables;
    explicit Reader(std::unique_ptr<SQLite::Database> d) : db(std::move(d)), tables(*db) {}
  };
  std::unique_ptr<Reader> take() const;
  void give_back(std::unique_ptr<Reader> reader) const;

  std::filesystem::path catalogue_;
  ReadTuning tuning_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Reader>> idle_;
};

}  // namespace picdex::store
