// The health checker against real servers on loopback, all on one io_context
// as in the agent. Tests drive the loop until a condition holds or a generous
// deadline passes; they never assert on timing.
#include "health/checker.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health/http_message.h"

namespace xlb::health {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

IpAddr ip(std::string_view text) {
  auto address = IpAddr::parse(text);
  EXPECT_TRUE(address.ok()) << text;
  return address.ok() ? *address : IpAddr{};
}

// Short interval and timeout so tests move fast; rise 2, fall 3 as by default.
Target target(CheckType type, std::string_view address, uint16_t port) {
  Target t{ip(address), port, {}};
  t.spec.type = type;
  t.spec.interval = 50ms;
  t.spec.timeout = 200ms;
  return t;
}

std::string reply(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " Whatever\r\nContent-Length: 0\r\n\r\n";
}

// `n` distinct HTTP targets on one server: the paths differ.
std::vector<Target> http_paths(uint16_t port, int n) {
  std::vector<Target> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(target(CheckType::Http, "127.0.0.1", port));
    out.back().spec.http_path = "/" + std::to_string(i);
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- servers --------------------------------------------------------------

// Accepts and closes at once; can stop listening and come back on its port.
struct TcpServer {
  explicit TcpServer(asio::io_context& io, std::string_view address = "127.0.0.1") : acceptor(io) {
    listen(tcp::endpoint(asio::ip::make_address(std::string(address)), 0));
  }
  void listen(tcp::endpoint at) {
    acceptor.open(at.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(at);
    acceptor.listen();
    endpoint = acceptor.local_endpoint();
    accept();
  }
  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket) {
      if (ec) return;  // closed (or the server is gone): touch nothing
      ++accepted;
      accept();
    });
  }
  void close() { acceptor.close(); }
  void reopen() { listen(endpoint); }
  uint16_t port() const { return endpoint.port(); }

  tcp::acceptor acceptor;
  tcp::endpoint endpoint;
  int accepted = 0;
};

// A port that refuses: bound, so nobody else takes it, but not listening.
struct RefusedPort {
  explicit RefusedPort(asio::io_context& io) : socket(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  uint16_t port() const { return socket.local_endpoint().port(); }
  tcp::socket socket;
};

// A self-signed certificate made with the OpenSSL API, so no binary is needed.
std::unique_ptr<asio::ssl::context> self_signed_server_context() {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("backend.test"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  bool ok = key && X509_sign(cert, key, EVP_sha256()) > 0 && SSL_CTX_use_certificate(ctx->native_handle(), cert) == 1 &&
            SSL_CTX_use_PrivateKey(ctx->native_handle(), key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  EXPECT_TRUE(ok) << "making the self-signed certificate failed";
  return ctx;
}

// Answers every request with `response` after holding it for `hold`; records
// the requests, the TLS server names and how many connections it held at once.
struct HttpServer {
  HttpServer(asio::io_context& io, std::string response, asio::ssl::context* tls = nullptr,
             std::string_view address = "127.0.0.1")
      : io(io),
        response(std::move(response)),
        tls(tls),
        acceptor(io, tcp::endpoint(asio::ip::make_address(std::string(address)), 0)) {
    accept();
  }
  uint16_t port() const { return acceptor.local_endpoint().port(); }

  template <class Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    Session(HttpServer& server, Stream stream) : server(server), stream(std::move(stream)), timer(server.io) {}
    void start() {
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        read();
      } else {
        stream.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](auto ec) {
          if (ec) return self->server.done_holding();
          const char* sni = SSL_get_servername(self->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
          self->server.server_names.push_back(sni ? sni : "");
          self->read();
        });
      }
    }
    void read() {
      asio::async_read_until(stream, asio::dynamic_buffer(buf), "\r\n\r\n",
                             [self = this->shared_from_this()](auto ec, size_t n) {
                               if (ec) return self->server.done_holding();
                               self->server.requests.push_back(self->buf.substr(0, n));
                               self->timer.expires_after(self->server.hold);
                               self->timer.async_wait([self](auto) { self->answer(); });
                             });
    }
    void answer() {
      server.done_holding();  // before the bytes leave, so the client's probe is still in flight
      asio::async_write(stream, asio::buffer(server.response), [self = this->shared_from_this()](auto, size_t) {
        boost::system::error_code ignored;
        self->stream.lowest_layer().close(ignored);
      });
    }
    HttpServer& server;
    Stream stream;
    asio::steady_timer timer;
    std::string buf;
  };

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      max_active = std::max(max_active, ++active);
      using TlsStream = asio::ssl::stream<tcp::socket>;
      if (tls)
        std::make_shared<Session<TlsStream>>(*this, TlsStream(std::move(socket), *tls))->start();
      else
        std::make_shared<Session<tcp::socket>>(*this, std::move(socket))->start();
      accept();
    });
  }
  void done_holding() {
    --active;
    ++answered;
  }

  asio::io_context& io;
  std::string response;
  asio::ssl::context* tls;
  tcp::acceptor acceptor;
  std::chrono::milliseconds hold{0};
  std::vector<std::string> requests, server_names;
  int active = 0, max_active = 0, answered = 0;
};

// Echoes datagrams back, or with echo = false swallows them.
struct UdpServer {
  UdpServer(asio::io_context& io, bool echo, std::string_view address = "127.0.0.1")
      : socket(io, udp::endpoint(asio::ip::make_address(std::string(address)), 0)) {
    if (echo) receive();
  }
  void receive() {
    socket.async_receive_from(asio::buffer(buf), peer, [this](const boost::system::error_code& ec, size_t n) {
      if (ec) return;
      ++received;
      socket.send_to(asio::buffer(buf.data(), n), peer, 0, ignored);
      receive();
    });
  }
  uint16_t port() const { return socket.local_endpoint().port(); }
  udp::socket socket;
  udp::endpoint peer;
  std::array<char, 512> buf{};
  boost::system::error_code ignored;
  int received = 0;
};

// ---- fixture --------------------------------------------------------------

struct Change {
  Transition transition;
  uint64_t probes;  // the target's completed probes when it was reported
};

class HealthTest : public ::testing::Test {
 protected:
  Checker& make_checker(size_t max_in_flight = 256) {
    checker = std::make_unique<Checker>(
        io,
        [this](const Transition& t) {
          auto s = checker->status(t.target);
          changes.push_back({t, s ? s->probes : 0});
          if (on_change) on_change(t);
        },
        max_in_flight);
    return *checker;
  }

  // Run the loop until `done` holds or 10 s pass; false on the deadline.
  template <class Pred>
  bool run_until(Pred done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_one_for(10ms);
      if (io.stopped()) io.restart();
    }
    return true;
  }

  uint64_t probes(const Target& t) const {
    auto s = checker->status(t);
    return s ? s->probes : 0;
  }
  // Probed `n` times and not probing now: the next probe waits for its timer.
  bool idle_after(const Target& t, uint64_t n) const {
    auto s = checker->status(t);
    return s && s->probes >= n && !s->probing;
  }
  std::vector<Change> changes_of(const Target& t) const {
    std::vector<Change> out;
    for (const auto& c : changes)
      if (c.transition.target == t) out.push_back(c);
    return out;
  }
  // Probe `t` alone until `n` probes have completed; returns its transitions.
  std::vector<Change> probe_alone(const Target& t, uint64_t n = 3) {
    if (!checker) make_checker();
    checker->set_targets({t});
    EXPECT_TRUE(run_until([&] { return probes(t) >= n; })) << "only " << probes(t) << " probes";
    return changes_of(t);
  }

  // Probe `t` alone once; it must be reported Down exactly once. Returns why.
  std::string first_down_reason(const Target& t) {
    auto seen = probe_alone(t, 1);
    EXPECT_EQ(seen.size(), 1u);
    if (seen.empty()) return "(not reported)";
    EXPECT_EQ(seen[0].transition.health, Health::Down);
    EXPECT_EQ(seen[0].probes, 1u);  // the first probe decides alone
    return seen[0].transition.reason;
  }

  // A server on ::1, or null where the machine has no IPv6 loopback.
  template <class Server, class... Args>
  std::unique_ptr<Server> on_ipv6(Args&&... args) {
    try {
      return std::make_unique<Server>(io, std::forward<Args>(args)...);
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  asio::io_context io;
  std::vector<Change> changes;
  std::function<void(const Transition&)> on_change;
  std::unique_ptr<Checker> checker;  // after io: destroyed first
};

// ---- the request and the status line ------------------------------------

TEST(HttpMessage, ParsesStatusLines) {
  EXPECT_EQ(*parse_status_line("HTTP/1.1 200 OK"), 200);
  EXPECT_EQ(*parse_status_line("HTTP/1.0 503"), 503);
  EXPECT_EQ(*parse_status_line("HTTP/2 404 Not Found"), 404);
  for (const char* bad : {"", "garbage", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc",
                          "HTTP/ 200 OK", "HTTP/1.1 099 Low", "SSH-2.0-OpenSSH_9.2"}) {
    auto status = parse_status_line(bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_TRUE(contains(status.error().message, "malformed status line")) << status.error().message;
  }
  EXPECT_EQ(printable(std::string("a\r\n\0b", 5)), "a\\x0d\\x0a\\x00b");
}

TEST(HttpMessage, RequestHostAndServerName) {
  Target t = target(CheckType::Http, "127.0.0.1", 8080);
  t.spec.http_path = "/healthz";
  EXPECT_EQ(*http_request(t),
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\nUser-Agent: xlb-health\r\n\r\n");
  EXPECT_EQ(host_header(target(CheckType::Http, "10.0.0.1", 80)), "10.0.0.1");
  EXPECT_EQ(host_header(target(CheckType::Https, "2001:db8::1", 443)), "[2001:db8::1]");
  EXPECT_EQ(host_header(target(CheckType::Https, "2001:db8::1", 8443)), "[2001:db8::1]:8443");
  EXPECT_FALSE(sni_name(t));  // no host given: an address is never SNI
  for (auto [host, sni] : std::vector<std::pair<std::string, std::string>>{
           {"app.example", "app.example"}, {"app.example:8443", "app.example"}, {"10.0.0.1", ""}, {"[::1]:443", ""},
           {"::1", ""}}) {
    t.spec.http_host = host;
    EXPECT_EQ(sni_name(t).value_or(""), sni) << host;
  }
  t.spec.http_path = "/x HTTP/1.0\r\nEvil: 1";
  EXPECT_FALSE(http_request(t).ok());
}

// ---- TCP ------------------------------------------------------------------

TEST_F(HealthTest, TcpListenerIsUp) {
  TcpServer server(io);
  Target t = target(CheckType::Tcp, "127.0.0.1", server.port());
  EXPECT_TRUE(probe_alone(t).empty());
  EXPECT_EQ(checker->health(t), Health::Up);
  EXPECT_EQ(checker->status(t)->last_reason, "connected");
  EXPECT_TRUE(run_until([&] { return server.accepted >= 1; }));
}

TEST_F(HealthTest, TcpRefusedIsDownOnTheFirstProbe) {
  RefusedPort port(io);
  Target t = target(CheckType::Tcp, "127.0.0.1", port.port());
  EXPECT_EQ(first_down_reason(t), "connect refused");
  ASSERT_TRUE(run_until([&] { return probes(t) >= 3; }));
  EXPECT_EQ(changes.size(), 1u);  // not reported again while it stays down
  EXPECT_EQ(checker->health(t), Health::Down);
}

TEST_F(HealthTest, FallsAfterFallFailuresAndRisesAfterRiseSuccesses) {
  TcpServer server(io);
  Target t = target(CheckType::Tcp, "127.0.0.1", server.port());
  make_checker().set_targets({t});
  // Change the listener only between probes, so every later probe sees the change.
  ASSERT_TRUE(run_until([&] { return idle_after(t, 2); }));
  uint64_t before_close = probes(t);
  server.close();
  ASSERT_TRUE(run_until([&] { return changes.size() == 1; }));
  ASSERT_TRUE(run_until([&] { return idle_after(t, probes(t)); }));
  uint64_t before_reopen = probes(t);
  server.reopen();
  ASSERT_TRUE(run_until([&] { return changes.size() == 2; }));

  EXPECT_EQ(changes[0].transition.health, Health::Down);
  EXPECT_EQ(changes[0].transition.reason, "connect refused");
  EXPECT_EQ(changes[0].probes, before_close + 3);  // fall = 3
  EXPECT_EQ(changes[1].transition.health, Health::Up);
  EXPECT_EQ(changes[1].transition.reason, "connected");
  EXPECT_EQ(changes[1].probes, before_reopen + 2);  // rise = 2
}

TEST_F(HealthTest, Ipv6Tcp) {
  auto server = on_ipv6<TcpServer>("::1");
  if (!server) GTEST_SKIP() << "no IPv6 loopback";
  Target t = target(CheckType::Tcp, "::1", server->port());
  EXPECT_TRUE(probe_alone(t).empty());
  EXPECT_EQ(checker->health(t), Health::Up);
  ASSERT_TRUE(run_until([&] { return server->accepted >= 1; }));
}

// ---- HTTP -----------------------------------------------------------------

TEST_F(HealthTest, Http200IsUpAndSendsTheRequest) {
  HttpServer server(io, reply(200));
  Target t = target(CheckType::Http, "127.0.0.1", server.port());
  t.spec.http_path = "/healthz";
  EXPECT_TRUE(probe_alone(t).empty());
  EXPECT_EQ(checker->status(t)->last_reason, "HTTP status 200");
  ASSERT_FALSE(server.requests.empty());
  const std::string& request = server.requests[0];
  EXPECT_EQ(request.substr(0, request.find("\r\n")), "GET /healthz HTTP/1.1");
  EXPECT_TRUE(contains(request, "\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n")) << request;
  EXPECT_TRUE(contains(request, "\r\nUser-Agent: xlb-health\r\n")) << request;
}

TEST_F(HealthTest, HttpHostHeaderIsTheConfiguredOne) {
  HttpServer server(io, reply(204));
  Target t = target(CheckType::Http, "127.0.0.1", server.port());
  t.spec.http_host = "app.example";
  EXPECT_TRUE(probe_alone(t, 1).empty());
  ASSERT_FALSE(server.requests.empty());
  EXPECT_TRUE(contains(server.requests[0], "\r\nHost: app.example\r\n")) << server.requests[0];
}

TEST_F(HealthTest, Http503IsDown) {
  HttpServer server(io, reply(503));
  Target t = target(CheckType::Http, "127.0.0.1", server.port());
  EXPECT_EQ(first_down_reason(t), "HTTP status 503");
}

TEST_F(HealthTest, HttpExpectedStatusRanges) {
  HttpServer unavailable(io, reply(503)), ok(io, reply(200));
  Target wants_5xx = target(CheckType::Http, "127.0.0.1", unavailable.port());
  wants_5xx.spec.expected_status = {{200, 204}, {500, 503}};
  Target rejects_200 = target(CheckType::Http, "127.0.0.1", ok.port());
  rejects_200.spec.expected_status = {{500, 599}};
  make_checker().set_targets({wants_5xx, rejects_200});
  ASSERT_TRUE(run_until([&] { return probes(wants_5xx) >= 2 && probes(rejects_200) >= 2; }));
  EXPECT_EQ(checker->health(wants_5xx), Health::Up);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].transition.target, rejects_200);
  EXPECT_EQ(changes[0].transition.reason, "HTTP status 200");
}

TEST_F(HealthTest, HttpGarbageAndEmptyResponsesAreDown) {
  HttpServer garbage(io, "SSH-2.0-OpenSSH_9.2\r\n\r\n"), empty(io, ""), endless(io, std::string(8192, 'x'));
  struct Case {
    uint16_t port;
    std::string reason;
  };
  for (const auto& c : {Case{garbage.port(), "malformed status line 'SSH-2.0-OpenSSH_9.2'"},
                        Case{empty.port(), "connection closed without a response"},
                        Case{endless.port(), "no status line in the first 4096 bytes"}}) {
    EXPECT_EQ(first_down_reason(target(CheckType::Http, "127.0.0.1", c.port)), c.reason);
  }
}

TEST_F(HealthTest, HttpSlowAnswerTimesOut) {
  HttpServer server(io, reply(200));
  server.hold = 2s;  // past the 200 ms timeout
  EXPECT_EQ(first_down_reason(target(CheckType::Http, "127.0.0.1", server.port())), "timeout after 200 ms");
}

TEST_F(HealthTest, Ipv6HttpUsesABracketedHost) {
  auto server = on_ipv6<HttpServer>(reply(200), nullptr, "::1");
  if (!server) GTEST_SKIP() << "no IPv6 loopback";
  Target t = target(CheckType::Http, "::1", server->port());
  EXPECT_TRUE(probe_alone(t, 1).empty());
  ASSERT_FALSE(server->requests.empty());
  EXPECT_TRUE(contains(server->requests[0], "\r\nHost: [::1]:" + std::to_string(server->port()) + "\r\n"));
}

// ---- HTTPS ----------------------------------------------------------------

TEST_F(HealthTest, HttpsWithASelfSignedCertificate) {
  auto tls = self_signed_server_context();
  HttpServer up(io, reply(200), tls.get()), down(io, reply(503), tls.get());
  Target ok = target(CheckType::Https, "127.0.0.1", up.port());
  ok.spec.http_host = "backend.test";
  Target failing = target(CheckType::Https, "127.0.0.1", down.port());
  make_checker().set_targets({ok, failing});
  ASSERT_TRUE(run_until([&] { return probes(ok) >= 2 && probes(failing) >= 1; }));
  EXPECT_EQ(checker->health(ok), Health::Up);
  EXPECT_EQ(checker->status(ok)->last_reason, "HTTP status 200");
  ASSERT_FALSE(up.server_names.empty());
  EXPECT_EQ(up.server_names[0], "backend.test");  // SNI = the configured host
  ASSERT_FALSE(up.requests.empty());
  EXPECT_TRUE(contains(up.requests[0], "\r\nHost: backend.test\r\n"));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].transition.target, failing);
  EXPECT_EQ(changes[0].transition.reason, "HTTP status 503");
}

TEST_F(HealthTest, HttpsToAServerThatHangsUpFailsTheHandshake) {
  TcpServer plain(io);  // accepts and closes: no ServerHello ever comes
  std::string reason = first_down_reason(target(CheckType::Https, "127.0.0.1", plain.port()));
  EXPECT_TRUE(contains(reason, "TLS handshake failed: ")) << reason;
}

// ---- UDP ------------------------------------------------------------------

TEST_F(HealthTest, UdpEchoIsUp) {
  UdpServer server(io, true);
  Target t = target(CheckType::Udp, "127.0.0.1", server.port());
  t.spec.udp_payload = "are you there";
  EXPECT_TRUE(probe_alone(t).empty());
  EXPECT_EQ(checker->status(t)->last_reason, "reply received");
  EXPECT_GE(server.received, 1);
}

TEST_F(HealthTest, UdpClosedPortIsDownByIcmp) {
  uint16_t port;
  {
    UdpServer gone(io, false);  // take a free port, then close it
    port = gone.port();
  }
  EXPECT_EQ(first_down_reason(target(CheckType::Udp, "127.0.0.1", port)), "ICMP port unreachable");
}

TEST_F(HealthTest, UdpSilentServerIsDownByTimeout) {
  UdpServer silent(io, false);
  EXPECT_EQ(first_down_reason(target(CheckType::Udp, "127.0.0.1", silent.port())), "timeout after 200 ms");
}

TEST_F(HealthTest, Ipv6UdpEcho) {
  auto server = on_ipv6<UdpServer>(true, "::1");
  if (!server) GTEST_SKIP() << "no IPv6 loopback";
  Target t = target(CheckType::Udp, "::1", server->port());
  EXPECT_TRUE(probe_alone(t, 2).empty());
  EXPECT_EQ(checker->health(t), Health::Up);
}

// ---- ping --------------------------------------------------------------------

// Whether this process may open raw ICMP sockets (root or CAP_NET_RAW).
bool can_ping(bool v6) {
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

TEST_F(HealthTest, PingLoopbackIsUp) {
  if (!can_ping(false)) GTEST_SKIP() << "no CAP_NET_RAW: PING checks cannot run here";
  Target t = target(CheckType::Ping, "127.0.0.1", 0);
  EXPECT_TRUE(probe_alone(t).empty());
  EXPECT_EQ(checker->health(t), Health::Up);
  EXPECT_EQ(checker->status(t)->last_reason, "echo reply");
}

TEST_F(HealthTest, Ipv6PingLoopbackIsUp) {
  if (!can_ping(true)) GTEST_SKIP() << "no CAP_NET_RAW: PING checks cannot run here";
  if (!on_ipv6<UdpServer>(true, "::1")) GTEST_SKIP() << "no IPv6 loopback";
  Target t = target(CheckType::Ping, "::1", 0);
  EXPECT_TRUE(probe_alone(t).empty());
  EXPECT_EQ(checker->status(t)->last_reason, "echo reply");
}

TEST_F(HealthTest, ManyPingsOfOneAddressEachFindTheirOwnReply) {
  if (!can_ping(false)) GTEST_SKIP() << "no CAP_NET_RAW: PING checks cannot run here";
  // Distinct specs make distinct targets, all probing 127.0.0.1 at once: every
  // raw socket sees every reply and must keep only its own.
  std::vector<Target> targets;
  for (int i = 0; i < 8; ++i) {
    targets.push_back(target(CheckType::Ping, "127.0.0.1", 0));
    targets.back().spec.rise = 2 + i;
  }
  make_checker();
  checker->set_targets(targets);
  ASSERT_TRUE(run_until([&] {
    return std::all_of(targets.begin(), targets.end(), [&](const Target& t) { return probes(t) >= 3; });
  }));
  EXPECT_TRUE(changes.empty());
  for (const auto& t : targets) EXPECT_EQ(checker->status(t)->last_reason, "echo reply");
}

// ---- the target set, the cap, stopping ------------------------------------

TEST_F(HealthTest, SetTargetsKeepsStateAndStopsRemovedTargets) {
  HttpServer failing(io, reply(503)), slow(io, reply(503));
  slow.hold = 300ms;  // its answer comes after it was removed
  RefusedPort refused(io);
  Target kept = target(CheckType::Http, "127.0.0.1", failing.port());
  Target removed = target(CheckType::Http, "127.0.0.1", slow.port());
  removed.spec.timeout = 2s;
  Target added = target(CheckType::Tcp, "127.0.0.1", refused.port());

  make_checker().set_targets({kept, removed});
  ASSERT_TRUE(run_until([&] { return changes.size() == 1 && slow.active == 1; }));  // removed's probe in flight
  EXPECT_EQ(checker->in_flight(), 1u);
  uint64_t kept_probes = probes(kept);

  checker->set_targets({kept, added, kept});
  EXPECT_FALSE(checker->health(removed));
  EXPECT_EQ(checker->health(kept), Health::Down);  // kept its verdict and counters
  EXPECT_EQ(probes(kept), kept_probes);
  ASSERT_TRUE(run_until([&] { return slow.answered == 1 && changes.size() == 2 && probes(kept) >= kept_probes + 3; }));

  EXPECT_EQ(changes_of(kept).size(), 1u);  // not reported again as if new
  EXPECT_EQ(changes_of(added).size(), 1u);
  EXPECT_TRUE(changes_of(removed).empty());  // its late 503 never reported
  EXPECT_EQ(slow.requests.size(), 1u);
}

TEST_F(HealthTest, InFlightProbesStayUnderTheCap) {
  HttpServer server(io, reply(200));
  server.hold = 20ms;
  auto targets = http_paths(server.port(), 10);
  make_checker(2).set_targets(targets);
  size_t most = checker->in_flight();
  ASSERT_TRUE(run_until([&] {
    most = std::max(most, checker->in_flight());
    return std::all_of(targets.begin(), targets.end(), [&](const Target& t) { return probes(t) >= 2; });
  }));
  EXPECT_EQ(most, 2u);
  EXPECT_LE(server.max_active, 2);
  EXPECT_TRUE(changes.empty());  // waiting for a slot is not a timeout
}

TEST_F(HealthTest, StopAndDestroyWithProbesInFlight) {
  HttpServer slow(io, reply(503));
  slow.hold = 100ms;
  auto targets = http_paths(slow.port(), 3);
  make_checker().set_targets(targets);
  ASSERT_TRUE(run_until([&] { return slow.active == 3; }));
  checker->stop();
  EXPECT_EQ(checker->in_flight(), 0u);
  EXPECT_FALSE(checker->health(targets[0]));
  checker->set_targets(targets);  // stopped stays stopped
  EXPECT_FALSE(checker->health(targets[0]));
  ASSERT_TRUE(run_until([&] { return slow.answered == 3; }));

  make_checker().set_targets(targets);  // a fresh one, destroyed mid-probe
  ASSERT_TRUE(run_until([&] { return slow.active == 3; }));
  checker.reset();
  ASSERT_TRUE(run_until([&] { return slow.answered == 6; }));  // late completions find nothing
  EXPECT_TRUE(changes.empty());
}

TEST_F(HealthTest, OnChangeMayReplaceTheTargets) {
  RefusedPort refused(io);
  TcpServer server(io);
  Target dead = target(CheckType::Tcp, "127.0.0.1", refused.port());
  Target live = target(CheckType::Tcp, "127.0.0.1", server.port());
  on_change = [&](const Transition&) { checker->set_targets({live}); };
  make_checker().set_targets({dead});
  ASSERT_TRUE(run_until([&] { return probes(live) >= 2; }));
  EXPECT_EQ(changes.size(), 1u);
  EXPECT_FALSE(checker->health(dead));
}

TEST_F(HealthTest, UnknownTargetAndNoAddress) {
  Target t = target(CheckType::Tcp, "127.0.0.1", 1);
  make_checker();
  EXPECT_FALSE(checker->health(t));
  t.address = IpAddr{};  // never parsed: fails instead of probing "::"
  EXPECT_EQ(first_down_reason(t), "no address to probe");
}

}  // namespace
}  // namespace xlb::health
