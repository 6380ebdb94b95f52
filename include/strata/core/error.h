#pragma once
/// strata's error hierarchy and the STRATA_CHECK* macros.
///
/// Every message says what was expected, what was got, and names the culprit (file, key, shape).
/// Control-flow signals of the training loop (CancelBatch, ...) are a separate hierarchy that only
/// Learner catches; they do not derive from strata::Error.

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace strata {

/// Base of every error strata throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An argument or a value is out of its domain (fastai/Python: ValueError, AssertionError).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// An index is out of range.
class IndexError : public Error {
 public:
  using Error::Error;
};

/// A key (state-dict name, vocab entry, option name) is missing or unexpected.
class KeyError : public Error {
 public:
  using Error::Error;
};

/// A value has the wrong kind (e.g. a mask where an image was expected).
class TypeError : public Error {
 public:
  using Error::Error;
};

/// A file cannot be read, decoded or written.
class IOError : public Error {
 public:
  using Error::Error;
};

namespace detail {
[[noreturn]] void throw_value_error(std::string message);
[[noreturn]] void throw_index_error(std::string message);
[[noreturn]] void throw_key_error(std::string message);
[[noreturn]] void throw_type_error(std::string message);
[[noreturn]] void throw_io_error(std::string message);
}  // namespace detail

/// Rethrows the exception being handled with `context` prepended to its message, keeping its
/// strata::Error subclass (other exceptions become strata::Error). Call inside a catch block.
[[noreturn]] void rethrow_with_context(const std::string& context);

/// Formats a shape as "[2, 3, 224, 224]" for messages.
template <typename Sizes>
std::string shape_str(const Sizes& sizes) {
  std::string out = "[";
  bool first = true;
  for (auto s : sizes) {
    if (!first) out += ", ";
    out += std::to_string(s);
    first = false;
  }
  return out + "]";
}

}  // namespace strata

/// Throws strata::ValueError with a fmt-formatted message when `cond` is false.
#define STRATA_CHECK(cond, ...)                                                   \
  do {                                                                            \
    if (!(cond)) ::strata::detail::throw_value_error(::fmt::format(__VA_ARGS__)); \
  } while (false)

/// Same, with an index error.
#define STRATA_CHECK_INDEX(cond, ...)                                             \
  do {                                                                            \
    if (!(cond)) ::strata::detail::throw_index_error(::fmt::format(__VA_ARGS__)); \
  } while (false)

/// Same, with a key error.
#define STRATA_CHECK_KEY(cond, ...)                                             \
  do {                                                                          \
    if (!(cond)) ::strata::detail::throw_key_error(::fmt::format(__VA_ARGS__)); \
  } while (false)

/// Same, with a type error.
#define STRATA_CHECK_TYPE(cond, ...)                                             \
  do {                                                                           \
    if (!(cond)) ::strata::detail::throw_type_error(::fmt::format(__VA_ARGS__)); \
  } while (false)

/// Same, with an IO error.
#define STRATA_CHECK_IO(cond, ...)                                             \
  do {                                                                         \
    if (!(cond)) ::strata::detail::throw_io_error(::fmt::format(__VA_ARGS__)); \
  } while (false)

/// Unconditionally throws `ErrorType` (a strata::Error subclass) with a formatted message.
#define STRATA_FAIL(ErrorType, ...) throw ErrorType(::fmt::format(__VA_ARGS__))
