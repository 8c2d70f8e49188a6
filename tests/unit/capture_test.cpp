// `xlb l4 capture` without a kernel: the pcapng blocks byte for byte, the
// ring records parsed (and refused when cut short), the packet comments, and
// the filter resolved against the node's services.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "capture/pcapng.h"
#include "capture/record.h"
#include "cli/capture.h"

namespace xlb::capture {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(Pcapng, SectionAndInterfaceHeaderBytes) {
  const Bytes expected = {
      // Section Header Block, 40 bytes
      0x0a, 0x0d, 0x0d, 0x0a, 40, 0, 0, 0,     // type, length
      0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,      // byte-order magic, version 1.0
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // section length unknown
      4, 0, 3, 0, 'x', 'l', 'b', 0,            // shb_userappl "xlb", padded
      0, 0, 0, 0,                              // opt_endofopt
      40, 0, 0, 0,                             // length again
      // Interface Description Block, 40 bytes
      1, 0, 0, 0, 40, 0, 0, 0,                 // type, length
      1, 0, 0, 0, 0, 1, 0, 0,                  // LINKTYPE_ETHERNET, reserved, snaplen 256
      2, 0, 2, 0, 'l', '4', 0, 0,              // if_name "l4", padded
      9, 0, 1, 0, 9, 0, 0, 0,                  // if_tsresol: 10^-9 s
      0, 0, 0, 0,                              // opt_endofopt
      40, 0, 0, 0,
  };
  EXPECT_EQ(pcapng_header(256, "l4", "xlb"), expected);
}

TEST(Pcapng, EnhancedPacketBlockBytes) {
  PcapngPacket p;
  p.ts_ns = 0x0000000112345678ull;
  p.orig_len = 60;
  p.data = {0xde, 0xad, 0xbe, 0xef, 0x01};
  p.direction = Direction::Outbound;
  p.comment = "hi";
  const Bytes expected = {
      6, 0, 0, 0, 60, 0, 0, 0,          // type, length
      0, 0, 0, 0,                       // interface 0
      1, 0, 0, 0, 0x78, 0x56, 0x34, 0x12,  // timestamp high, low
      5, 0, 0, 0, 60, 0, 0, 0,          // captured 5 of 60 bytes
      0xde, 0xad, 0xbe, 0xef, 0x01, 0, 0, 0,  // data, padded
      1, 0, 2, 0, 'h', 'i', 0, 0,       // opt_comment "hi"
      2, 0, 4, 0, 2, 0, 0, 0,           // epb_flags: outbound
      0, 0, 0, 0,                       // opt_endofopt
      60, 0, 0, 0,
  };
  EXPECT_EQ(pcapng_packet(p), expected);

  PcapngPacket bare;
  bare.orig_len = 4;
  bare.data = {1, 2, 3, 4};
  const Bytes no_options = {6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 36, 0, 0, 0};
  EXPECT_EQ(pcapng_packet(bare), no_options);
}

TEST(Pcapng, FileHoldsTheHeaderThenThePackets) {
  char path[] = "/tmp/xlb_capture_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  PcapngPacket p;
  p.orig_len = 2;
  p.data = {7, 8};
  {
    auto f = PcapngFile::create(path, 128, "l4", "xlb");
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_TRUE(f->write(p));
    ASSERT_TRUE(f->close());
  }
  std::ifstream in(path, std::ios::binary);
  Bytes got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes expected = pcapng_header(128, "l4", "xlb");
  Bytes packet = pcapng_packet(p);
  expected.insert(expected.end(), packet.begin(), packet.end());
  EXPECT_EQ(got, expected);
  std::remove(path);
}

TEST(Pcapng, AFileThatCannotBeCreatedIsAnError) {
  auto f = PcapngFile::create("/nonexistent-dir/x.pcapng", 128, "l4", "xlb");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "create /nonexistent-dir/x.pcapng: No such file or directory");
}

Bytes record_bytes(uint32_t kind, uint32_t action, uint32_t reason, const char* backend, Bytes data) {
  xlb_capture_record r{};
  r.ts_ns = 5000;
  r.seq = 12;
  r.session = 0xabc;
  r.cpu = 1;
  r.kind = kind;
  r.action = action;
  r.drop_reason = reason;
  if (backend) {
    auto b = *IpAddr::parse(backend);
    r.backend = b.to_abi();
    r.backend_family = b.family;
    r.backend_id = 3;
  }
  r.pkt_len = static_cast<uint32_t>(data.size()) + 100;
  r.cap_len = static_cast<uint32_t>(data.size());
  Bytes out(XLB_CAPTURE_HEADER_BYTES);
  std::memcpy(out.data(), &r, out.size());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

TEST(CaptureRecord, ParsedFromTheRingAndTurnedIntoACommentedPacket) {
  Bytes raw = record_bytes(XLB_CAPTURE_OUTPUT, XDP_TX, 0, "198.18.11.2", {1, 2, 3});
  auto r = parse_record(raw.data(), raw.size());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->seq, 12u);
  EXPECT_EQ(r->cpu, 1u);
  EXPECT_EQ(r->session, 0xabcu);
  EXPECT_EQ(r->backend->str(), "198.18.11.2");
  EXPECT_EQ(r->data, (Bytes{1, 2, 3}));
  PcapngPacket p = to_pcapng(*r, 1000);
  EXPECT_EQ(p.ts_ns, 6000u);
  EXPECT_EQ(p.orig_len, 103u);
  EXPECT_EQ(p.direction, Direction::Outbound);
  EXPECT_EQ(p.comment, "xlb out 1:12 tx to backend 198.18.11.2");

  Bytes dropped = record_bytes(XLB_CAPTURE_INGRESS, XDP_DROP, XLB_DROP_NO_SERVICE, nullptr, {9});
  auto d = parse_record(dropped.data(), dropped.size());
  ASSERT_TRUE(d);
  EXPECT_EQ(to_pcapng(*d, 0).comment, "xlb in 1:12 drop no_service");
  EXPECT_EQ(to_pcapng(*d, 0).direction, Direction::Inbound);

  Bytes answered = record_bytes(XLB_CAPTURE_OUTPUT, XDP_TX, 0, nullptr, {9});
  EXPECT_EQ(describe_verdict(*parse_record(answered.data(), answered.size())), "tx (answered by the node)");
}

TEST(CaptureRecord, ARecordCutShortIsRefused) {
  Bytes raw = record_bytes(XLB_CAPTURE_INGRESS, XDP_TX, 0, nullptr, {1, 2, 3, 4});
  EXPECT_FALSE(parse_record(raw.data(), XLB_CAPTURE_HEADER_BYTES - 1));
  EXPECT_FALSE(parse_record(raw.data(), raw.size() - 1));  // says 4 bytes follow, 3 do
  Bytes odd = record_bytes(7, XDP_TX, 0, nullptr, {});
  EXPECT_FALSE(parse_record(odd.data(), odd.size()));
}

std::vector<l4::ServiceSnapshot> lab_services() {
  l4::ServiceSnapshot udp;
  udp.key = l4::ServiceKey{*IpAddr::parse("198.51.100.10"), 5353, IPPROTO_UDP};
  l4::BackendSnapshot be;
  be.address = *IpAddr::parse("198.18.11.2");
  udp.backends.push_back(be);
  l4::ServiceSnapshot web6;
  web6.key = l4::ServiceKey{*IpAddr::parse("2001:db8:100::10"), 80, IPPROTO_TCP};
  return {udp, web6};
}

TEST(CaptureFilter, ResolvedAgainstTheNodesServices) {
  cli::CaptureRequest req;
  req.vip = "198.51.100.10:5353";
  req.proto = "udp";
  req.backend = "198.18.11.2";
  req.count = 7;
  auto f = cli::resolve_capture_filter(req, lab_services());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->vip->str(), "198.51.100.10");
  EXPECT_EQ(f->vip_port, 5353);
  EXPECT_EQ(f->vip_proto, IPPROTO_UDP);
  EXPECT_EQ(f->backend->str(), "198.18.11.2");
  EXPECT_EQ(f->budget, 7u);
  auto cfg = capture_cfg(*f, 9, 1234);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->match, uint32_t(XLB_CAPTURE_MATCH_VIP | XLB_CAPTURE_MATCH_BACKEND));
  EXPECT_EQ(cfg->vip_port, htons(5353));
  EXPECT_EQ(cfg->deadline_ns, 1234u);

  cli::CaptureRequest v6;
  v6.vip = "[2001:db8:100::10]:80";
  v6.drop = "no_backend";
  auto g = cli::resolve_capture_filter(v6, lab_services());
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->vip_port, 80);
  EXPECT_EQ(*g->drop_reason, uint32_t(XLB_DROP_NO_BACKEND));
  EXPECT_EQ(capture_cfg(*g, 9, 1)->match, uint32_t(XLB_CAPTURE_MATCH_VIP | XLB_CAPTURE_MATCH_REASON));
}

TEST(CaptureFilter, WhatIsNotConfiguredIsRefusedByName) {
  auto error_of = [](cli::CaptureRequest req) {
    auto f = cli::resolve_capture_filter(req, lab_services());
    return f ? std::string("accepted") : f.error().message;
  };
  cli::CaptureRequest req;
  req.vip = "198.51.100.99";
  EXPECT_EQ(error_of(req),
            "--vip 198.51.100.99 is not a VIP of this node (services: 198.51.100.10:5353/udp, [2001:db8:100::10]:80/tcp)");
  req.vip = "198.51.100.10:80";
  EXPECT_NE(error_of(req).find("is not a service of this node"), std::string::npos) << error_of(req);
  req.vip = "198.51.100.10";
  req.proto = "tcp";
  EXPECT_NE(error_of(req).find("is not a service"), std::string::npos) << error_of(req);
  req = {};
  req.backend = "198.18.99.2";
  EXPECT_EQ(error_of(req), "--backend 198.18.99.2 is not a backend of any service of this node");
  req = {};
  req.drop = "bogus";
  EXPECT_NE(error_of(req).find("no drop reason \"bogus\" (reasons: truncated_l2,"), std::string::npos);
  req = {};
  req.count = 0;
  EXPECT_EQ(error_of(req), "--count must be at least 1");
  req = {};
  req.snaplen = XLB_CAPTURE_SNAP_MAX + 1;
  EXPECT_EQ(error_of(req), "--snaplen must be 1..2048");
  req = {};
  req.vip = "not-an-address";
  EXPECT_EQ(error_of(req).rfind("--vip: ", 0), 0u) << error_of(req);
}

}  // namespace
}  // namespace xlb::capture
