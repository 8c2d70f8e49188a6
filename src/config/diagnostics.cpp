#include "config/diagnostics.h"

#include <algorithm>
#include <cctype>

namespace xlb::config {

void Diagnostics::error(int line, std::string path, std::string message) {
  entries_.push_back(Entry{line, std::move(path), std::move(message)});
}

std::string Diagnostics::format(const Entry& entry) const {
  std::string out = source_;
  if (entry.line > 0) out += ":" + std::to_string(entry.line);
  out += ": ";
  if (!entry.path.empty()) out += entry.path + ": ";
  return out + entry.message;
}

Error Diagnostics::to_error() const {
  // Ordered like the file, which is how an operator walks through the fixes;
  // stable so that problems on one line keep the order they were found in.
  std::vector<const Entry*> ordered;
  for (const auto& entry : entries_) ordered.push_back(&entry);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Entry* a, const Entry* b) { return a->line < b->line; });
  std::string text;
  for (const Entry* entry : ordered) {
    if (!text.empty()) text += '\n';
    text += format(*entry);
  }
  return Error{text};
}

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: insertions, deletions, substitutions and
// swaps of neighbours each cost one, which covers the usual typing slips.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// An abbreviation ("prot" for "protocol") names its key better than a nearby
// spelling does ("prot" is also one swap from "port").
std::string_view abbreviated_key(std::string_view unknown, std::span<const std::string_view> known) {
  constexpr size_t kMinAbbreviation = 3;
  if (unknown.size() < kMinAbbreviation) return {};
  std::string_view match;
  for (std::string_view key : known) {
    if (key.size() > unknown.size() && key.starts_with(unknown)) {
      if (!match.empty()) return {};  // ambiguous: say nothing rather than guess
      match = key;
    }
  }
  return match;
}

std::string_view nearest_key(std::string_view unknown, std::span<const std::string_view> known) {
  // Short keys are a few edits from everything; only accept one slip there.
  const size_t max_distance = unknown.size() <= 4 ? 1 : 2;
  std::string_view best;
  size_t best_distance = max_distance + 1;
  for (std::string_view key : known) {
    size_t distance = edit_distance(unknown, key);
    if (distance < best_distance) {
      best = key;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace

std::string_view suggest_key(std::string_view unknown, std::span<const std::string_view> known) {
  std::string folded = lowercase(unknown);
  if (auto key = abbreviated_key(folded, known); !key.empty()) return key;
  return nearest_key(folded, known);
}

}  // namespace xlb::config
