// The Prometheus text exposition format, version 0.0.4: families of samples
// rendered with one `# HELP` and one `# TYPE` line each, label values escaped.
// Output is sorted (families by name, samples by their rendered labels), so
// two renders of the same values are byte for byte equal.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace xlb::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { Counter, Gauge };

// Label name -> value, in the order given (the order they are printed in).
using Labels = std::vector<std::pair<std::string, std::string>>;
// Counters are exact 64-bit integers; a few values (seconds) are fractional.
using Value = std::variant<uint64_t, double>;

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved).
bool valid_label_name(std::string_view name);
// `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
std::string escape_label_value(std::string_view value);
// `\` -> `\\`, newline -> `\n`.
std::string escape_help(std::string_view help);
// 42, 0.5, NaN, +Inf, -Inf.
std::string format_value(const Value& value);

// Collects families, then renders them. Misuse (a bad name, a family declared
// twice with another type or help, a series added twice) is a programming
// error and throws std::logic_error.
class Exposition {
 public:
  void declare(const std::string& name, MetricType type, const std::string& help);
  // The family must have been declared. A series added twice is reported
  // when rendering.
  void add(const std::string& name, Labels labels, Value value);
  std::string render() const;

  size_t family_count() const { return families_.size(); }

 private:
  struct Family {
    MetricType type;
    std::string help;
    // The rendered label set ("" or `{a="1",b="2"}`) and the value, sorted
    // by that text when rendered: cheap to add, one sort per family.
    std::vector<std::pair<std::string, Value>> samples;
  };
  std::map<std::string, Family> families_;
};

}  // namespace xlb::metrics
