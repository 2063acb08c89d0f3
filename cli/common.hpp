// What every picdex subcommand shares: option parsing, exit codes, opening catalogues,
// printing results, progress on a terminal.
#pragma once

#include <picdex/picdex.hpp>

#include <boost/program_options.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace boost {
// Options of type std::size_t take whole numbers of 0 or more: "-1" is refused, not wrapped
// round to a huge count. (Found by argument-dependent lookup through boost::any.)
void validate(boost::any& value, const std::vector<std::string>& tokens, std::size_t*, int);
}  // namespace boost

namespace picdex::cli {

namespace po = boost::program_options;

// sysexits.h values, as the README documents them, and 130 (128 + SIGINT) for an interrupt.
enum Exit : int {
  ok = 0,
  failure = 1,
  usage = 64,
  data = 65,
  no_input = 66,
  io = 74,
  interrupted = 130
};

// While one lives, the first SIGINT (Ctrl-C) or SIGTERM only sets requested(), for the
// work to stop at a clean point; a second one ends the process as usual.
class InterruptCatcher {
 public:
  InterruptCatcher();
  ~InterruptCatcher();
  InterruptCatcher(const InterruptCatcher&) = delete;
  InterruptCatcher& operator=(const InterruptCatcher&) = delete;
  static bool requested();
};

// A mistake in how the command was called: exit 64.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Args = std::vector<std::string>;

// Parses `args` against `options` and `positional`, handling --help (prints `usage` and
// the options, returns false). Throws UsageError for bad or missing options.
bool parse(const Args& args, const std::string& usage, po::options_description options,
           const po::positional_options_description& positional, po::variables_map& vm);

// parse() for commands whose only argument is the catalogue.
bool parse_catalogue_only(const Args& args, const std::string& usage, std::string& path);

// Catalogue options for the command line: warnings to stderr, progress bar on a tty.
OpenOptions open_options(bool read_only = false);
Catalogue open_catalogue(const std::string& path, bool read_only = false,
                         const Limits& limits = {});
// open_catalogue with options of the caller's own. A read-only open of a catalogue in an
// older format throws UpgradeNeededError naming `picdex upgrade`; a read-write one upgrades.
Catalogue open_catalogue_with(const std::string& path, const OpenOptions& options);

// --max-caption-bytes and --max-captions, for the commands that write captions.
void add_limit_options(po::options_description& options, Limits& limits);

// Progress on stderr. On a terminal it redraws "label [#####.....] done/total note" (or
// "label done" when total is 0) in place, and its destructor ends that line, so that what
// follows starts on a line of its own. Otherwise (a log, a pipe) it prints one line
// "label: done[/total] note (N s)" every PICDEX_PROGRESS_SECONDS seconds (default 5).
class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(std::size_t done, std::size_t total, const std::string& note = "");

 private:
  std::string label_;
  bool terminal_;
  bool drawn_ = false;
  double every_seconds_;
  std::chrono::steady_clock::time_point start_, last_line_;
};

// A named input: a file, or standard input for "-" (read as a stream: pipes work).
// Throws NotFoundError when the file cannot be read.
class Input {
 public:
  explicit Input(const std::string& name);
  std::istream& stream() { return name_ == "-" ? std::cin : file_; }
  // "<stdin>" or the file name, for messages.
  const std::string& source() const { return source_; }
  // Calls f(line, number) for each line that is not blank, checked and without its end
  // as LineReader gives them (InputError naming the line for one too long, not UTF-8...).
  void for_each_line(const std::function<void(const std::string&, std::size_t)>& f);

 private:
  std::string name_, source_;
  std::ifstream file_;
};

// A stream whose first line has been read ahead (to tell its format): yields `head`, then
// the rest of `rest`, read in blocks.
class ReplayedStream : public std::istream {
 public:
  ReplayedStream(std::string head, std::istream& rest);

 private:
  class Buffer : public std::streambuf {
   public:
    Buffer(std::string head, std::streambuf* rest) : head_(std::move(head)), rest_(rest) {}

   protected:
    int_type underflow() override;

   private:
    std::string head_;
    std::streambuf* rest_;
    bool head_given_ = false;
    std::vector<char> block_;
  };
  Buffer buffer_;
};

// Reads `in` up to and including its first line end (at most `most` bytes).
std::string read_first_line(std::istream& in, std::size_t most = 1 << 20);

// "vector", "keyword" or "hybrid"; UsageError otherwise.
SearchMode parse_mode(const std::string& name);
// --graph's value: "float32" (or "float") or "int8"; UsageError otherwise.
GraphPrecision parse_graph_precision(const std::string& name);

// The result table for people, or one JSON object per hit with --json. In keyword and
// hybrid modes, what ranked each hit comes first ("bm25", "fused"), then its cosine.
void print_hits(const std::vector<Hit>& hits, bool json, SearchMode mode = SearchMode::vector);

std::string hits_json_array(const std::vector<Hit>& hits, SearchMode mode = SearchMode::vector);

}  // namespace picdex::cli
