// Errors as values. A failed operation says what it tried, on what, and what
// the system answered, in words an operator can act on; callers add context
// as the error travels up (`error.context("loading config")`).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace xlb {

struct Error {
  std::string message;

  // Prefix the message with what the caller was doing.
  Error context(const std::string& what) const { return Error{what + ": " + message}; }
};

// Build an Error from an errno value: "<what>: <strerror> (errno N)" plus a hint
// for the errnos operators meet most often around BPF.
Error errno_error(const std::string& what, int err);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace xlb
