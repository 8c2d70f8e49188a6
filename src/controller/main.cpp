// xlb-controller: the control plane's REST API (Octavia v2 wire format) over
// the revisioned desired state in one SQLite file.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <fstream>
#include <functional>

#include "common/logging.h"
#include "controller/agents.h"
#include "controller/agents_api.h"
#include "controller/api.h"
#include "controller/placement.h"
#include "controller/service.h"
#include "controller/statuses.h"
#include "http/server.h"

namespace {

using namespace xlb;
using namespace xlb::controller;

int run(const std::string& listen_text, const std::string& db_path, const std::string& tokens_path,
        size_t max_body, const std::string& ready_file, const std::string& subnets_path,
        std::chrono::seconds offline_after) {
  // Port 0 asks the kernel for a free port (tests read it from --ready-file);
  // SocketAddress::parse refuses it, so parse with a placeholder port.
  const bool any_port = listen_text.size() > 2 && listen_text.ends_with(":0");
  auto listen = SocketAddress::parse(any_port ? listen_text.substr(0, listen_text.size() - 1) + "1" : listen_text);
  if (listen && any_port) listen->port = 0;
  if (!listen) {
    spdlog::error("--listen: {}", listen.error().message);
    return 2;
  }
  auto tokens = Tokens::load(tokens_path);
  if (!tokens) {
    spdlog::error("{}", tokens.error().message);
    return 2;
  }
  auto store = Store::open(db_path);
  if (!store) {
    spdlog::error("{}", store.error().message);
    return 1;
  }
  auto service = Service::open(std::move(*store));
  if (!service) {
    spdlog::error("{}: {}", db_path, service.error().message);
    return 1;
  }
  auto subnets = subnets_path.empty() ? Result<Subnets>(Subnets()) : Subnets::load(subnets_path);
  if (!subnets) {
    spdlog::error("{}", subnets.error().message);
    return 2;
  }
  auto quotas = QuotaStore::open(db_path);
  if (!quotas) {
    spdlog::error("{}: quotas: {}", db_path, quotas.error().message);
    return 1;
  }
  auto agents = Agents::open(db_path, offline_after);
  if (!agents) {
    spdlog::error("{}: {}", db_path, agents.error().message);
    return 1;
  }
  auto stats = ListenerStats::open(db_path);
  if (!stats) {
    spdlog::error("{}: {}", db_path, stats.error().message);
    return 1;
  }
  const size_t token_count = tokens->size();
  Api api(*service, std::make_shared<const Tokens>(std::move(*tokens)));
  api.set_quotas(&*quotas);
  api.set_subnets(std::make_shared<const Subnets>(std::move(*subnets)));

  boost::asio::io_context io;
  Statuses statuses(*agents);
  statuses.opened(service->revision());
  AgentsApi agents_api(io, *service, *agents, *stats);
  service->set_placer([&](State& next, const std::string& lb_id) { return place(next, lb_id, agents->groups()); });
  service->on_commit([&](const State& before, const State& after, int64_t revision) {
    statuses.committed(before, after, revision);
    agents_api.revision_committed(revision);
  });
  api.set_agents(&agents_api, &statuses);
  api.set_stats(&*stats);
  http::Options options;
  // Many clients at once are normal for an API; bodies are small JSON.
  options.limits = {.max_header_bytes = 16 * 1024,
                    .max_body_bytes = max_body,
                    .timeout = std::chrono::seconds(30),
                    .max_connections = 1024};
  options.server_name = "xlb-controller";
  options.log_name = "api";
  options.reject = [](unsigned status, std::string_view reason) {
    return Api::fault(status, status == 413 ? "The request is too large" : std::string(reason));
  };
  auto handle = [&api](const http::Request& r, http::Reply reply) {
    api.handle_async(r, [reply, method = r.method, target = r.target](http::Response response) {
      spdlog::debug("api: {} {} -> {}", method, target, response.status);
      reply(std::move(response));
    });
  };
  auto server = http::Server::start(io, *listen, http::AsyncHandler(handle), std::move(options));
  if (!server) {
    spdlog::error("{}", server.error().message);
    return 1;
  }
  const std::string bound = (*server)->local_address().str();
  spdlog::info("xlb-controller: serving {} at revision {}, {} tokens, database {}", bound, service->revision(),
               token_count, db_path);
  if (!ready_file.empty()) {
    // Written whole, then renamed: a reader never sees half an address.
    const std::string tmp = ready_file + ".tmp";
    std::ofstream(tmp) << bound << "\n";
    std::rename(tmp.c_str(), ready_file.c_str());
  }

  boost::asio::signal_set stop(io, SIGINT, SIGTERM), reload(io, SIGHUP);
  stop.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("xlb-controller: signal {}, stopping", sig);
    agents_api.stop();
    (*server)->stop();
    reload.cancel();
  });
  std::function<void()> wait_reload = [&] {
    reload.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      // A bad file keeps the tokens in force: a typo must not lock everyone out.
      auto fresh = Tokens::load(tokens_path);
      if (fresh) {
        spdlog::info("auth: reloaded {} tokens from {}", fresh->size(), tokens_path);
        api.set_tokens(std::make_shared<const Tokens>(std::move(*fresh)));
      } else {
        spdlog::error("auth: reload refused, keeping the current tokens: {}", fresh.error().message);
      }
      // Likewise a bad subnets file keeps the subnets in force. VIPs already
      // given stay as they are, even outside a subnet that changed.
      if (!subnets_path.empty()) {
        auto fresh_subnets = Subnets::load(subnets_path);
        if (fresh_subnets) {
          spdlog::info("subnets: reloaded {} subnets from {}", fresh_subnets->all().size(), subnets_path);
          api.set_subnets(std::make_shared<const Subnets>(std::move(*fresh_subnets)));
        } else {
          spdlog::error("subnets: reload refused, keeping the current subnets: {}", fresh_subnets.error().message);
        }
      }
      wait_reload();
    });
  };
  wait_reload();
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xlb-controller: the xlb control plane (Octavia v2 compatible REST API)"};
  std::string listen = "127.0.0.1:9876", db = "xlb-controller.db", tokens, ready_file, log_level = "info";
  size_t max_body = 1024 * 1024;
  app.add_option("--listen", listen, "address:port to serve (IPv6 as [::1]:9876)")->capture_default_str();
  app.add_option("--db", db, "SQLite database file (created if missing)")->capture_default_str();
  app.add_option("--tokens", tokens, "token file (YAML or JSON) mapping X-Auth-Token values to projects")
      ->required();
  app.add_option("--max-body", max_body, "largest request body in bytes (larger: 413)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{64} * 1024 * 1024));
  app.add_option("--ready-file", ready_file, "file to write the bound address to once serving");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text (a line per record, events as key=value) or json (an object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  std::string subnets;
  app.add_option("--subnets", subnets, "subnets file (YAML or JSON) for vip_subnet_id and GET /v2.0/subnets");
  unsigned offline_after = 60;
  app.add_option("--agent-offline-after", offline_after,
                 "seconds without a poll or report after which an agent is OFFLINE")
      ->capture_default_str()
      ->check(CLI::Range(1u, 86400u));
  CLI11_PARSE(app, argc, argv);
  xlb::setup_logging(log_level, log_format == "json" ? xlb::LogFormat::Json : xlb::LogFormat::Text);
  return run(listen, db, tokens, max_body, ready_file, subnets, std::chrono::seconds(offline_after));
}
