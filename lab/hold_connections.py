#!/usr/bin/env python3
"""Hold N TCP connections to an echo service and exchange a line on each, round after round.

usage: hold_connections.py HOST PORT N ROUNDS [PAUSE_S [STOP_FILE]]

With STOP_FILE, ROUNDS is a ceiling: the rounds go on until that file exists, then three
more are made, so a test decides when the connections have seen enough.

Prints "round R" after each round ("first I BACKEND" per connection after the first, so a
test can see where each one landed), then one "conn I BACKEND ok|broken <why>" per connection
and a last line "summary ok=X broken=Y". A connection counts as broken when a send, a reply
or the echoed text fails. Bounded: 3 s per reply, 120 s overall (XLB_HOLD_DEADLINE_S
changes that, for tests that go through several failovers).
"""
import os
import socket
import sys
import time


def main() -> int:
    host, port, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.2
    stop_file = sys.argv[6] if len(sys.argv) > 6 else None
    stop_at = None
    deadline = time.monotonic() + float(os.environ.get("XLB_HOLD_DEADLINE_S", "120"))
    conns, backend, broken = [], {}, {}
    for i in range(n):
        s = socket.create_connection((host, port), timeout=3)
        s.settimeout(3)
        conns.append((s, s.makefile("rwb")))
    for r in range(rounds):
        for i, (s, f) in enumerate(conns):
            if i in broken:
                continue
            try:
                f.write(b"c%d r%d\n" % (i, r))
                f.flush()
                reply = f.readline().decode(errors="replace").split()
                if len(reply) != 3 or reply[1:] != ["c%d" % i, "r%d" % r]:
                    raise OSError("bad reply %r" % reply)
                if backend.setdefault(i, reply[0]) != reply[0]:
                    raise OSError("answered by %s, then %s" % (backend[i], reply[0]))
            except OSError as e:
                broken[i] = str(e) or type(e).__name__
        if r == 0:
            for i in range(n):
                print("first", i, backend.get(i, "-"), flush=True)
        print("round", r, flush=True)
        if time.monotonic() > deadline:
            print("ERROR overall deadline", flush=True)
            return 1
        if stop_file and stop_at is None and os.path.exists(stop_file):
            stop_at = r + 3
        if stop_at is not None and r >= stop_at:
            break
        time.sleep(pause)
    for i, (s, _) in enumerate(conns):
        state = "broken " + broken[i].replace(" ", "_") if i in broken else "ok"
        print("conn", i, backend.get(i, "-"), state, flush=True)
        s.close()
    print("summary ok=%d broken=%d" % (n - len(broken), len(broken)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
