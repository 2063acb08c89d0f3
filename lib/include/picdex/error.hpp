// Errors thrown by picdex. The library never prints, aborts or exits: every failure a
// caller can cause is one of these, with a one-line message naming what and where.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace picdex {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where bad input was found. Each part is empty (or 0) where it is not known.
struct InputPlace {
  std::string file{};       // the input file, or the picture file that failed
  std::size_t line = 0;     // the line in `file`, from 1
  std::string uri{};        // the image the record is about
  std::string field{};      // what in the record: "uri", "caption 2", "metadata", "image", ...
  std::size_t caption = 0;  // the image's caption it concerns, from 1 (locates its line)
};

// Bad data from the caller or an input file: an empty caption, invalid JSON, ... Its place
// is data, so a caller finds the record without reading the message, which is one line:
// "FILE:LINE: FIELD: PROBLEM (image "URI")", or "URI: FIELD: PROBLEM" without a file.
class InputError : public Error {
 public:
  explicit InputError(const std::string& problem);  // placed nowhere yet
  InputError(InputPlace place, const std::string& problem);

  const InputPlace& place() const noexcept { return place_; }
  const std::string& problem() const noexcept { return problem_; }
  // The same problem, its unknown parts of the place taken from `outer` (what a caller
  // knows: the image and field an embedder's error was about, the file and line of a record).
  InputError within(const InputPlace& outer) const;

 private:
  InputPlace place_;
  std::string problem_;
};

// A catalogue, file or record that does not exist.
class NotFoundError : public Error {
 public:
  using Error::Error;
};

// The file exists but is not a picdex catalogue, or was written by a newer format.
class FormatError : public Error {
 public:
  using Error::Error;
};

// The catalogue is in an older format that a read-only open cannot use; opening it
// read-write once upgrades it in place.
class UpgradeNeededError : public FormatError {
 public:
  using FormatError::FormatError;
};

// The catalogue was created with another embedder than the one asked for.
class EmbedderMismatchError : public Error {
 public:
  using Error::Error;
};

// Reading or writing the file system or the database failed (disk full, read-only, busy).
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace picdex
