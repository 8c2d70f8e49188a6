#include "controller/listener_stats.h"

#include <limits>
#include <vector>

namespace xlb::controller {

namespace {

// The counters by name, in the order of the table's columns.
struct CounterField {
  const char* name;
  int64_t Counters::*member;
};
constexpr CounterField kFields[] = {{"bytes_in", &Counters::bytes_in},
                                    {"packets_in", &Counters::packets_in},
                                    {"total_connections", &Counters::total_connections},
                                    {"request_errors", &Counters::request_errors}};

// Adds without overflowing: a counter that would pass INT64_MAX stays there.
int64_t saturating_add(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

}  // namespace

Counters& Counters::operator+=(const Counters& o) {
  for (const auto& f : kFields) this->*f.member = saturating_add(this->*f.member, o.*f.member);
  return *this;
}

Result<ListenerStats> ListenerStats::open(const std::string& path) {
  auto db = sqlite::Database::open(path);
  if (!db) return db.error();
  ListenerStats out(std::move(*db));
  if (auto st = out.load(); !st) return st.error().context("reading the listener statistics");
  return out;
}

ListenerStats ListenerStats::in_memory() { return ListenerStats(std::nullopt); }

Status ListenerStats::load() {
  auto st = sqlite::Statement::prepare(
      *db_,
      "SELECT listener_id, agent, bytes_in, packets_in, total_connections, request_errors, base_bytes_in, "
      "base_packets_in, base_total_connections, base_request_errors FROM listener_stats");
  if (!st) return st.error();
  while (true) {
    auto more = st->step();
    if (!more) return more.error();
    if (!*more) break;
    Row row;
    for (size_t i = 0; i < std::size(kFields); ++i) {
      row.last.*kFields[i].member = st->column_int(static_cast<int>(2 + i));
      row.base.*kFields[i].member = st->column_int(static_cast<int>(6 + i));
    }
    rows_[{st->column_text(0), st->column_text(1)}] = row;
  }
  return {};
}

Status ListenerStats::save(const std::string& listener_id, const std::string& agent, const Row& row) {
  auto st = sqlite::Statement::prepare(
      *db_,
      "INSERT INTO listener_stats (listener_id, agent, bytes_in, packets_in, total_connections, request_errors, "
      "base_bytes_in, base_packets_in, base_total_connections, base_request_errors) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(listener_id, agent) DO UPDATE SET "
      "bytes_in = ?3, packets_in = ?4, total_connections = ?5, request_errors = ?6, base_bytes_in = ?7, "
      "base_packets_in = ?8, base_total_connections = ?9, base_request_errors = ?10");
  if (!st) return st.error();
  st->bind(1, listener_id).bind(2, agent);
  for (size_t i = 0; i < std::size(kFields); ++i) {
    st->bind(static_cast<int>(3 + i), row.last.*kFields[i].member);
    st->bind(static_cast<int>(7 + i), row.base.*kFields[i].member);
  }
  auto done = st->step();
  if (!done) return done.error();
  return {};
}

Outcome<Reported> ListenerStats::parse(const json& list) {
  if (!list.is_array()) return bad_request("stats must be a list");
  Reported out;
  for (const auto& e : list) {
    if (!e.is_object() || !e.contains("listener_id") || !e.at("listener_id").is_string())
      return bad_request("Each stats entry must be an object with a listener_id");
    Counters c;
    // All four: a missing one read as 0 would look like a reset.
    for (const auto& f : kFields)
      if (!e.contains(f.name))
        return bad_request(std::string("A stats entry lacks ") + f.name +
                           " (each has listener_id, bytes_in, packets_in, total_connections, request_errors)");
    for (const auto& [key, value] : e.items()) {
      if (key == "listener_id") continue;
      size_t i = 0;
      while (i < std::size(kFields) && key != kFields[i].name) ++i;
      if (i == std::size(kFields))
        return bad_request("Unknown stats field: " + key +
                           " (known: listener_id, bytes_in, packets_in, total_connections, request_errors)");
      // Counters come as unsigned 64-bit values; past INT64_MAX nothing is meaningful.
      if (!value.is_number_integer() || (value.is_number_unsigned() &&
                                         value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) ||
          (!value.is_number_unsigned() && value.get<int64_t>() < 0))
        return bad_request("The stats field " + key + " must be a whole number from 0 to 2^63-1");
      c.*kFields[i].member = value.get<int64_t>();
    }
    const std::string& id = e.at("listener_id").get_ref<const std::string&>();
    if (id.empty() || id.size() > 64) return bad_request("A stats listener_id is 1 to 64 characters");
    if (!out.emplace(id, c).second) return bad_request("The listener " + id + " appears twice in stats");
  }
  return out;
}

Status ListenerStats::record(const std::string& agent, const Reported& reported) {
  std::vector<std::pair<Key, Row>> changed;
  for (const auto& [listener_id, now] : reported) {
    Key key{listener_id, agent};
    auto it = rows_.find(key);
    Row row = it == rows_.end() ? Row{} : it->second;
    if (it != rows_.end() && row.last == now) continue;
    bool reset = false;
    for (const auto& f : kFields) reset = reset || now.*f.member < row.last.*f.member;
    if (reset) row.base += row.last;
    row.last = now;
    changed.emplace_back(std::move(key), row);
  }
  if (changed.empty()) return {};
  if (db_) {
    // All of a report or none of it.
    auto tx = sqlite::Transaction::begin(*db_);
    if (!tx) return tx.error();
    for (const auto& [key, row] : changed)
      if (auto st = save(key.first, key.second, row); !st) return st.error().context("storing the stats of " + key.first);
    if (auto st = tx->commit(); !st) return st.error();
  }
  for (auto& [key, row] : changed) rows_[key] = row;
  return {};
}

Counters ListenerStats::total(const std::string& listener_id) const {
  Counters sum;
  for (auto it = rows_.lower_bound({listener_id, ""}); it != rows_.end() && it->first.first == listener_id; ++it) {
    sum += it->second.base;
    sum += it->second.last;
  }
  return sum;
}

json ListenerStats::render(const Counters& c) {
  return {{"bytes_in", c.bytes_in},
          {"bytes_out", 0},
          {"active_connections", 0},
          {"total_connections", c.total_connections},
          {"request_errors", c.request_errors}};
}

}  // namespace xlb::controller
