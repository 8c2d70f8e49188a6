#!/usr/bin/env python3
"""Lab backend for xlb: answers HTTP, UDP and a TCP line echo as a named backend.

Usage:
  backend_server.py --name be1 --vip 198.51.100.10 --vip 2001:db8:100::10 \
      [--http-port 80] [--udp-port 5353] [--echo-port 9000]

HTTP (TCP, dual-stack on ::):
  GET /            -> 200 "backend=<name>\n"
  GET /bytes?n=N   -> 200, exactly N bytes; starts with "backend=<name>\n" when N allows
  GET /health      -> 200 "ok\n"
  POST /upload     -> 200 "backend=<name> bytes=<n> sha256=<hex>\n" of the body received
UDP: one socket bound to each --vip (so replies leave with the VIP as source);
  every datagram is answered with "backend=<name> <data>".
Echo (TCP, dual-stack on ::): every received line is answered with "<name> <line>\n".

One log line per request goes to stdout. SIGTERM/SIGINT stop it cleanly (exit 0).
Only the Python standard library is used.
"""

import argparse
import hashlib
import http.server
import ipaddress
import selectors
import signal
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

# Not exported by every Python version's socket module; values from the Linux UAPI headers.
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)
IPV6_FREEBIND = getattr(socket, "IPV6_FREEBIND", 78)

MAX_BYTES = 64 * 1024 * 1024
CHUNK = 64 * 1024

_log_lock = threading.Lock()
NAME = "backend"


def log(msg):
    with _log_lock:
        sys.stdout.write(f"{time.strftime('%H:%M:%S')} {NAME} {msg}\n")
        sys.stdout.flush()


def fmt_addr(addr):
    """Formats a socket address, showing IPv4-mapped IPv6 addresses as plain IPv4."""
    host, port = addr[0], addr[1]
    if host.startswith("::ffff:") and "." in host:
        host = host[len("::ffff:"):]
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


class DualStackMixIn:
    """Listens on :: with IPV6_V6ONLY off, so IPv4 clients are served too."""

    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        # TCPServer.server_bind only: HTTPServer.server_bind would call getfqdn(),
        # which may wait on DNS that a lab namespace cannot reach.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = "xlb-lab-backend"
        self.server_port = port


class HTTPServer(DualStackMixIn, socketserver.ThreadingMixIn, http.server.HTTPServer):
    pass


class EchoServer(DualStackMixIn, socketserver.ThreadingMixIn, socketserver.TCPServer):
    pass


class HTTPHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "xlb-lab-backend/1"
    sys_version = ""
    timeout = 30  # seconds a connection may sit idle

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass  # we log one line per request ourselves

    def _respond(self, send_body):
        url = urllib.parse.urlsplit(self.path)
        status = 200
        length = 0
        body = b""
        if url.path == "/":
            body = f"backend={NAME}\n".encode()
        elif url.path == "/health":
            body = b"ok\n"
        elif url.path == "/bytes":
            query = urllib.parse.parse_qs(url.query)
            try:
                length = int(query.get("n", ["0"])[0])
                if length < 0 or length > MAX_BYTES:
                    raise ValueError
            except ValueError:
                status, body = 400, f"n must be an integer in 0..{MAX_BYTES}\n".encode()
                length = 0
        else:
            status, body = 404, b"not found\n"

        size = length if (url.path == "/bytes" and status == 200) else len(body)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(size))
        self.send_header("X-Backend", NAME)
        self.end_headers()
        if send_body:
            if url.path == "/bytes" and status == 200:
                self._send_bytes(length)
            else:
                self.wfile.write(body)
        local = self.connection.getsockname()
        log(f"http {fmt_addr(self.client_address)} -> {fmt_addr(local)} "
            f"\"{self.command} {self.path}\" {status} {size}")

    def _send_bytes(self, length):
        head = f"backend={NAME}\n".encode()[:length]
        self.wfile.write(head)
        left = length - len(head)
        filler = b"x" * CHUNK
        while left > 0:
            part = min(left, CHUNK)
            self.wfile.write(filler[:part])
            left -= part

    def do_GET(self):
        self._respond(send_body=True)

    def do_HEAD(self):
        self._respond(send_body=False)

    def do_POST(self):
        """Hashes the body as it arrives: what the client sent, checked end to end."""
        if urllib.parse.urlsplit(self.path).path != "/upload":
            self._reply(404, b"not found\n")
            return
        try:
            left = int(self.headers.get("Content-Length", ""))
            if left < 0 or left > MAX_BYTES:
                raise ValueError
        except ValueError:
            self._reply(400, f"Content-Length must be an integer in 0..{MAX_BYTES}\n".encode())
            return
        digest, received = hashlib.sha256(), 0
        while left > 0:
            chunk = self.rfile.read(min(left, CHUNK))
            if not chunk:
                break
            digest.update(chunk)
            received += len(chunk)
            left -= len(chunk)
        self._reply(200, f"backend={NAME} bytes={received} sha256={digest.hexdigest()}\n".encode())

    def _reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", NAME)
        self.end_headers()
        self.wfile.write(body)
        log(f"http {fmt_addr(self.client_address)} -> {fmt_addr(self.connection.getsockname())} "
            f"\"{self.command} {self.path}\" {status} {len(body)}")


class EchoHandler(socketserver.StreamRequestHandler):
    timeout = 120  # seconds a connection may sit idle

    def handle(self):
        peer = fmt_addr(self.client_address)
        local = fmt_addr(self.connection.getsockname())
        log(f"echo open {peer} -> {local}")
        lines = 0
        try:
            for raw in self.rfile:
                line = raw.rstrip(b"\r\n")
                self.wfile.write(NAME.encode() + b" " + line + b"\n")
                self.wfile.flush()
                lines += 1
                log(f"echo {peer} line {lines}: {line.decode(errors='replace')}")
        except (OSError, socket.timeout) as exc:
            log(f"echo {peer} error: {exc}")
        log(f"echo close {peer} after {lines} lines")


def udp_sockets(vips, port):
    """One UDP socket per VIP, bound to that address.

    A reply from a socket bound to the wildcard address would leave with the
    backend's own address as source, and a client talking to the VIP would drop
    it. FREEBIND lets us bind before the VIP is put on lo.
    """
    socks = []
    for vip in vips:
        if isinstance(vip, ipaddress.IPv6Address):
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((str(vip), port))
        s.setblocking(False)
        socks.append(s)
    return socks


def udp_loop(socks, stop):
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                data, peer = s.recvfrom(65535)
            except BlockingIOError:
                continue
            except OSError as exc:
                log(f"udp recv error: {exc}")
                continue
            try:
                s.sendto(f"backend={NAME} ".encode() + data, peer)
            except OSError as exc:
                log(f"udp send error to {fmt_addr(peer)}: {exc}")
                continue
            local = fmt_addr(s.getsockname())
            log(f"udp {fmt_addr(peer)} -> {local} {len(data)} bytes")
    sel.close()


def main():
    global NAME
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="backend name used in every answer")
    ap.add_argument("--vip", action="append", default=[], type=ipaddress.ip_address,
                    help="VIP to answer UDP on (repeatable)")
    ap.add_argument("--http-port", type=int, default=80)
    ap.add_argument("--udp-port", type=int, default=5353)
    ap.add_argument("--echo-port", type=int, default=9000)
    args = ap.parse_args()
    NAME = args.name

    stop = threading.Event()

    def on_signal(signum, _frame):
        log(f"got signal {signum}, stopping")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    httpd = HTTPServer(("::", args.http_port), HTTPHandler)
    echod = EchoServer(("::", args.echo_port), EchoHandler)
    socks = udp_sockets(args.vip, args.udp_port)

    threads = [
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True),
        threading.Thread(target=echod.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True),
        threading.Thread(target=udp_loop, args=(socks, stop), daemon=True),
    ]
    for t in threads:
        t.start()
    vips = " ".join(str(v) for v in args.vip) or "-"
    log(f"ready http=:{args.http_port} echo=:{args.echo_port} udp=:{args.udp_port} vips={vips}")

    while not stop.wait(0.5):
        pass

    httpd.shutdown()
    echod.shutdown()
    for t in threads:
        t.join(timeout=5)
    httpd.server_close()
    echod.server_close()
    for s in socks:
        s.close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
