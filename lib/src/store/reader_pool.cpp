#include "store/reader_pool.hpp"

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
  return std::make_unique<Reader>(open_database(catalogue_, OpenMode::read_only));
}

void ReaderPool::give_back(std::unique_ptr<Reader> reader) const {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(reader));
}

}  // namespace picdex::store
