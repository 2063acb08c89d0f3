// What `picdex COMMAND --help` prints: the usage, the arguments, the options with their
// value names and defaults, and examples.
#pragma once

#include <boost/program_options.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace picdex::cli {

// The examples of `command` ("search"): shell lines, for a folder holding the bundled
// sample's captions.tsv and a queries.tsv. tests/help_examples_test.sh runs them all, in
// the order `picdex --help` lists the commands.
const std::vector<std::string>& examples_of(std::string_view command);

// `usage` ("picdex search CATALOGUE TEXT [-k N]...", more lines after it allowed), then
// each positional argument, each option ("-k N", "--mode M": value names from `usage`
// where it shows them) with its default, then the command's examples.
void print_command_help(std::ostream& out, const std::string& usage,
                        const boost::program_options::options_description& options,
                        const boost::program_options::positional_options_description& positional);

}  // namespace picdex::cli
