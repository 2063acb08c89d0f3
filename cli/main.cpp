// picdex: the command line. Dispatches to a subcommand and maps errors to exit codes:
// 0 ok, 64 usage, 65 bad input data, 66 missing input or catalogue, 74 I/O, 1 other.
#include <csignal>
#include <cstring>
#include <iostream>

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
  return fail(Exit::usage, "unknown command '" + name + "' (picdex --help lists them)");
}
