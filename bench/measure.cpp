#include "measure.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

extern char** environ;

namespace bench {

namespace fs = std::filesystem;

int measure(const std::string& out, char** argv) {
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execv(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) return 1;
  const double seconds = seconds_since(start);
  std::ofstream(out) << seconds << " " << usage.ru_maxrss << "\n";
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

Run run_measured(const std::vector<std::string>& args) {
  const auto out = fs::temp_directory_path() / ("picdex-measure-" + std::to_string(getpid()));
  std::vector<std::string> all{"/proc/self/exe", "--measure", out.string()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  Run run;
  pid_t pid;
  int status = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0 &&
      waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    std::ifstream in(out);
    in >> run.seconds >> run.peak_rss_kb;
  }
  fs::remove(out);
  return run;
}

Run best_of_three(const std::vector<std::string>& args) {
  Run best{1e9, 0};
  for (int i = 0; i < 3; ++i) {
    const auto r = run_measured(args);
    if (r.seconds < 0) return r;
    if (r.seconds < best.seconds) best = r;
  }
  return best;
}

}  // namespace bench
