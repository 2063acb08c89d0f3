#include "help.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

namespace picdex::cli {

namespace po = boost::program_options;

namespace {

using Examples = std::vector<std::string>;

const std::map<std::string_view, Examples>& all_examples() {
  static const std::map<std::string_view, Examples> examples = {
      {"init", {"picdex init demo.pdx", "picdex init small.pdx --graph int8"}},
      {"add",
       {"picdex add demo.pdx beach.jpg \"a dog running on the beach\" \"a wet dog\" "
        "--meta '{\"year\": 2024}'"}},
      {"import",
       {"picdex import demo.pdx captions.tsv", "cat captions.tsv | picdex import small.pdx -"}},
      {"search",
       {"picdex search demo.pdx \"a dog running on the beach\"",
        "picdex search demo.pdx \"a dog\" -k 3 --mode hybrid --where \"year>=2021\"",
        "picdex search demo.pdx \"children playing\" --json --html results.html"}},
      {"eval", {"picdex eval demo.pdx queries.tsv --mode vector"}},
      {"export", {"picdex export demo.pdx -o demo.jsonl"}},
      {"embed",
       {"picdex embed demo.pdx \"a dog on the beach\"",
        "picdex embed --embedder lexical \"a dog on the beach\" --json"}},
      {"push", {"picdex push demo.pdx clickhouse://127.0.0.1:8123/default.photos"}},
      {"train",
       {"picdex train mine.pdxm --catalogue demo.pdx --batch 8 --epochs 2",
        "picdex init mine.pdx --embedder learned:model=mine.pdxm"}},
      {"get", {"picdex get demo.pdx beach.jpg --json"}},
      {"remove", {"picdex remove demo.pdx beach.jpg"}},
      {"stats", {"picdex stats demo.pdx"}},
      {"verify", {"picdex verify demo.pdx"}},
      {"rebuild", {"picdex rebuild demo.pdx --graph int8"}},
      {"checkpoint", {"picdex checkpoint demo.pdx"}},
      {"compact", {"picdex compact demo.pdx"}},
      {"upgrade", {"picdex upgrade demo.pdx"}},
      {"reembed", {"picdex reembed demo.pdx --embedder lexical"}},
  };
  return examples;
}

// The value name `usage` gives the option `shown` ("--mode" -> "M"), or "".
std::string value_name_in(const std::string& usage, const std::string& shown) {
  for (std::size_t at = usage.find(shown + ' '); at != std::string::npos;
       at = usage.find(shown + ' ', at + 1)) {
    if (at > 0 && !std::isspace(static_cast<unsigned char>(usage[at - 1])) &&
        usage[at - 1] != '[' && usage[at - 1] != '(' && usage[at - 1] != '|')
      continue;
    const auto start = at + shown.size() + 1;
    const auto end = usage.find_first_of(" ])\n", start);
    auto name = usage.substr(start, end - start);
    if (!name.empty() && name[0] != '-' && name[0] != '[') return name;
  }
  return "";
}

template <typename T>
bool holds(const po::value_semantic& semantic) {
  return dynamic_cast<const po::typed_value<T>*>(&semantic) != nullptr;
}

// The name set with value_name(), or "".
std::string value_name_given(const po::value_semantic& semantic) {
  const auto text = semantic.name();
  const auto name = text.substr(0, text.find(" (="));
  return name == "arg" ? "" : name;
}

// "N" for whole numbers, "X" for others, "VALUE" for text.
std::string value_name_by_type(const po::value_semantic& semantic) {
  if (holds<std::size_t>(semantic) || holds<unsigned>(semantic) || holds<int>(semantic)) return "N";
  if (holds<double>(semantic) || holds<float>(semantic)) return "X";
  return "VALUE";
}

// The default as Boost shows it ("arg (=10)" -> "10"), numbers in their shortest form.
std::string default_of(const po::value_semantic& semantic) {
  const auto text = semantic.name();
  const auto at = text.find(" (=");
  if (at == std::string::npos || semantic.max_tokens() == 0) return "";
  auto value = text.substr(at + 3, text.size() - at - 4);
  if (holds<double>(semantic) || holds<float>(semantic)) {
    char shortest[32];
    std::snprintf(shortest, sizeof shortest, "%g", std::stod(value));
    value = shortest;
  }
  return value;
}

// `text` wrapped to `width` columns, lines after the first indented by `indent`.
std::string wrapped(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out, line;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find(' ', at), text.size());
    const auto word = text.substr(at, end - at);
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += line + '\n' + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    at = end + 1;
  }
  return out + line;
}

struct Entry {
  std::string shown, description;
};

void print_entries(std::ostream& out, const char* title, const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  constexpr std::size_t kMostColumn = 24, kWidth = 80;
  std::size_t column = 0;
  for (const auto& e : entries)
    if (e.shown.size() <= kMostColumn) column = std::max(column, e.shown.size());
  const std::size_t indent = 2 + column + 2;
  out << "\n" << title << ":\n";
  for (const auto& e : entries) {
    out << "  " << e.shown;
    if (e.shown.size() > column)
      out << "\n" << std::string(indent, ' ');
    else
      out << std::string(column - e.shown.size() + 2, ' ');
    out << wrapped(e.description, indent, kWidth) << "\n";
  }
}

}  // namespace

const std::vector<std::string>& examples_of(std::string_view command) {
  static const Examples none;
  const auto it = all_examples().find(command);
  return it == all_examples().end() ? none : it->second;
}

void print_command_help(std::ostream& out, const std::string& usage,
                        const po::options_description& options,
                        const po::positional_options_description& positional) {
  out << "usage: " << usage << "\n";
  std::set<std::string> by_position;
  std::vector<Entry> arguments, switches;
  const auto positions = std::min(positional.max_total_count(), 16u);
  for (unsigned i = 0; i < positions; ++i) {
    const auto& name = positional.name_for_position(i);
    if (!by_position.insert(name).second) continue;
    auto shown = name;
    for (auto& c : shown) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto* option = options.find_nothrow(name, false);
    arguments.push_back({shown, option ? option->description() : ""});
  }
  for (const auto& option : options.options()) {
    const auto& name = option->long_name();
    if (by_position.count(name)) continue;
    // "-k" for an option with a short name alone, "-h, --help" for both, "--mode".
    const auto short_name =
        option->canonical_display_name(po::command_line_style::allow_dash_for_short);
    const bool has_short = short_name.size() == 2 && short_name[0] == '-';
    std::string shown = has_short && name.size() == 1 ? short_name : "--" + name;
    if (has_short && name.size() > 1) shown = short_name + ", " + shown;
    const auto& semantic = *option->semantic();
    if (semantic.max_tokens() > 0) {
      auto value = value_name_given(semantic);
      if (value.empty()) value = value_name_in(usage, has_short ? short_name : "--" + name);
      if (value.empty()) value = value_name_by_type(semantic);
      shown += " " + value;
    }
    auto description = option->description();
    if (const auto fallback = default_of(semantic); !fallback.empty())
      description += " (default " + fallback + ")";
    switches.push_back({shown, description});
  }
  print_entries(out, "arguments", arguments);
  print_entries(out, "options", switches);
  const auto command = usage.substr(7, usage.find_first_of(" \n", 7) - 7);  // after "picdex "
  const auto& examples = examples_of(command);
  if (!examples.empty()) {
    out << "\nexamples:\n";
    for (const auto& e : examples) out << "  " << e << "\n";
  }
}

}  // namespace picdex::cli
