#include "metrics/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
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
  std::string text;
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& [label, v] = labels[i];
    if (!valid_label_name(label)) throw std::logic_error("metric " + name + ": invalid label name '" + label + "'");
    for (size_t j = 0; j < i; ++j)
      if (labels[j].first == label) throw std::logic_error("metric " + name + ": label " + label + " given twice");
    text += (i ? ",": "{") + label + "=\"" + escape_label_value(v) + '"';
  }
  if (!labels.empty()) text += '}';
  it->second.samples.emplace_back(std::move(text), value);
}

std::string Exposition::render() const {
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + escape_help(family.help) + "\n";
    out += "# TYPE " + name + " " + type_name(family.type) + "\n";
    std::vector<const std::pair<std::string, Value>*> sorted;
    sorted.reserve(family.samples.size());
    for (const auto& sample : family.samples) sorted.push_back(&sample);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i && sorted[i]->first == sorted[i - 1]->first)
        throw std::logic_error("metric " + name + ": the series " + sorted[i]->first + " was added twice");
      out.append(name).append(sorted[i]->first).append(1, ' ').append(format_value(sorted[i]->second)).append(1, '\n');
    }
  }
  return out;
}

}  // namespace xlb::metrics
