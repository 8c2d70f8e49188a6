#!/usr/bin/env python3
"""Hold one TCP connection to the lab's echo service and send LINES lines, 0.1 s apart.

Prints "local_port P" first, then "reply I <backend> line I" per answer, "done" at the
end, or "ERROR ..." and exit 1. Bounded: 5 s per reply, 90 s overall.
"""
import socket
import sys
import time


def main() -> int:
    host, port, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    deadline = time.monotonic() + 90
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(5)
    print("local_port", s.getsockname()[1], flush=True)
    f = s.makefile("rwb")
    for i in range(lines):
        if time.monotonic() > deadline:
            print("ERROR overall deadline", flush=True)
            return 1
        f.write(b"line %d\n" % i)
        f.flush()
        reply = f.readline().decode(errors="replace").rstrip("\n")
        if not reply:
            print("ERROR connection closed at line %d" % i, flush=True)
            return 1
        print("reply", i, reply, flush=True)
        time.sleep(0.1)
    s.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
