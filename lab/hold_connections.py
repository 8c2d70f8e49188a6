#!/usr/bin/env python3
"""Hold N TCP connections to an echo service and exchange a line on each, round after round.

usage: hold_connections.py HOST PORT N ROUNDS [PAUSE_S]

Prints "round R" after each round, then one "conn I BACKEND ok|broken <why>" per connection
and a last line "summary ok=X broken=Y". A connection counts as broken when a send, a reply
or the echoed text fails. Bounded: 3 s per reply, 120 s overall.
"""
import socket
import sys
import time


def main() -> int:
    host, port, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.2
    deadline = time.monotonic() + 120
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
        print("round", r, flush=True)
        if time.monotonic() > deadline:
            print("ERROR overall deadline", flush=True)
            return 1
        time.sleep(pause)
    for i, (s, _) in enumerate(conns):
        state = "broken " + broken[i].replace(" ", "_") if i in broken else "ok"
        print("conn", i, backend.get(i, "-"), state, flush=True)
        s.close()
    print("summary ok=%d broken=%d" % (n - len(broken), len(broken)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
