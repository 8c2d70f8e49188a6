// The /metrics HTTP server on a loopback port: routes, methods, bad and
// oversized requests, keep-alive, the connection cap and the idle timeout.
// The server runs on an io_context in a thread of the test; the client is a
// plain blocking socket.
#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "support/served.h"

namespace xlb::metrics {
namespace {

class Served : public ::testing::Test {
 protected:
  void start(ServerLimits limits = {}) {
    SocketAddress any{*IpAddr::parse("127.0.0.1"), 0};
    auto server = HttpServer::start(
        served_.io, any, [this]() -> Result<std::string> {
          ++scrapes_;
          if (fail_) return Error{"maps unreadable"};
          return std::string("xlb_vips 3\n");
        },
        limits);
    ASSERT_TRUE(server.ok()) << server.error().message;
    served_.run(std::move(*server));
    port_ = served_.port();
  }
  // Stops the server before the fixture's members its handler uses go away.
  void TearDown() override { served_.stop(); }

  int connect_client() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    timeval tv{5, 0};  // a test never hangs on a silent server
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
  }
  static void send_all(int fd, const std::string& data) {
    ASSERT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }
  // Reads until the server closes (or 5 s pass).
  static std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  // Reads one response whose body is Content-Length bytes long.
  static std::string read_response(int fd) {
    std::string out;
    char buf[4096];
    while (true) {
      auto end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto cl = out.find("Content-Length: ");
        size_t length = cl == std::string::npos ? 0 : std::stoul(out.substr(cl + 16));
        if (out.size() >= end + 4 + length) return out;
      }
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  std::string request(const std::string& raw) {
    int fd = connect_client();
    send_all(fd, raw);
    std::string out = read_all(fd);
    ::close(fd);
    return out;
  }
  std::string get(const std::string& target) {
    return request("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }

  test::Served<HttpServer> served_;
  uint16_t port_ = 0;
  std::atomic<int> scrapes_{0};
  std::atomic<bool> fail_{false};
};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST_F(Served, MetricsHealthzAndNotFound) {
  start();
  std::string r = get("/metrics");
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_TRUE(contains(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n")) << r;
  EXPECT_TRUE(contains(r, "\r\n\r\nxlb_vips 3\n")) << r;
  r = get("/metrics?debug=1");
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 200 OK\r\n")) << r;
  r = get("/healthz");
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_TRUE(contains(r, "\r\n\r\nok\n")) << r;
  EXPECT_TRUE(starts_with(get("/"), "HTTP/1.1 404 ")) << get("/");
  EXPECT_TRUE(starts_with(get("/metricsx"), "HTTP/1.1 404 "));
  EXPECT_EQ(scrapes_.load(), 2);
}

TEST_F(Served, OnlyGetIsAllowed) {
  start();
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD"}) {
    std::string r = request(std::string(method) + " /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                                  "Content-Length: 2\r\n\r\nhi");
    EXPECT_TRUE(starts_with(r, "HTTP/1.1 405 ")) << method << ": " << r;
    EXPECT_TRUE(contains(r, "Allow: GET\r\n")) << r;
  }
  EXPECT_EQ(scrapes_.load(), 0);
}

TEST_F(Served, AFailedScrapeIsA500WithTheReason) {
  start();
  fail_ = true;
  std::string r = get("/metrics");
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 500 ")) << r;
  EXPECT_TRUE(contains(r, "maps unreadable")) << r;
}

TEST_F(Served, GarbageIsA400AndTheServerGoesOn) {
  start();
  std::string r = request("\x01\x02 not http at all\r\n\r\n");
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 400 ")) << r;
  r = request("GET /metrics HTTP/1.1\r\nBad Header Line\r\n\r\n");
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 400 ")) << r;
  EXPECT_TRUE(starts_with(get("/healthz"), "HTTP/1.1 200 "));
}

TEST_F(Served, OversizedRequestsAreRefused) {
  start(ServerLimits{.max_request_bytes = 1024});
  std::string r = request("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 413 ")) << r.substr(0, 200);
  r = request("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(2000, 'b'));
  EXPECT_TRUE(starts_with(r, "HTTP/1.1 413 ")) << r.substr(0, 200);
  EXPECT_TRUE(starts_with(get("/healthz"), "HTTP/1.1 200 "));
}

TEST_F(Served, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  int fd = connect_client();
  for (int i = 0; i < 3; ++i) {
    send_all(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string r = read_response(fd);
    EXPECT_TRUE(starts_with(r, "HTTP/1.1 200 OK\r\n")) << r;
    EXPECT_TRUE(contains(r, "xlb_vips 3\n")) << r;
  }
  ::close(fd);
  EXPECT_EQ(scrapes_.load(), 3);
}

TEST_F(Served, ConnectionsAboveTheCapAreClosed) {
  start(ServerLimits{.max_connections = 2});
  int a = connect_client(), b = connect_client();
  // Make sure both are accepted and counted: each gets an answer and stays open.
  for (int fd : {a, b}) {
    send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(starts_with(read_response(fd), "HTTP/1.1 200 "));
  }
  int c = connect_client();  // the kernel accepts it; the server closes it
  ::send(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35, MSG_NOSIGNAL);
  EXPECT_EQ(read_all(c), "");
  ::close(c);
  ::close(a);
  // Once one closes, there is room again (the server notices the close first).
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = starts_with(get("/healthz"), "HTTP/1.1 200 ");
    if (!served) usleep(20000);
  }
  EXPECT_TRUE(served);
  ::close(b);
}

TEST_F(Served, AnIdleConnectionIsClosedAfterTheTimeout) {
  start(ServerLimits{.timeout = std::chrono::milliseconds(200)});
  int fd = connect_client();
  send_all(fd, "GET /metr");  // never finished
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "the server kept a stalled request open";
  EXPECT_EQ(read_all(fd), "");
  ::close(fd);
}

TEST(HttpServer, ABindFailureNamesTheAddress) {
  boost::asio::io_context io;
  auto first = HttpServer::start(io, {*IpAddr::parse("127.0.0.1"), 0}, [] { return Result<std::string>(""); });
  ASSERT_TRUE(first.ok()) << first.error().message;
  const SocketAddress taken = (*first)->local_address();
  auto second = HttpServer::start(io, taken, [] { return Result<std::string>(""); });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("cannot listen on " + taken.str()), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
}

}  // namespace
}  // namespace xlb::metrics
