#include "common.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "help.hpp"
#include "table.hpp"

void boost::validate(boost::any& value, const std::vector<std::string>& tokens, std::size_t*, int) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(value);
  const auto& text = po::validators::get_single_string(tokens);
  std::size_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    po::error_with_option_name refused(
        "the argument ('%value%') for option '%canonical_option%' must be a whole number, 0 or "
        "more");
    refused.set_substitute("value", text);
    throw refused;
  }
  value = number;
}

namespace picdex::cli {

namespace {

// An argument given by position, as usage names it: "uri" -> "URI".
std::string argument_name(std::string option) {
  if (option.starts_with("--")) option.erase(0, 2);
  for (auto& c : option) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return option;
}

// Whether `option` ("--uri", as Boost names it in errors) is given by position.
bool is_positional(const po::positional_options_description& positional,
                   const std::string& option) {
  const auto count = std::min(positional.max_total_count(), 64u);  // (unbounded: the last repeats)
  for (unsigned i = 0; i < count; ++i)
    if (argument_name(positional.name_for_position(i)) == argument_name(option)) return true;
  return false;
}

// Why `args` hold more positional arguments than `positional` takes: the first extra one,
// after the last one taken, and how to join them.
std::string too_many_arguments(const Args& args, const po::options_description& options,
                               const po::positional_options_description& positional) {
  po::options_description all;
  all.add(options).add_options()("picdex-extra", po::value<std::vector<std::string>>());
  auto more = positional;
  more.add("picdex-extra", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(more).run(), vm);
  } catch (const po::error&) {
    return "too many arguments";
  }
  if (!vm.count("picdex-extra")) return "too many arguments";
  const auto extra = vm["picdex-extra"].as<std::vector<std::string>>().front();
  if (positional.max_total_count() == 0) return "unexpected argument '" + extra + "'";
  const auto last = positional.name_for_position(positional.max_total_count() - 1);
  std::string taken;
  if (vm.count(last) && !vm[last].defaulted()) {
    if (const auto* one = boost::any_cast<std::string>(&vm[last].value())) taken = *one;
  }
  if (taken.empty()) return "unexpected argument '" + extra + "'";
  return "unexpected argument '" + extra + "' after " + argument_name(last) + " '" + taken +
         "': quote an argument of several words (\"" + taken + " " + extra + "\")";
}

}  // namespace

bool parse(const Args& args, const std::string& usage, po::options_description options,
           const po::positional_options_description& positional, po::variables_map& vm) {
  options.add_options()("help,h", "show this help");
  // One line: what was wrong, and where the usage is ("picdex search --help").
  const auto command = usage.substr(0, usage.find(' ', usage.find(' ') + 1));
  const auto refuse = [&](const std::string& why) {
    return UsageError(why + " (see '" + command + " --help')");
  };
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      print_command_help(std::cout, usage, options, positional);
      return false;
    }
    po::notify(vm);
  } catch (const po::too_many_positional_options_error&) {
    throw refuse(too_many_arguments(args, options, positional));
  } catch (const po::required_option& e) {
    // A required argument given by position is named as usage names it, not as an option.
    if (is_positional(positional, e.get_option_name()))
      throw refuse("missing " + argument_name(e.get_option_name()));
    throw refuse(e.what());
  } catch (const po::error& e) {
    throw refuse(e.what());
  }
  return true;
}

bool parse_catalogue_only(const Args& args, const std::string& usage, std::string& path) {
  po::options_description options("options");
  options.add_options()("catalogue", po::value(&path)->required(), "catalogue file");
  po::positional_options_description positional;
  positional.add("catalogue", 1);
  po::variables_map vm;
  return parse(args, usage, options, positional, vm);
}

Input::Input(const std::string& name) : name_(name), source_(name == "-" ? "<stdin>" : name) {
  if (name == "-") return;
  std::error_code ec;
  if (std::filesystem::is_directory(name, ec))
    throw NotFoundError(name + ": is a directory, not a file");
  file_.open(name, std::ios::binary);
  if (!file_) throw NotFoundError(name + ": cannot be read (missing or no permission)");
}

void Input::for_each_line(const std::function<void(const std::string&, std::size_t)>& f) {
  LineReader lines(stream(), source_);
  std::string line;
  while (lines.next(line))
    if (line.find_first_not_of(" \t") != std::string::npos) f(line, lines.number());
}

ReplayedStream::ReplayedStream(std::string head, std::istream& rest)
    : std::istream(nullptr), buffer_(std::move(head), rest.rdbuf()) {
  rdbuf(&buffer_);
}

ReplayedStream::Buffer::int_type ReplayedStream::Buffer::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (!head_given_ && !head_.empty()) {
    head_given_ = true;
    setg(head_.data(), head_.data(), head_.data() + head_.size());
    return traits_type::to_int_type(*gptr());
  }
  head_given_ = true;
  block_.resize(1 << 16);
  const auto n = rest_->sgetn(block_.data(), static_cast<std::streamsize>(block_.size()));
  if (n <= 0) return traits_type::eof();
  setg(block_.data(), block_.data(), block_.data() + n);
  return traits_type::to_int_type(*gptr());
}

std::string read_first_line(std::istream& in, std::size_t most) {
  std::string line;
  for (int c; line.size() < most && (c = in.get()) != std::char_traits<char>::eof();) {
    line += static_cast<char>(c);
    if (c == '\n') break;
  }
  return line;
}

OpenOptions open_options(bool read_only) {
  OpenOptions o;
  o.read_only = read_only;
  o.observer.warning = [](std::string_view message) {
    std::cerr << "picdex: warning: " << message << "\n";
  };
  auto progress = std::make_shared<std::unique_ptr<Progress>>();
  o.observer.progress = [progress](std::size_t done, std::size_t total) {
    if (!*progress) *progress = std::make_unique<Progress>("indexing");
    (*progress)->update(done, total);
    if (done >= total) progress->reset();
  };
  return o;
}

Catalogue open_catalogue(const std::string& path, bool read_only, const Limits& limits) {
  auto options = open_options(read_only);
  options.limits = limits;
  return open_catalogue_with(path, options);
}

Catalogue open_catalogue_with(const std::string& path, const OpenOptions& options) {
  try {
    return Catalogue::open(path, options);
  } catch (const UpgradeNeededError&) {
    // Only a read-only open refuses an older format; a reading command never writes.
    throw UpgradeNeededError(path + ": is in an older format than this build's; 'picdex upgrade " +
                             path + "' upgrades it in place (older builds then cannot open it)");
  }
}

void add_limit_options(po::options_description& options, Limits& limits) {
  options.add_options()(
      "max-caption-bytes",
      po::value(&limits.max_caption_bytes)->default_value(limits.max_caption_bytes),
      "refuse a caption longer than this")(
      "max-captions", po::value(&limits.max_captions)->default_value(limits.max_captions),
      "refuse an image with more different captions than this");
}

namespace {

volatile std::sig_atomic_t interrupt_requested = 0;

extern "C" void on_interrupt(int) {
  interrupt_requested = 1;
}

// Seconds between the progress lines written to a stderr that is not a terminal.
double progress_seconds() {
  const char* text = std::getenv("PICDEX_PROGRESS_SECONDS");
  if (!text || !*text) return 5;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  return *end || !(seconds >= 0) ? 5 : seconds;
}

// What SIGINT and SIGTERM did before the catcher (restored after it).
struct sigaction before_interrupt = {}, before_terminate = {};

}  // namespace

InterruptCatcher::InterruptCatcher() {
  interrupt_requested = 0;
  struct sigaction action = {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESETHAND | SA_RESTART;  // the second signal takes its default course
  sigemptyset(&action.sa_mask);
  // A signal ignored by whoever started picdex (nohup, a background job) stays ignored.
  sigaction(SIGINT, nullptr, &before_interrupt);
  sigaction(SIGTERM, nullptr, &before_terminate);
  if (before_interrupt.sa_handler != SIG_IGN) sigaction(SIGINT, &action, nullptr);
  if (before_terminate.sa_handler != SIG_IGN) sigaction(SIGTERM, &action, nullptr);
}

InterruptCatcher::~InterruptCatcher() {
  sigaction(SIGINT, &before_interrupt, nullptr);
  sigaction(SIGTERM, &before_terminate, nullptr);
}

bool InterruptCatcher::requested() {
  return interrupt_requested != 0;
}

Progress::Progress(std::string label)
    : label_(std::move(label)),
      terminal_(isatty(2)),
      every_seconds_(progress_seconds()),
      start_(std::chrono::steady_clock::now()),
      last_line_(start_) {}

Progress::~Progress() {
  if (drawn_ && terminal_) std::fputs("\n", stderr);
}

void Progress::update(std::size_t done, std::size_t total, const std::string& note) {
  const auto now = std::chrono::steady_clock::now();
  std::string of_total;  // "/total", when known
  if (total) of_total = '/' + std::to_string(total);
  if (!terminal_) {
    if (std::chrono::duration<double>(now - last_line_).count() < every_seconds_) return;
    last_line_ = now;
    const std::chrono::duration<double> elapsed = now - start_;
    std::fprintf(stderr, "%s: %zu%s%s%s (%.0f s)\n", label_.c_str(), done, of_total.c_str(),
                 note.empty() ? "" : " ", note.c_str(), elapsed.count());
    std::fflush(stderr);
    return;
  }
  drawn_ = true;
  if (total == 0) {  // unknown total: a counter
    std::fprintf(stderr, "\r%s %zu", label_.c_str(), done);
    std::fflush(stderr);
    return;
  }
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * std::min(done, total) / total);
  std::fprintf(stderr, "\r%s [%s%s] %zu%s %s", label_.c_str(), std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '.').c_str(), done, of_total.c_str(), note.c_str());
  std::fflush(stderr);
}

namespace {

// "bm25" or "fused": the name of what ranks hits in `mode`, other than the cosine.
const char* ranking_name(SearchMode mode) {
  return mode == SearchMode::keyword ? "bm25" : mode == SearchMode::hybrid ? "fused" : nullptr;
}

double rounded(double x) {
  return std::round(x * 1e6) / 1e6;
}

nlohmann::ordered_json hit_json(const Hit& hit, std::size_t rank, SearchMode mode) {
  nlohmann::ordered_json out = {{"rank", rank}, {"uri", hit.uri}};
  if (const char* name = ranking_name(mode)) out[name] = rounded(hit.ranked_by);
  out["score"] = rounded(hit.score);
  out["caption"] = hit.caption;
  out["matched"] = hit.matched_pixels() ? "pixels" : "caption";
  out["metadata"] = nlohmann::json::parse(hit.metadata);
  return out;
}

}  // namespace

std::string hits_json_array(const std::vector<Hit>& hits, SearchMode mode) {
  auto array = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < hits.size(); ++i) array.push_back(hit_json(hits[i], i + 1, mode));
  return array.dump();
}

SearchMode parse_mode(const std::string& name) {
  if (const auto mode = search_mode_named(name)) return *mode;
  throw UsageError("--mode: '" + name + "': expected vector, keyword or hybrid");
}

GraphPrecision parse_graph_precision(const std::string& name) {
  if (const auto precision = graph_precision_named(name)) return *precision;
  throw UsageError("--graph: '" + name + "': expected float32 or int8");
}

void print_hits(const std::vector<Hit>& hits, bool json, SearchMode mode) {
  if (json) {
    for (std::size_t i = 0; i < hits.size(); ++i)
      std::cout << hit_json(hits[i], i + 1, mode).dump() << "\n";
    return;
  }
  const char* ranking = ranking_name(mode);
  std::vector<Table::Column> columns = {{"rank", true, 4}};
  if (ranking) columns.push_back({ranking, true, 6});
  columns.push_back({ranking ? "cosine" : "score", true, 6});
  columns.push_back({"uri"});
  columns.push_back({"caption"});
  Table table(std::move(columns));
  auto number = [](const char* format, double x) {
    char text[32];
    std::snprintf(text, sizeof text, format, x);
    return std::string(text);
  };
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const auto& hit = hits[i];
    std::vector<std::string> row = {std::to_string(i + 1)};
    if (ranking) row.push_back(number(mode == SearchMode::hybrid ? "%.4f" : "%.2f", hit.ranked_by));
    row.push_back(number("%.3f", hit.score));
    row.push_back(hit.uri);
    row.push_back(hit.matched_pixels() ? "[the picture's pixels]" : hit.caption);
    table.add(std::move(row));
  }
  table.print(stdout);
}

}  // namespace picdex::cli
