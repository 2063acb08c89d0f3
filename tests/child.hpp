// A child process of the tests: started with argv and extra environment, its stdout read
// line by line as it comes, signalled or stopped with SIGKILL when the test decides.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace picdex::test {

class Child {
 public:
  // Starts `program` with `args`; `env` entries ("NAME=value") are added to ours.
  // Its stderr goes to `stderr_path` (or /dev/null when empty).
  Child(const std::string& program, const std::vector<std::string>& args,
        const std::vector<std::string>& env = {}, const std::string& stderr_path = "");
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next line of stdout, waiting until `deadline`; nullopt on timeout or end of output.
  std::optional<std::string> read_line(std::chrono::steady_clock::time_point deadline);
  // True once stdout has ended (the process closed it or exited).
  bool finished() const { return eof_; }
  // SIGKILL (if still running), then reaps it. Returns the wait status.
  int kill();
  // Sends `signal` (if still running); does not wait.
  void signal(int signal);
  // Waits for exit. Returns the wait status.
  int wait();

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool eof_ = false;
  std::optional<int> status_;
  std::string buffer_;
};

}  // namespace picdex::test
