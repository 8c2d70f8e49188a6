#!/usr/bin/env python3
"""docs/tutorial.md works as written: its shell blocks of steps 2 to 6 and of
"Clean up" run as one script, in a fresh HOME with the built binaries on PATH,
against the controller the tutorial itself starts on 127.0.0.1:9876. Then the
outcome the tutorial promises is checked: the VIP it says is allocated, the
revision numbers it names, the weights after the rollback.

The only thing added to the text: after the line that starts the controller in
the background, the script waits until it answers (a person typing does not
race it). Step 1 (install and build) is what produced the binaries; step 7
needs an L4 node and is exercised by tests/e2e/controller_agent.sh.

Usage: tutorial_test.py --tutorial docs/tutorial.md --controller PATH --xlb PATH
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest

ARGS = None
WAIT_FOR_CONTROLLER = """
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:9876/ && break; sleep 0.1; done
"""


def shell_blocks(markdown):
    """{section heading: [shell block text, ...]} of a Markdown file."""
    sections, heading, block = {}, None, None
    for line in markdown.splitlines():
        if block is not None:
            if line.startswith("```"):
                sections.setdefault(heading, []).append("\n".join(block))
                block = None
            else:
                block.append(line)
        elif line.startswith("## "):
            heading = line[3:].strip()
        elif line.strip() == "```sh":
            block = []
    return sections


def port_in_use(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Tutorial(unittest.TestCase):
    def test_steps_2_to_6_and_clean_up_run_as_written(self):
        if port_in_use(9876):
            self.fail("127.0.0.1:9876 is in use: the tutorial's controller needs it")
        with open(ARGS.tutorial) as f:
            sections = shell_blocks(f.read())
        wanted = [h for h in sections if re.match(r"[2-6]\. ", h)] + ["Clean up"]
        self.assertEqual(len(wanted), 6, f"tutorial sections found: {list(sections)}")
        script = ["set -euo pipefail"]
        for heading in wanted:
            for block in sections[heading]:
                for line in block.splitlines():
                    script.append(line)
                    if re.match(r"\s*xlb-controller .*&\s*(#.*)?$", line):
                        script.append(WAIT_FOR_CONTROLLER)
            if heading.startswith("6."):
                # Before clean-up deletes it all: what step 6 left, as JSON.
                script.append("xlb member list --pool web-pool --json > ~/members.json")
                script.append("xlb lb show web --json > ~/lb.json")
                script.append("xlb revision show 9 $ADMIN --json > ~/revision9.json")
                script.append("xlb revision diff 8 10 $ADMIN --json > ~/diff.json")
        with tempfile.TemporaryDirectory(prefix="xlb-tutorial-") as home:
            env = dict(os.environ, HOME=home,
                       PATH=os.pathsep.join([os.path.dirname(ARGS.xlb), os.path.dirname(ARGS.controller),
                                             os.environ.get("PATH", "")]))
            env.pop("XLB_ENDPOINT", None)
            env.pop("XLB_TOKEN", None)
            run = subprocess.run(["bash", "-c", "\n".join(script)], cwd=home, env=env, capture_output=True,
                                 text=True, timeout=120)
            out = run.stdout + run.stderr
            self.assertEqual(run.returncode, 0, f"the tutorial failed:\n{out}")

            def load(name):
                with open(os.path.join(home, name)) as f:
                    return json.load(f)

            lb = load("lb.json")["loadbalancer"]
            self.assertEqual(lb["vip_address"], "198.51.100.2", "step 5: the first free address after the gateway")
            members = {m["name"]: m for m in load("members.json")["members"]}
            self.assertEqual({n: m["weight"] for n, m in members.items()}, {"b1": 5, "b2": 1, "b3": 1},
                             "step 6: b2 is back, b1 keeps weight 5")
            self.assertEqual(members["b2"]["address"], "198.18.1.12")
            revision9 = load("revision9.json")["revision"]
            self.assertEqual([(c["action"], c["kind"]) for c in revision9["diff"]], [("delete", "member")],
                             "step 6: revision 9 is the delete")
            self.assertEqual(load("diff.json")["diff"], [], "step 6: revisions 8 and 10 are equal")
            self.assertIn("created load balancer", out)
            self.assertIn("(revision 1)", out)
            self.assertFalse(port_in_use(9876), "clean-up stopped the controller")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tutorial", required=True)
    parser.add_argument("--controller", required=True)
    parser.add_argument("--xlb", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
