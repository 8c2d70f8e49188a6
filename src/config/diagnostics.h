// Problems found in a config file, collected rather than thrown so that one
// run reports all of them. Internal to xlb_config.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace xlb::config {

class Diagnostics {
 public:
  explicit Diagnostics(std::string source_name) : source_(std::move(source_name)) {}

  // `line` is 1-based, 0 when unknown; `path` is the field, e.g.
  // "vips[1].backends[0].address", empty for problems of the file as a whole.
  void error(int line, std::string path, std::string message);

  bool empty() const { return entries_.empty(); }
  size_t count() const { return entries_.size(); }

  // Every problem, one per line, ordered by line number.
  Error to_error() const;

 private:
  struct Entry {
    int line;
    std::string path;
    std::string message;
  };
  std::string format(const Entry& entry) const;

  std::string source_;
  std::vector<Entry> entries_;
};

// The known key an unknown one was probably meant to be: the one it abbreviates,
// else the nearest by edit distance if it is close. Empty when nothing is close.
std::string_view suggest_key(std::string_view unknown, std::span<const std::string_view> known);

}  // namespace xlb::config
