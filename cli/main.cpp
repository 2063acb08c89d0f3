// picdex: the command line. Dispatches to a subcommand and maps errors to exit codes:
// 0 ok, 64 usage, 65 bad input data, 66 missing input or catalogue, 74 I/O, 1 other.
#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"

namespace {

using namespace picdex::cli;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args&);
};

constexpr Command kCommands[] = {
    {"init", "create a catalogue", cmd_init},
    {"add", "add or update one image and its captions", cmd_add},
    {"import", "import images from a TSV, CSV or JSONL file", cmd_import},
    {"search", "find the images whose captions best match a text", cmd_search},
    {"eval", "measure recall and MRR on queries with known answers", cmd_eval},
    {"export", "write every image as JSONL that import takes back", cmd_export},
    {"embed", "print the vectors of texts, as the catalogue's embedder makes them", cmd_embed},
    {"push", "copy a catalogue into a running distributed engine (ClickHouse, Chroma)", cmd_push},
    {"train", "learn a caption encoder for the learned embedder", cmd_train},
    {"get", "show one image", cmd_get},
    {"remove", "remove an image", cmd_remove},
    {"stats", "show counts and sizes", cmd_stats},
    {"verify", "check a catalogue's consistency", cmd_verify},
    {"rebuild", "rebuild the search graph from the stored vectors", cmd_rebuild},
    {"checkpoint", "save the search graph now", cmd_checkpoint},
    {"compact", "reclaim the space of removed images (graph and file)", cmd_compact},
    {"upgrade", "bring a catalogue of an older format to this build's", cmd_upgrade},
    {"reembed", "embed every caption again with another embedder (a newer model)", cmd_reembed},
};

void print_help() {
  std::cout << "picdex: an embedded similarity index for image-caption catalogues\n\n"
               "usage: picdex COMMAND [ARGS] (picdex COMMAND --help for its options)\n\n"
               "commands:\n";
  for (const auto& c : kCommands) std::printf("  %-11s %s\n", c.name, c.summary);
  std::cout << "\nexit status: 0 ok, 64 usage, 65 bad input data, 66 missing input or "
               "catalogue, 74 I/O error, 1 other\n";
}

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
std::size_t edits(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// " (did you mean 'search'?)" for a mistyped command: the one nearest within two edits.
std::string suggestion(const std::string& name) {
  const Command* best = nullptr;
  std::size_t fewest = 3;
  for (const auto& c : kCommands)
    if (const auto n = edits(name, c.name); n < fewest) fewest = n, best = &c;
  return best ? std::string(": did you mean '") + best->name + "'?" : "";
}

int fail(int code, const std::string& message) {
  std::cerr << "picdex: " << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file size limit (ulimit -f), let writes fail with EFBIG and be reported as
  // an I/O error, instead of the process dying of SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc < 2) {
    print_help();
    return Exit::usage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return Exit::ok;
  }
  if (name == "--version") {
    std::cout << "picdex 0.1.0\n";
    return Exit::ok;
  }
  for (const auto& command : kCommands) {
    if (name != command.name) continue;
    const Args args(argv + 2, argv + argc);
    try {
      return command.run(args);
    } catch (const UsageError& e) {
      return fail(Exit::usage, e.what());
    } catch (const picdex::NotFoundError& e) {
      return fail(Exit::no_input, e.what());
    } catch (const picdex::IoError& e) {
      return fail(Exit::io, e.what());
    } catch (const picdex::InputError& e) {
      return fail(Exit::data, e.what());
    } catch (const picdex::FormatError& e) {
      return fail(Exit::data, e.what());
    } catch (const picdex::EmbedderMismatchError& e) {
      return fail(Exit::data, e.what());
    } catch (const std::exception& e) {
      return fail(Exit::failure, e.what());
    }
  }
  return fail(Exit::usage,
              "unknown command '" + name + "'" + suggestion(name) + " (picdex --help lists them)");
}
