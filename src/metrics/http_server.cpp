#include "metrics/http_server.h"

#include "metrics/exposition.h"

namespace xlb::metrics {

namespace {

http::Response text(unsigned status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http::Response route(const ScrapeFn& scrape, const http::Request& req) {
  if (req.method != "GET") {
    auto r = text(405, "only GET is served\n");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (req.path == "/metrics") {
    auto body = scrape();
    if (!body) return text(500, body.error().message + "\n");
    auto r = text(200, std::move(*body));
    r.content_type = std::string(kContentType);
    return r;
  }
  if (req.path == "/healthz") return text(200, "ok\n");
  return text(404, "not found: try /metrics or /healthz\n");
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(boost::asio::io_context& io, const SocketAddress& listen,
                                                      ScrapeFn scrape, ServerLimits limits) {
  http::Options options;
  // One budget for the whole request, as /metrics requests carry no body worth the name.
  options.limits = {.max_header_bytes = limits.max_request_bytes,
                    .max_body_bytes = limits.max_request_bytes,
                    .timeout = limits.timeout,
                    .max_connections = limits.max_connections};
  options.server_name = "xlb-agent";
  options.log_name = "metrics";
  auto server = http::Server::start(
      io, listen, [scrape = std::move(scrape)](const http::Request& req) { return route(scrape, req); },
      std::move(options));
  if (!server) return server.error();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(*server)));
}

HttpServer::~HttpServer() = default;

SocketAddress HttpServer::local_address() const { return server_->local_address(); }

void HttpServer::stop() { server_->stop(); }

}  // namespace xlb::metrics
