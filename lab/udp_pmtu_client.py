#!/usr/bin/env python3
"""Path MTU discovery over UDP, as an application with the DF bit set sees it.

Usage: udp_pmtu_client.py --vip ADDR --port N [--count 5] [--timeout 2]

Sends one datagram as large as the client's link allows (1472 bytes of payload
on a 1500-byte IPv4 link, 1452 on IPv6) with "don't fragment", then waits: a
balancer that cannot carry it answers with ICMP Fragmentation Needed / Packet
Too Big, the kernel lowers its path MTU for the VIP, and the socket reports
EMSGSIZE. It then sends --count datagrams of the new largest size and counts
the answers. Prints one line:

  first_size=1472 first_answered=0 path_mtu=1480 size=1452 sent=5 answered=5 backends=be1

Exit 0 when it ran (the test judges the figures), 2 on bad usage.
Only the Python standard library is used.
"""

import argparse
import errno
import ipaddress
import socket
import sys
import time

# From the Linux UAPI headers; not every Python exports them.
IP_MTU_DISCOVER, IP_MTU, IP_PMTUDISC_DO = 10, 14, 2
IPV6_MTU_DISCOVER, IPV6_MTU, IPV6_PMTUDISC_DO = 23, 24, 2
LINK_MTU = 1500
UDP_HEADER = 8


def open_socket(vip, port):
    v6 = isinstance(vip, ipaddress.IPv6Address)
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    s.connect((str(vip), port))
    return s, (40 if v6 else 20) + UDP_HEADER, v6


def path_mtu(s, v6):
    if v6:
        return s.getsockopt(socket.IPPROTO_IPV6, IPV6_MTU)
    return s.getsockopt(socket.IPPROTO_IP, IP_MTU)


def exchange(s, size, timeout):
    """Sends one datagram of `size` bytes; returns the answer, None on silence,
    or 'EMSGSIZE' when the kernel reports the path too small."""
    payload = b"p" * size
    try:
        s.send(payload)
    except OSError as exc:
        if exc.errno == errno.EMSGSIZE:
            return "EMSGSIZE"
        raise
    s.settimeout(timeout)
    try:
        return s.recv(65535)
    except socket.timeout:
        return None
    except OSError as exc:
        # The ICMP error surfaces on the connected socket as EMSGSIZE.
        if exc.errno == errno.EMSGSIZE:
            return "EMSGSIZE"
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vip", required=True, type=ipaddress.ip_address)
    ap.add_argument("--port", required=True, type=int)
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args()

    s, overhead, v6 = open_socket(args.vip, args.port)
    first_size = LINK_MTU - overhead
    first = exchange(s, first_size, args.timeout)
    first_answered = int(isinstance(first, bytes))

    # Wait (bounded) for the kernel to take the lower MTU in.
    deadline = time.monotonic() + 5
    mtu = path_mtu(s, v6)
    while mtu >= LINK_MTU and time.monotonic() < deadline:
        time.sleep(0.1)
        mtu = path_mtu(s, v6)

    size = mtu - overhead
    answered, backends = 0, set()
    for _ in range(args.count):
        reply = exchange(s, size, args.timeout)
        if isinstance(reply, bytes) and reply.startswith(b"backend="):
            answered += 1
            backends.add(reply.split(b" ", 1)[0].decode().split("=", 1)[1])
    print(f"first_size={first_size} first_answered={first_answered} path_mtu={mtu} size={size} "
          f"sent={args.count} answered={answered} backends={','.join(sorted(backends)) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
