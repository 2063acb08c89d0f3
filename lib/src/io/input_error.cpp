// InputError's one-line message, made from its place.
#include "picdex/error.hpp"

namespace picdex {
namespace {

std::string message(const InputPlace& place, const std::string& problem) {
  std::string out;
  if (!place.file.empty()) {
    out = place.file;
    if (place.line) {
      out += ':';  // (appended in steps: g++ 12 warns falsely on ":" + string)
      out += std::to_string(place.line);
    }
  } else {
    out = place.uri;
  }
  if (!place.field.empty()) out += (out.empty() ? "" : ": ") + place.field;
  out += (out.empty() ? "" : ": ") + problem;
  // In a file, the line finds the record; the URI says which image it was about.
  if (!place.file.empty() && !place.uri.empty()) out += " (image \"" + place.uri + "\")";
  return out;
}

}  // namespace

InputError::InputError(const std::string& problem) : Error(problem), problem_(problem) {}

InputError::InputError(InputPlace place, const std::string& problem)
    : Error(message(place, problem)), place_(std::move(place)), problem_(problem) {}

InputError InputError::within(const InputPlace& outer) const {
  auto place = place_;
  if (place.file.empty()) place.file = outer.file, place.line = outer.line;
  if (place.uri.empty()) place.uri = outer.uri;
  if (place.field.empty()) place.field = outer.field;
  if (!place.caption) place.caption = outer.caption;
  return InputError(std::move(place), problem_);
}

}  // namespace picdex
