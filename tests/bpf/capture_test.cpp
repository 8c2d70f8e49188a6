// Packet capture in the real program: with a capture session on, a matching
// packet leaves two ring records, the packet as received (the input, byte for
// byte) and as sent (the program's output, byte for byte) or, dropped, the
// reason; the filter, sampling, budget and snap length bound what is copied;
// off, or past its lease, nothing is written; a full ring loses records,
// counted, and never a packet.
#include <gtest/gtest.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"
#include "capture/session.h"
#include "l4/snapshot.h"

namespace xlb::testing {
namespace {

constexpr const char* kBackendWeb = "198.18.11.2";
constexpr const char* kBackendDns = "198.18.12.2";
constexpr const char* kBackendWeb6 = "2001:db8:0:11::2";

Bytes syn_to(const char* vip, uint16_t port, uint16_t sport = 40000) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, vip).tcp(sport, port, {.flags = kTcpSyn}).build();
}

Bytes udp_to(uint16_t port, uint16_t sport, size_t payload = 5) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, kVip4).udp(sport, port)
      .payload(std::string(payload, 'q')).build();
}

// Records in the ring, whoever wrote them, without consuming them for a session.
size_t records_in_ring(const bpf::Map& ring) {
  size_t n = 0;
  auto count = [](void* ctx, void*, size_t) {
    ++*static_cast<size_t*>(ctx);
    return 0;
  };
  ring_buffer* rb = ring_buffer__new(ring.fd(), count, &n, nullptr);
  if (!rb) throw std::runtime_error("ring_buffer__new failed");
  ring_buffer__consume(rb);
  ring_buffer__free(rb);
  return n;
}

class Capture : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    h_ = std::make_unique<L4Harness>(7919);
    ASSERT_TRUE(h_->apply({service(kVip4, 80, IPPROTO_TCP, {kBackendWeb}), service(kVip4, 53, IPPROTO_UDP, {kBackendDns}),
                           service("198.51.100.20", 80, IPPROTO_TCP, {}),
                           service(kVip6, 80, IPPROTO_TCP, {kBackendWeb6})})
                    .ok());
  }
  void start(capture::Filter f) {
    auto s = capture::Session::start(h_->program().capture_cfg(), h_->program().capture_ring(), f,
                                     [this](const capture::Record& r) { records_.push_back(r); });
    ASSERT_TRUE(s) << s.error().message;
    session_ = std::move(*s);
  }
  const std::vector<capture::Record>& collect() {
    auto n = session_->poll(0);
    if (!n) throw std::runtime_error(n.error().message);
    return records_;
  }
  xlb_capture_cfg cfg() const {
    uint32_t zero = 0;
    xlb_capture_cfg c{};
    EXPECT_TRUE(h_->program().capture_cfg().lookup(&zero, &c).ok());
    return c;
  }
  static capture::Filter vip_filter() {
    capture::Filter f;
    f.vip = *IpAddr::parse(kVip4);
    f.snaplen = XLB_CAPTURE_SNAP_MAX;
    return f;
  }

  std::unique_ptr<L4Harness> h_;
  std::unique_ptr<capture::Session> session_;
  std::vector<capture::Record> records_;
};

TEST_F(Capture, AForwardedPacketIsRecordedAsReceivedAndAsSent) {
  start(vip_filter());
  const Bytes in = syn_to(kVip4, 80);
  RunOutcome out = h_->run(in);
  ASSERT_EQ(out.action, XDP_TX);
  const auto& r = collect();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, uint32_t(XLB_CAPTURE_INGRESS));
  EXPECT_EQ(diff_bytes(in, r[0].data), "");
  EXPECT_EQ(r[0].pkt_len, in.size());
  EXPECT_EQ(r[1].kind, uint32_t(XLB_CAPTURE_OUTPUT));
  EXPECT_EQ(diff_bytes(out.packet, r[1].data), "") << "the encapsulated packet, as sent";
  EXPECT_EQ(r[1].pkt_len, in.size() + 20);
  for (const auto& rec : r) {
    EXPECT_EQ(rec.action, uint32_t(XDP_TX));
    ASSERT_TRUE(rec.backend);
    EXPECT_EQ(rec.backend->str(), kBackendWeb);
    EXPECT_NE(rec.backend_id, 0u);
    EXPECT_EQ(rec.session, session_->id());
    EXPECT_EQ(rec.seq, r[0].seq);
    EXPECT_EQ(rec.cpu, r[0].cpu);
  }
  EXPECT_EQ(out.counter_deltas["capture_record"], 2u);
  EXPECT_EQ(out.counter_deltas.count("capture_ring_full"), 0u);
}

TEST_F(Capture, Ipv6MatchesByAddressAndPort) {
  capture::Filter f;
  f.vip = *IpAddr::parse(kVip6);
  f.vip_port = 80;
  f.vip_proto = IPPROTO_TCP;
  start(f);
  const Bytes in = PacketBuilder().eth(kClientMac, kNodeMac).vlan(5).ipv6(kClient6, kVip6)
                       .tcp(40000, 80, {.flags = kTcpSyn}).build();
  h_->run(syn_to(kVip4, 80));  // the other family: not this VIP
  RunOutcome out = h_->run(in);
  ASSERT_EQ(out.action, XDP_TX);
  const auto& r = collect();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(diff_bytes(in, r[0].data), "");
  EXPECT_EQ(diff_bytes(out.packet, r[1].data), "") << "ip6ip6 on the same VLAN, as sent";
  EXPECT_EQ(r[1].backend->str(), kBackendWeb6);
}

TEST_F(Capture, ADroppedPacketIsRecordedWithItsReason) {
  capture::Filter f;
  f.drops = true;
  start(f);
  const Bytes in = syn_to(kVip4, 8080);  // a VIP address, no service on that port
  RunOutcome out = h_->run(in);
  ASSERT_EQ(out.action, XDP_DROP);
  const auto& r = collect();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(diff_bytes(in, r[0].data), "");
  EXPECT_EQ(r[1].kind, uint32_t(XLB_CAPTURE_OUTPUT));
  EXPECT_TRUE(r[1].data.empty());
  for (const auto& rec : r) {
    EXPECT_EQ(rec.action, uint32_t(XDP_DROP));
    EXPECT_EQ(rec.drop_reason, uint32_t(XLB_DROP_NO_SERVICE));
    EXPECT_FALSE(rec.backend);
  }
}

TEST_F(Capture, OnlyWhatTheFilterNames) {
  capture::Filter dns = vip_filter();
  dns.vip_port = 53;
  dns.vip_proto = IPPROTO_UDP;
  start(dns);
  h_->run(syn_to(kVip4, 80));
  h_->run(udp_to(53, 5000));
  h_->run(syn_to("198.51.100.20", 80));
  ASSERT_EQ(collect().size(), 2u);
  EXPECT_EQ(records_[1].backend->str(), kBackendDns);
  session_.reset();
  records_.clear();

  capture::Filter by_backend;
  by_backend.backend = *IpAddr::parse(kBackendWeb);
  start(by_backend);
  h_->run(udp_to(53, 5001));
  h_->run(syn_to(kVip4, 80, 41000));
  ASSERT_EQ(collect().size(), 2u);
  EXPECT_EQ(records_[0].backend->str(), kBackendWeb);
  session_.reset();
  records_.clear();

  capture::Filter no_backend;
  no_backend.drop_reason = XLB_DROP_NO_BACKEND;
  start(no_backend);
  h_->run(syn_to(kVip4, 8080));                                       // no_service: not this reason
  h_->run(udp_to(53, 5002));                                          // forwarded
  const Bytes ack = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, "198.51.100.20")
                        .tcp(40000, 80, {.flags = kTcpAck}).build();  // a VIP without backends
  h_->run(ack);
  ASSERT_EQ(collect().size(), 2u);
  EXPECT_EQ(diff_bytes(ack, records_[0].data), "");
  EXPECT_EQ(records_[0].drop_reason, uint32_t(XLB_DROP_NO_BACKEND));
  session_.reset();
  records_.clear();

  // No filter: everything the balancer acted on, even a SYN answered with a
  // RST; never a packet it passed to the kernel untouched.
  start(capture::Filter{});
  RunOutcome rst = h_->run(syn_to("198.51.100.20", 80));
  ASSERT_EQ(rst.action, XDP_TX);
  const Bytes not_ours = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, "198.51.100.99").udp(1, 2).build();
  ASSERT_EQ(h_->run(not_ours).action, XDP_PASS);
  ASSERT_EQ(collect().size(), 2u);
  EXPECT_EQ(diff_bytes(rst.packet, records_[1].data), "") << "the RST as sent";
  EXPECT_FALSE(records_[1].backend);
}

TEST_F(Capture, OffNothingIsWritten) {
  const bpf::Map ring = h_->program().capture_ring();
  ASSERT_EQ(records_in_ring(ring), 0u);
  RunOutcome before = h_->run(syn_to(kVip4, 80));
  EXPECT_EQ(before.counter_deltas.count("capture_record"), 0u);
  EXPECT_EQ(records_in_ring(ring), 0u);

  start(vip_filter());
  ASSERT_TRUE(session_->stop().ok());
  EXPECT_EQ(cfg().deadline_ns, 0u) << "stopping turns capture off";
  RunOutcome after = h_->run(syn_to(kVip4, 80));
  EXPECT_EQ(after.counter_deltas.count("capture_record"), 0u);
  EXPECT_EQ(collect().size(), 0u);
  EXPECT_EQ(records_in_ring(ring), 0u);
}

TEST_F(Capture, TheDestructorTurnsCaptureOff) {
  start(vip_filter());
  EXPECT_NE(cfg().deadline_ns, 0u);
  session_.reset();
  EXPECT_EQ(cfg().deadline_ns, 0u);
}

TEST_F(Capture, ALeaseThatRanOutEndsTheCaptureAndIsCleared) {
  // What a capture command killed with SIGKILL leaves: a config whose lease has passed.
  auto c = capture::capture_cfg(vip_filter(), 77, l4::monotonic_now_ns() - 1);
  ASSERT_TRUE(c);
  uint32_t zero = 0;
  ASSERT_TRUE(h_->program().capture_cfg().update(&zero, &*c).ok());
  RunOutcome out = h_->run(syn_to(kVip4, 80));
  EXPECT_EQ(out.action, uint32_t(XDP_TX));
  EXPECT_EQ(out.counter_deltas.count("capture_record"), 0u);
  EXPECT_EQ(records_in_ring(h_->program().capture_ring()), 0u);
  EXPECT_EQ(cfg().deadline_ns, 0u) << "the program cleared the stale lease: back to the one-branch cost";
  EXPECT_EQ(cfg().session, 77u) << "and touched nothing else";
}

TEST_F(Capture, AnotherSessionIsRefusedWhileALeaseRuns) {
  start(vip_filter());
  auto second = capture::Session::start(h_->program().capture_cfg(), h_->program().capture_ring(), vip_filter(),
                                        [](const capture::Record&) {});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("another capture is running"), std::string::npos) << second.error().message;
}

TEST_F(Capture, SamplingBudgetAndSnapLengthBoundTheCopies) {
  PinnedToOneCpu one_cpu;  // sampling and budget are per CPU
  capture::Filter f = vip_filter();
  f.sample = 3;
  f.budget = 2;
  f.snaplen = 20;
  start(f);
  std::vector<Bytes> sent;
  for (uint16_t i = 0; i < 9; ++i) {
    sent.push_back(udp_to(53, 6000 + i));
    h_->run(sent.back());
  }
  const auto& r = collect();
  ASSERT_EQ(r.size(), 4u) << "1 in 3 of 9 is 3 packets, the budget stops at 2";
  EXPECT_EQ(r[0].data, Bytes(sent[0].begin(), sent[0].begin() + 20));
  EXPECT_EQ(r[0].pkt_len, sent[0].size());
  EXPECT_EQ(r[0].seq, 0u);
  EXPECT_EQ(r[2].data, Bytes(sent[3].begin(), sent[3].begin() + 20)) << "the 4th packet is the 2nd sampled";
  EXPECT_EQ(r[2].seq, 1u);
  EXPECT_EQ(r[3].data.size(), 20u);
  EXPECT_EQ(r[3].pkt_len, sent[3].size() + 20);
}

TEST_F(Capture, AFullRingLosesRecordsCountedNeverPackets) {
  PinnedToOneCpu one_cpu;
  capture::Filter f = vip_filter();
  f.budget = 100000;
  start(f);
  // Nobody reads: (72 + 1400) x 2 bytes per packet fill 4 MiB in about 1430 packets.
  const Bytes big = udp_to(53, 7000, 1350);
  const int kPackets = 1600;
  auto full_before = bpf::read_percpu_counter(h_->program().counters(), XLB_CNT_CAPTURE_RING_FULL);
  auto written_before = bpf::read_percpu_counter(h_->program().counters(), XLB_CNT_CAPTURE_RECORD);
  for (int i = 0; i < kPackets; ++i) {
    auto r = bpf::xdp_test_run(h_->program().prog_fd(), big);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->action, uint32_t(XDP_TX)) << "packet " << i;
  }
  auto full = bpf::read_percpu_counter(h_->program().counters(), XLB_CNT_CAPTURE_RING_FULL);
  auto written = bpf::read_percpu_counter(h_->program().counters(), XLB_CNT_CAPTURE_RECORD);
  const uint64_t lost = full->packets - full_before->packets;
  const uint64_t kept = written->packets - written_before->packets;
  EXPECT_GT(lost, 0u);
  EXPECT_EQ(lost + kept, 2u * kPackets);
  EXPECT_EQ(collect().size(), kept) << "every record counted as written is in the ring, whole";
  for (const auto& r : records_) ASSERT_EQ(r.data.size(), r.ingress() ? big.size() : big.size() + 20);
}

}  // namespace
}  // namespace xlb::testing
