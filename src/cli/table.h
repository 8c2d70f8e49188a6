// Plain-text tables for people: columns aligned on the widest cell, two
// spaces apart, no trailing blanks. JSON values print as an operator reads
// them: null as "-", lists of {"id": ...} as their ids, other lists joined
// with commas, objects as compact JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace xlb::cli {

std::string cell_text(const nlohmann::json& value);

// A header row and the rows under it (a row shorter than the header is padded).
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// `columns` of every object in `items` (missing keys print as "-").
std::string render_items(const std::vector<std::string>& columns, const nlohmann::json& items);

// One object as "key  value" lines, in the object's order (keys in `first`
// come first, in that order).
std::string render_fields(const nlohmann::json& object, const std::vector<std::string>& first = {});

}  // namespace xlb::cli
