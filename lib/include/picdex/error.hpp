// Errors thrown by picdex. The library never prints, aborts or exits: every failure a
// caller can cause is one of these, with a one-line message naming what and where.
#pragma once

#include <stdexcept>
#include <string>

namespace picdex {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad data from the caller or an input file: an empty caption, invalid JSON, ...
class InputError : public Error {
 public:
  using Error::Error;
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
