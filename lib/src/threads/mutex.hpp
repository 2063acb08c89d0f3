// Mutexes and locks that state their rules to clang's thread-safety analysis
// (-Wthread-safety, on in clang builds): members say which mutex guards them
// (PICDEX_GUARDED_BY), functions which mutex their caller holds (PICDEX_REQUIRES...), and
// the compiler checks every access. Other compilers see plain mutexes.
#pragma once

#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define PICDEX_THREAD_ATTRIBUTE(x) __attribute__((x))
#else
#define PICDEX_THREAD_ATTRIBUTE(x)
#endif

#define PICDEX_CAPABILITY(x) PICDEX_THREAD_ATTRIBUTE(capability(x))
#define PICDEX_SCOPED_CAPABILITY PICDEX_THREAD_ATTRIBUTE(scoped_lockable)
#define PICDEX_GUARDED_BY(x) PICDEX_THREAD_ATTRIBUTE(guarded_by(x))
#define PICDEX_PT_GUARDED_BY(x) PICDEX_THREAD_ATTRIBUTE(pt_guarded_by(x))
#define PICDEX_REQUIRES(...) PICDEX_THREAD_ATTRIBUTE(requires_capability(__VA_ARGS__))
#define PICDEX_REQUIRES_SHARED(...) PICDEX_THREAD_ATTRIBUTE(requires_shared_capability(__VA_ARGS__))
#define PICDEX_EXCLUDES(...) PICDEX_THREAD_ATTRIBUTE(locks_excluded(__VA_ARGS__))
#define PICDEX_ACQUIRE(...) PICDEX_THREAD_ATTRIBUTE(acquire_capability(__VA_ARGS__))
#define PICDEX_ACQUIRE_SHARED(...) PICDEX_THREAD_ATTRIBUTE(acquire_shared_capability(__VA_ARGS__))
#define PICDEX_RELEASE(...) PICDEX_THREAD_ATTRIBUTE(release_capability(__VA_ARGS__))
#define PICDEX_RELEASE_SHARED(...) PICDEX_THREAD_ATTRIBUTE(release_shared_capability(__VA_ARGS__))
#define PICDEX_RELEASE_GENERIC(...) PICDEX_THREAD_ATTRIBUTE(release_generic_capability(__VA_ARGS__))
// For code the analysis cannot follow (opening, before any other thread can see the object).
#define PICDEX_ASSERT_CAPABILITY(x) PICDEX_THREAD_ATTRIBUTE(assert_capability(x))
#define PICDEX_ASSERT_SHARED_CAPABILITY(x) PICDEX_THREAD_ATTRIBUTE(assert_shared_capability(x))
#define PICDEX_NO_THREAD_SAFETY_ANALYSIS PICDEX_THREAD_ATTRIBUTE(no_thread_safety_analysis)

namespace picdex {

class PICDEX_CAPABILITY("mutex") Mutex {
 public:
  void lock() PICDEX_ACQUIRE() { m_.lock(); }
  void unlock() PICDEX_RELEASE() { m_.unlock(); }
  // Tells the analysis, inside a lambda run while the lock is held, that it is.
  void held() const PICDEX_ASSERT_CAPABILITY(this) {}

 private:
  std::mutex m_;
};

// A shared mutex that lets a waiting writer in ahead of newly arriving readers: glibc's
// rwlock prefers readers, so a steady stream of searches would starve every write.
class PICDEX_CAPABILITY("mutex") WriterFirstMutex {
 public:
  void lock() PICDEX_ACQUIRE() {
    std::lock_guard gate(gate_);
    rw_.lock();
  }
  void unlock() PICDEX_RELEASE() { rw_.unlock(); }
  void lock_shared() PICDEX_ACQUIRE_SHARED() {
    std::lock_guard gate(gate_);
    rw_.lock_shared();
  }
  void unlock_shared() PICDEX_RELEASE_SHARED() { rw_.unlock_shared(); }
  // Tell the analysis, inside a lambda run while the lock is held, that it is.
  void held() const PICDEX_ASSERT_CAPABILITY(this) {}
  void held_shared() const PICDEX_ASSERT_SHARED_CAPABILITY(this) {}

 private:
  std::mutex gate_;
  std::shared_mutex rw_;
};

// Holds `m` exclusively for its lifetime.
template <typename M>
class PICDEX_SCOPED_CAPABILITY Lock {
 public:
  explicit Lock(M& m) PICDEX_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~Lock() PICDEX_RELEASE() { m_.unlock(); }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  M& m_;
};

// Holds `m` shared until unlock() or its end.
class PICDEX_SCOPED_CAPABILITY SharedLock {
 public:
  explicit SharedLock(WriterFirstMutex& m) PICDEX_ACQUIRE_SHARED(m) : m_(m) { m_.lock_shared(); }
  ~SharedLock() PICDEX_RELEASE() {
    if (held_) m_.unlock_shared();
  }
  void unlock() PICDEX_RELEASE() {
    m_.unlock_shared();
    held_ = false;
  }
  SharedLock(const SharedLock&) = delete;
  SharedLock& operator=(const SharedLock&) = delete;

 private:
  WriterFirstMutex& m_;
  bool held_ = true;
};

}  // namespace picdex
