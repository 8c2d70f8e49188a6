// What the API answers when a request cannot be served: an HTTP status and a
// sentence for the caller, carried as a value (like xlb::Result) from the
// module that found the problem up to the router, which renders it as
// Octavia's fault body {"faultcode", "faultstring", "debuginfo"}.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace xlb::controller {

struct Fault {
  unsigned status = 400;
  std::string message;
};

inline Fault bad_request(std::string m) { return {400, std::move(m)}; }
inline Fault not_found(std::string m) { return {404, std::move(m)}; }
inline Fault conflict(std::string m) { return {409, std::move(m)}; }

template <class T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Outcome(Fault fault) : v_(std::move(fault)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Fault& fault() const { return std::get<1>(v_); }

 private:
  std::variant<T, Fault> v_;
};

// Success carries nothing.
struct Done {};
using Checked = Outcome<Done>;

}  // namespace xlb::controller
