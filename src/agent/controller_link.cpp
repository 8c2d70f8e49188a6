#include "agent/controller_link.h"

#include <spdlog/spdlog.h>

#include "common/logging.h"

namespace xlb::agent {

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(1000);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30000);
constexpr auto kRequestDeadline = std::chrono::seconds(10);

std::string short_body(const std::string& body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("faultstring") && doc.at("faultstring").is_string())
    return doc.at("faultstring").get<std::string>();
  return body.substr(0, 200);
}

}  // namespace

ControllerLink::ControllerLink(boost::asio::io_context& io, LinkSettings settings,
                               std::optional<int64_t> applied_revision, std::function<void(const Desired&)> on_desired,
                               std::function<nlohmann::json()> health, std::function<nlohmann::json()> stats)
    : io_(io),
      settings_(std::move(settings)),
      on_desired_(std::move(on_desired)),
      health_(std::move(health)),
      stats_(std::move(stats)),
      retry_timer_(io),
      report_timer_(io),
      applied_(applied_revision),
      tried_(applied_revision) {}

http::ClientRequest ControllerLink::request(std::string method, std::string target, std::string body) const {
  http::ClientRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers = {{"X-Auth-Token", settings_.token}, {"Content-Type", "application/json"}};
  r.deadline = kRequestDeadline;
  return r;
}

void ControllerLink::start() {
  enroll();
  report_periodically();
}

void ControllerLink::stop() {
  stopped_ = true;
  retry_timer_.cancel();
  report_timer_.cancel();
}

void ControllerLink::report_periodically() {
  report_timer_.expires_after(settings_.report_every);
  report_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    // While the controller is away the retries carry the reports.
    if (reachable_) report();
    report_periodically();
  });
}

void ControllerLink::retry(const std::string& step, const std::string& why, std::function<void()> next) {
  if (stopped_) return;
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(kMaxBackoff, backoff_ * 2);
  // One warning when the controller goes away, then quieter lines while it stays away.
  const auto line = event_line("controller_unreachable", {{"controller", settings_.url.str()},
                                                          {"step", step},
                                                          {"error", why},
                                                          {"retry_in_ms", std::to_string(backoff_.count())}});
  if (reachable_)
    spdlog::warn("{}", line);
  else
    spdlog::debug("{}", line);
  reachable_ = false;
  retry_timer_.expires_after(backoff_);
  retry_timer_.async_wait([this, next = std::move(next)](const boost::system::error_code& ec) {
    if (!ec && !stopped_) next();
  });
}

void ControllerLink::reached() {
  backoff_ = std::chrono::milliseconds(0);
  if (reachable_) return;
  reachable_ = true;
  spdlog::info("{}", event_line("controller_reached", {{"controller", settings_.url.str()}}));
}

void ControllerLink::enroll() {
  nlohmann::json agent = {{"role", "l4"},
                          {"group", settings_.group},
                          {"capabilities", settings_.capabilities},
                          {"version", settings_.version}};
  if (!settings_.address.empty()) agent["address"] = settings_.address;
  const std::string body = nlohmann::json{{"agent", agent}}.dump();
  http::fetch(io_, settings_.url, request("PUT", "/v2/xlb/agents/" + settings_.name, body),
              [this](Result<http::ClientResponse> r) {
                if (stopped_) return;
                if (!r) return retry("register", r.error().message, [this] { enroll(); });
                if (r->status != 200)
                  return retry("register", "HTTP " + std::to_string(r->status) + ": " + short_body(r->body),
                               [this] { enroll(); });
                reached();
                spdlog::info("{}", event_line("agent_registered", {{"controller", settings_.url.str()},
                                                                   {"name", settings_.name},
                                                                   {"group", settings_.group}}));
                report();
                poll();
              });
}

void ControllerLink::poll() {
  if (stopped_) return;
  std::string target = "/v2/xlb/agents/" + settings_.name + "/desired?wait=" + std::to_string(settings_.wait.count());
  if (tried_) target += "&after=" + std::to_string(*tried_);
  auto req = request("GET", target);
  req.deadline = settings_.wait + kRequestDeadline;
  http::fetch(io_, settings_.url, std::move(req), [this](Result<http::ClientResponse> r) {
    if (stopped_) return;
    // After any failure, register again: that also reports at once, so a
    // restarted controller learns what this node serves without waiting a poll.
    if (!r) return retry("poll", r.error().message, [this] { enroll(); });
    if (r->status == 404) {
      // The controller forgot us (a new database, or an operator): register again.
      spdlog::warn("{}", event_line("agent_unknown", {{"controller", settings_.url.str()}, {"error", short_body(r->body)}}));
      return retry("poll", "not registered", [this] { enroll(); });
    }
    if (r->status == 304) {
      reached();
      report();  // also tells the controller we are here
      return poll();
    }
    if (r->status != 200)
      return retry("poll", "HTTP " + std::to_string(r->status) + ": " + short_body(r->body), [this] { enroll(); });
    reached();
    auto desired = parse_desired(r->body);
    if (!desired) return retry("poll", desired.error().message, [this] { poll(); });
    tried_ = desired->revision;
    spdlog::info("{}", event_line("desired_received", {{"revision", std::to_string(desired->revision)},
                                                       {"vips", std::to_string(desired->document.at("vips").size())}}));
    on_desired_(*desired);
    poll();
  });
}

void ControllerLink::applied(int64_t revision) {
  applied_ = revision;
  tried_ = revision;
  error_.clear();
  error_revision_.reset();
  report();
}

void ControllerLink::failed(int64_t revision, std::string error) {
  tried_ = revision;
  error_ = std::move(error);
  error_revision_ = revision;
  report();
}

void ControllerLink::report() {
  if (stopped_) return;
  if (reporting_) {
    report_again_ = true;
    return;
  }
  reporting_ = true;
  nlohmann::json status = {{"health", health_()}};
  if (send_stats_) status["stats"] = stats_();
  if (applied_) status["applied_revision"] = *applied_;
  status["error"] = error_.empty() ? nlohmann::json() : nlohmann::json(error_);
  if (error_revision_) status["error_revision"] = *error_revision_;
  http::fetch(io_, settings_.url,
              request("PUT", "/v2/xlb/agents/" + settings_.name + "/status", nlohmann::json{{"status", status}}.dump()),
              [this](Result<http::ClientResponse> r) {
                reporting_ = false;
                if (stopped_) return;
                // A lost report is not retried on its own: the next poll or change sends a fresh one.
                if (!r)
                  spdlog::debug("report to {} failed: {}", settings_.url.str(), r.error().message);
                else if (r->status == 400 && send_stats_ &&
                         short_body(r->body).find("Unknown field: stats") != std::string::npos) {
                  // A controller older than /stats: report without counters from now on.
                  send_stats_ = false;
                  spdlog::warn("{}", event_line("stats_not_supported", {{"controller", settings_.url.str()}}));
                  report_again_ = true;
                } else if (r->status != 204)
                  spdlog::warn("{}", event_line("report_refused", {{"status", std::to_string(r->status)},
                                                                   {"error", short_body(r->body)}}));
                if (report_again_) {
                  report_again_ = false;
                  report();
                }
              });
}

}  // namespace xlb::agent
