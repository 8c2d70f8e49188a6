// A server under test on its own io_context thread. The test builds the
// server on io (before run()); stop() destroys it on that thread, since the
// servers are not thread-safe, and then joins.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace xlb::test {

template <class Server>
class Served {
 public:
  ~Served() { stop(); }

  // Serves `server` on a new thread; port() is where it listens.
  void run(std::unique_ptr<Server> server) {
    server_ = std::move(server);
    port_ = server_->local_address().port;
    thread_ = std::thread([this] { io.run(); });
  }
  void stop() {
    boost::asio::post(io, [this] { server_.reset(); });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return port_; }

  boost::asio::io_context io;

 private:
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io);
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace xlb::test
