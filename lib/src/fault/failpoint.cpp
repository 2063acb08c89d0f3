#include "fault/failpoint.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace picdex::fault {
namespace {

struct Armed {
  std::string name;
  std::atomic<long> countdown = 1;  // arrivals left until death
};

Armed* armed() {
  static Armed* value = []() -> Armed* {
    const char* env = std::getenv("PICDEX_FAILPOINT");
    if (!env || !*env) return nullptr;
    auto* a = new Armed{env};  // lives as long as the process
    if (const auto at = a->name.find('@'); at != std::string::npos) {
      a->countdown = std::max(1L, std::strtol(a->name.c_str() + at + 1, nullptr, 10));
      a->name.resize(at);
    }
    return a;
  }();
  return value;
}

}  // namespace

void failpoint(std::string_view name) {
  auto* a = armed();
  if (!a || a->name != name) return;
  if (a->countdown.fetch_sub(1) > 1) return;
  std::raise(SIGKILL);
}

}  // namespace picdex::fault
