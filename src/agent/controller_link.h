// The agent's side of the controller's agents API (docs/api.md, "Agents"):
// registers the node, long-polls its desired state after the last revision
// it applied or tried, hands each new one to the agent, and reports what
// was applied, an apply error, backend health and the VIPs' counters (also
// every `report_every`, so the controller's /stats stay current). When the controller
// cannot be reached, nothing changes on the node: it retries with
// exponential backoff (1 s up to 30 s) and carries on where it left off
// when the controller answers again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "agent/desired_state.h"
#include "http/client.h"

namespace xlb::agent {

struct LinkSettings {
  http::Url url;
  std::string token;
  std::string name;
  std::string group;
  std::vector<std::string> capabilities;
  std::string version;
  std::string address;  // empty: the controller takes the connection's source
  std::chrono::seconds wait{30};  // per long poll
  std::chrono::seconds report_every{10};  // status and counters at least this often
};

class ControllerLink {
 public:
  // `on_desired` applies a new desired state and then calls applied() or failed().
  // `health` gives the current [{"listener_id", "address", "status"}],
  // `stats` the counters [{"listener_id", "bytes_in", "packets_in",
  // "total_connections", "request_errors"}] (docs/api.md, "Agents").
  ControllerLink(boost::asio::io_context& io, LinkSettings settings, std::optional<int64_t> applied_revision,
                 std::function<void(const Desired&)> on_desired, std::function<nlohmann::json()> health,
                 std::function<nlohmann::json()> stats);

  void start();
  void stop();
  void applied(int64_t revision);
  void failed(int64_t revision, std::string error);
  // Sends the status now (one report at a time; a request meanwhile sends another after it).
  void report();

 private:
  void enroll();
  void poll();
  void retry(const std::string& step, const std::string& why, std::function<void()> next);
  void reached();
  void report_periodically();
  http::ClientRequest request(std::string method, std::string target, std::string body = {}) const;

  boost::asio::io_context& io_;
  LinkSettings settings_;
  std::function<void(const Desired&)> on_desired_;
  std::function<nlohmann::json()> health_;
  std::function<nlohmann::json()> stats_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer report_timer_;
  std::optional<int64_t> applied_;
  std::optional<int64_t> tried_;  // the newest revision received, applied or not
  std::string error_;
  std::optional<int64_t> error_revision_;
  std::chrono::milliseconds backoff_{0};
  bool reachable_ = true;
  bool reporting_ = false, report_again_ = false;
  bool send_stats_ = true;  // off once a controller without /stats refused them
  bool stopped_ = false;
};

}  // namespace xlb::agent
