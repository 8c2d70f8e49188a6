#include "cli/table.h"

#include <algorithm>
#include <set>

namespace xlb::cli {

using nlohmann::json;

std::string cell_text(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_array()) {
    std::string out;
    for (const auto& item : value) {
      if (!out.empty()) out += ",";
      const bool id_only = item.is_object() && item.size() == 1 && item.contains("id");
      out += id_only ? cell_text(item["id"]) : item.is_object() ? item.dump() : cell_text(item);
    }
    return out;
  }
  return value.dump();
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string& text = i < row.size() ? row[i] : std::string();
      out += text;
      if (i + 1 < width.size()) out += std::string(width[i] - text.size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string render_items(const std::vector<std::string>& columns, const json& items) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : items) {
    std::vector<std::string> row;
    for (const auto& c : columns) row.push_back(item.contains(c) ? cell_text(item[c]) : "-");
    rows.push_back(std::move(row));
  }
  return render_table(columns, rows);
}

std::string render_fields(const json& object, const std::vector<std::string>& first) {
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> shown;
  for (const auto& key : first) {
    if (!object.contains(key)) continue;
    rows.push_back({key, cell_text(object[key])});
    shown.insert(key);
  }
  for (const auto& [key, value] : object.items()) {
    if (!shown.count(key)) rows.push_back({key, cell_text(value)});
  }
  return render_table({"field", "value"}, rows);
}

}  // namespace xlb::cli
