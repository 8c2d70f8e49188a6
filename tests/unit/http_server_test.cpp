// The shared HTTP server (src/http) with its own handler: what the handler
// is given, separate header and body limits, the reject hook shaping the 400
// and 413 answers, and a throwing handler costing one request (500), not the
// server. The client is a synchronous Beast client on a loopback port.
#include "http/server.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "support/served.h"

namespace xlb::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = boost::asio::ip::tcp;

class Handled : public ::testing::Test {
 protected:
  void start(Options options) {
    auto server = Server::start(
        served_.io, {*IpAddr::parse("127.0.0.1"), 0},
        [this](const Request& r) {
          if (r.path == "/throw") throw std::runtime_error("handler bug");
          seen_ = r;
          Response out;
          out.status = 201;
          out.body = "got " + std::to_string(r.body.size());
          out.headers.emplace_back("X-Seen", r.method);
          return out;
        },
        std::move(options));
    ASSERT_TRUE(server.ok()) << server.error().message;
    served_.run(std::move(*server));
  }
  // A handler that holds /wait until a /release on another connection answers it.
  void start_deferred() {
    auto server = Server::start(
        served_.io, {*IpAddr::parse("127.0.0.1"), 0},
        AsyncHandler([this](const Request& r, Reply reply) {
          if (r.path == "/wait") {
            held_ = std::move(reply);
            return;
          }
          if (!held_) return reply(Response{409, "nothing held yet", "text/plain", {}});
          held_(Response{200, "released by " + r.peer, "text/plain", {}});
          held_(Response{500, "a second answer is ignored", "text/plain", {}});
          reply(Response{200, "released", "text/plain", {}});
        }),
        Options{});
    ASSERT_TRUE(server.ok()) << server.error().message;
    served_.run(std::move(*server));
  }
  // Stops the server before the fixture's members its handler uses go away.
  void TearDown() override { served_.stop(); }

  bhttp::response<bhttp::string_body> send(bhttp::verb method, const std::string& target, std::string body = "",
                                           const std::string& extra_header = "") {
    boost::asio::io_context client_io;
    beast::tcp_stream stream(client_io);
    stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), served_.port()));
    stream.expires_after(std::chrono::seconds(5));
    bhttp::request<bhttp::string_body> req(method, target, 11);
    req.set(bhttp::field::host, "x");
    if (!extra_header.empty()) req.set("X-Extra", extra_header);
    req.body() = std::move(body);
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    beast::error_code ec;
    bhttp::read(stream, buffer, res, ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }

  Request seen_;
  Reply held_;
  test::Served<Server> served_;
};

Options with_limits(size_t header_bytes, size_t body_bytes) {
  Options o;
  o.limits.max_header_bytes = header_bytes;
  o.limits.max_body_bytes = body_bytes;
  o.server_name = "test-server";
  o.reject = [](unsigned status, std::string_view reason) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = "{\"refused\": \"" + std::string(reason) + "\"}";
    return r;
  };
  return o;
}

TEST_F(Handled, ADeferredReplyHoldsItsConnectionOnlyAndAnswersOnce) {
  start_deferred();
  bhttp::response<bhttp::string_body> waited;
  std::thread waiter([&] { waited = send(bhttp::verb::get, "/wait"); });
  // Other connections are served while /wait is held: the loop is not blocked.
  bool released = false;
  for (int i = 0; i < 500 && !released; ++i) {
    released = send(bhttp::verb::get, "/release").result_int() == 200;
    if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  waiter.join();
  ASSERT_TRUE(released);
  EXPECT_EQ(waited.result_int(), 200u);
  EXPECT_EQ(waited.body(), "released by 127.0.0.1");
}

TEST_F(Handled, TheHandlerGetsTheWholeRequest) {
  start(with_limits(4096, 100000));
  auto res = send(bhttp::verb::put, "/v2/lbaas/pools/p1?name=a%20b&x", std::string(50000, 'j'), "Value");
  EXPECT_EQ(res.result_int(), 201u);
  EXPECT_EQ(res.body(), "got 50000");
  EXPECT_EQ(res[bhttp::field::server], "test-server");
  EXPECT_EQ(res["X-Seen"], "PUT");
  EXPECT_EQ(seen_.method, "PUT");
  EXPECT_EQ(seen_.path, "/v2/lbaas/pools/p1");
  EXPECT_EQ(seen_.query, "name=a%20b&x");
  EXPECT_EQ(seen_.header("x-extra"), "Value");  // names lower-cased
  EXPECT_EQ(seen_.header("host"), "x");
  EXPECT_EQ(seen_.header("absent"), "");
}

TEST_F(Handled, BodyAndHeaderLimitsAreSeparateAndRejectShapesTheAnswer) {
  start(with_limits(1024, 8192));
  // A body far above the header budget but within its own is served...
  EXPECT_EQ(send(bhttp::verb::post, "/", std::string(8000, 'b')).result_int(), 201u);
  // ...one over its own is 413, in the reject hook's words.
  auto big = send(bhttp::verb::post, "/", std::string(9000, 'b'));
  EXPECT_EQ(big.result_int(), 413u);
  EXPECT_EQ(big.body(), "{\"refused\": \"request too large\"}");
  EXPECT_EQ(big[bhttp::field::content_type], "application/json");
  EXPECT_EQ(send(bhttp::verb::get, "/", "", std::string(2000, 'h')).result_int(), 413u);
  EXPECT_EQ(send(bhttp::verb::get, "/").result_int(), 201u);
}

TEST_F(Handled, AThrowingHandlerCostsOneRequest) {
  start(with_limits(4096, 4096));
  auto res = send(bhttp::verb::get, "/throw");
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_EQ(res.body(), "{\"refused\": \"internal error\"}");
  EXPECT_EQ(send(bhttp::verb::get, "/fine").result_int(), 201u);
}

TEST_F(Handled, WithoutARejectHookAnswersArePlainText) {
  Options o;
  start(o);
  auto res = send(bhttp::verb::get, "/throw");
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_EQ(res.body(), "internal error\n");
  EXPECT_EQ(res[bhttp::field::content_type], "text/plain; charset=utf-8");
}

}  // namespace
}  // namespace xlb::http
