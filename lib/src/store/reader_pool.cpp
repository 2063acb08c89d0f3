#include "store/reader_pool.hpp"

#include <string>

namespace picdex::store {

std::unique_ptr<ReaderPool::Reader> ReaderPool::take() const {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  // (A reader is lent to one thread at a time.)
  auto db = open_database(catalogue_, OpenMode::read_only, Threads::one_at_a_time);
  if (tuning_.cache_kib > 0) db->exec("PRAGMA cache_size = -" + std::to_string(tuning_.cache_kib));
  return std::make_unique<Reader>(std::move(db));
}

void ReaderPool::give_back(std::unique_ptr<Reader> reader) const {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(reader));
}

}  // namespace picdex::store
