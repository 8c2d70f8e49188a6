#include "metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

namespace xlb::metrics {

namespace {
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char* type_name(MetricType type) { return type == MetricType::Counter ? "counter" : "gauge"; }
}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_alpha(name[0]) || name[0] == ':')) return false;
  for (char c : name)
    if (!(is_alpha(c) || is_digit(c) || c == ':')) return false;
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || !is_alpha(name[0]) || name.starts_with("__")) return false;
  for (char c : name)
    if (!(is_alpha(c) || is_digit(c))) return false;
  return true;
}

namespace {
// Backslash and newline always; the double quote only inside a label value.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
  return out;
}
}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }
std::string escape_help(std::string_view help) { return escape(help, false); }

std::string format_value(const Value& value) {
  if (const auto* n = std::get_if<uint64_t>(&value)) return std::to_string(*n);
  const double d = std::get<double>(value);
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);  // shortest form that reads back exactly
  return std::string(buf, ec == std::errc() ? end : buf);
}

void Exposition::declare(const std::string& name, MetricType type, const std::string& help) {
  if (!valid_metric_name(name)) throw std::logic_error("invalid metric name '" + name + "'");
  auto [it, inserted] = families_.try_emplace(name, Family{type, help, {}});
  if (!inserted && (it->second.type != type || it->second.help != help))
    throw std::logic_error("metric " + name + " declared twice, differently");
}

void Exposition::add(const std::string& name, Labels labels, Value value) {
  auto it = families_.find(name);
  if (it == families_.end()) throw std::logic_error("metric " + name + " was not declared");
  std::set<std::string_view> seen;
  for (const auto& [label, v] : labels) {
    if (!valid_label_name(label)) throw std::logic_error("metric " + name + ": invalid label name '" + label + "'");
    if (!seen.insert(label).second) throw std::logic_error("metric " + name + ": label " + label + " given twice");
  }
  if (!it->second.samples.emplace(std::move(labels), value).second)
    throw std::logic_error("metric " + name + ": the same series added twice");
}

std::string Exposition::render() const {
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + escape_help(family.help) + "\n";
    out += "# TYPE " + name + " " + type_name(family.type) + "\n";
    for (const auto& [labels, value] : family.samples) {
      out += name;
      if (!labels.empty()) {
        out += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
          if (i) out += ',';
          out += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
        }
        out += '}';
      }
      out += ' ' + format_value(value) + '\n';
    }
  }
  return out;
}

}  // namespace xlb::metrics
