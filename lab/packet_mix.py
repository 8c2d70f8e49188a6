#!/usr/bin/env python3
"""Sends an exact, known mix of packets to the lab's VIPs, for counter tests.

Usage: packet_mix.py --vip4 A --vip6 B --udp-port N --closed-port N [--json]

Every packet is sent once and never resent (raw sockets, or one UDP datagram
per socket), so the L4 node must count exactly what this prints:

  udp4        datagrams to the UDP service, 20 bytes of payload, each from
              its own socket (a new flow); the answers are awaited so that no
              late answer meets a closed port (which would send ICMP back)
  syn4, syn6  TCP SYNs to a port with no service (raw: the client's kernel
              has no socket, so nothing is retransmitted)
  gre4        IP protocol 47 to the VIP (a protocol the node does not balance)
  frag4       first fragments (MF set) of UDP datagrams to the UDP service
  trunc4      IPv4 "TCP" packets with 8 bytes where the TCP header should be
  echo4, echo6 ICMP / ICMPv6 echo requests

Prints one JSON object: {kind: {"packets": n, "frame_bytes": size of one frame}}.
Frame sizes count the 14-byte Ethernet header, as XDP sees them.
Only the Python standard library is used.
"""

import argparse
import ipaddress
import json
import socket
import struct
import sys
import time

ETH = 14
COUNTS = {"udp4": 30, "syn4": 7, "syn6": 5, "gre4": 4, "frag4": 3, "trunc4": 6, "echo4": 3, "echo6": 2}
UDP_PAYLOAD = b"counted-exactly-xx20"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, flags_frag=0x4000):
    total = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0x1234, flags_frag, 64, proto, 0,
                      src.packed, dst.packed)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0x1234, flags_frag, 64, proto, checksum(hdr),
                       src.packed, dst.packed) + payload


def ipv6(src, dst, next_header, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, 64, src.packed, dst.packed) + payload


def pseudo4(src, dst, proto, length):
    return src.packed + dst.packed + struct.pack("!BBH", 0, proto, length)


def pseudo6(src, dst, proto, length):
    return src.packed + dst.packed + struct.pack("!IxxxB", length, proto)


def tcp_syn(pseudo_fn, src, dst, sport, dport):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 1000 + sport, 0, 5 << 4, 0x02, 64240, 0, 0)
    csum = checksum(pseudo_fn(src, dst, socket.IPPROTO_TCP, len(hdr)) + hdr)
    return hdr[:16] + struct.pack("!H", csum) + hdr[18:]


def local_address(family, dst):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.connect((str(dst), 9))
    addr = ipaddress.ip_address(s.getsockname()[0])
    s.close()
    return addr


def send_udp(vip4, port, n, deadline):
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((str(vip4), port))
        s.send(UDP_PAYLOAD)
        socks.append(s)
    answered = 0
    for s in socks:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            s.recv(2048)
            answered += 1
        except socket.timeout:
            pass
    for s in socks:
        s.close()
    return answered


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vip4", required=True, type=ipaddress.IPv4Address)
    ap.add_argument("--vip6", required=True, type=ipaddress.IPv6Address)
    ap.add_argument("--udp-port", required=True, type=int)
    ap.add_argument("--closed-port", required=True, type=int)
    args = ap.parse_args()
    deadline = time.monotonic() + 20

    src4 = local_address(socket.AF_INET, args.vip4)
    src6 = local_address(socket.AF_INET6, args.vip6)
    raw4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    frames = {}

    def send4(kind, packet):
        raw4.sendto(packet, (str(args.vip4), 0))
        frames[kind] = ETH + len(packet)

    def send6(kind, packet):
        raw6.sendto(packet, (str(args.vip6), 0))
        frames[kind] = ETH + len(packet)

    for i in range(COUNTS["syn4"]):
        send4("syn4", ipv4(src4, args.vip4, 6, tcp_syn(pseudo4, src4, args.vip4, 20000 + i, args.closed_port)))
    for i in range(COUNTS["syn6"]):
        send6("syn6", ipv6(src6, args.vip6, 6, tcp_syn(pseudo6, src6, args.vip6, 20000 + i, args.closed_port)))
    for _ in range(COUNTS["gre4"]):
        send4("gre4", ipv4(src4, args.vip4, 47, b"\0\0\x08\0" + b"gre!"))
    for i in range(COUNTS["frag4"]):
        udp = struct.pack("!HHHH", 21000 + i, args.udp_port, 8 + 64, 0) + b"f" * 16  # claims 64 bytes more
        send4("frag4", ipv4(src4, args.vip4, 17, udp, flags_frag=0x2000))
    for _ in range(COUNTS["trunc4"]):
        send4("trunc4", ipv4(src4, args.vip4, 6, b"\x4e\x20\x1f\x91" + b"\0" * 4))
    for i in range(COUNTS["echo4"]):
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x77, i) + b"ping4ing"
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        send4("echo4", ipv4(src4, args.vip4, 1, icmp))
    for i in range(COUNTS["echo6"]):
        icmp = struct.pack("!BBHHH", 128, 0, 0, 0x77, i) + b"ping6ing"
        csum = checksum(pseudo6(src6, args.vip6, 58, len(icmp)) + icmp)
        icmp = icmp[:2] + struct.pack("!H", csum) + icmp[4:]
        send6("echo6", ipv6(src6, args.vip6, 58, icmp))

    answered = send_udp(args.vip4, args.udp_port, COUNTS["udp4"], deadline)
    frames["udp4"] = ETH + 20 + 8 + len(UDP_PAYLOAD)
    out = {k: {"packets": n, "frame_bytes": frames[k]} for k, n in COUNTS.items()}
    out["udp4_answered"] = answered
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
