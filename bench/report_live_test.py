#!/usr/bin/env python3
"""Unit test of the live part of the report: bench/live/live.sh output turned
into scenarios (names, baselines, ratios), checked and rendered. No root."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import live_results  # noqa: E402
import report  # noqa: E402


def run(node, mode, proto, vips, frame, pps):
    return {"node": node, "mode": mode, "proto": proto, "vips": vips, "frame": frame, "pps": pps, "trials": []}


LIVE = {
    "layout": {"how": "generator on CPU 0, node on CPU 1"},
    "method": {"how": "test"},
    "runs": [
        run("floor", "max", "tcp", 1, 64, [2.0e6, 1.0e6, 2.2e6]),
        run("floor", "zero-loss", "tcp", 1, 64, [4.0e5, 5.0e5, 4.5e5]),
        run("xlb", "max", "tcp", 1, 64, [1.5e6, 1.6e6, 1.7e6]),
        run("xlb", "max", "udp", 64, 64, [1.0e6]),
        run("xlb", "zero-loss", "tcp", 1, 64, [2.25e5]),
        run("nft", "max", "tcp", 1, 64, [4.0e5, 4.0e5, 4.0e5]),
    ],
}


class LiveScenarios(unittest.TestCase):
    def setUp(self):
        self.by_name = {s["name"]: s for s in live_results.scenarios(LIVE)}

    def test_names_are_the_issues(self):
        self.assertEqual(set(self.by_name), {"live_max_tcp_single", "live_max_udp_multi",
                                             "live_zero_loss_tcp_single", "live_nft_dnat", "live_xdp_tx_floor"})

    def test_max_against_the_floor_and_nftables(self):
        s = self.by_name["live_max_tcp_single"]
        self.assertEqual((s["median"], s["min"], s["max"]), (1.6e6, 1.5e6, 1.7e6))
        self.assertEqual(s["unit"], "pps")
        self.assertEqual(s["baseline"], "live_xdp_tx_floor")
        self.assertEqual(s["baseline_median"], 2.0e6)
        self.assertAlmostEqual(s["ratio"], 0.8)
        self.assertAlmostEqual(s["over_nft"], 4.0)
        self.assertEqual(s["bps"]["median"], 1.6e6 * 64 * 8)
        self.assertNotIn("over_nft", self.by_name["live_max_udp_multi"])

    def test_zero_loss_against_the_floors_zero_loss(self):
        s = self.by_name["live_zero_loss_tcp_single"]
        self.assertEqual(s["baseline"], "live_xdp_tx_floor (zero loss)")
        self.assertEqual(s["baseline_median"], 4.5e5)
        self.assertAlmostEqual(s["ratio"], 0.5)
        self.assertEqual(self.by_name["live_xdp_tx_floor"]["zero_loss"], {"median": 4.5e5, "min": 4.0e5, "max": 5.0e5})

    def test_assembled_file_passes_the_check_and_renders(self):
        with tempfile.TemporaryDirectory() as d:
            live = os.path.join(d, "live.json")
            with open(live, "w") as f:
                json.dump(LIVE, f)
            out = os.path.join(d, "out")
            subprocess.run([sys.executable, os.path.join(HERE, "report.py"), "assemble", "--live", live,
                            "--out", out], check=True, capture_output=True)
            with open(os.path.join(out, "latest.json")) as f:
                data = json.load(f)
            self.assertEqual(report.check_data(data), 0)
            with open(os.path.join(out, "report.md")) as f:
                md = f.read()
            self.assertIn("| live_max_tcp_single | 64 | 1.600 M | 1.500 M | 1.700 M |", md)
            self.assertIn("4.0x nftables (≥ 4x: met)", md)

    def test_nothing_at_the_sink_is_a_broken_harness(self):
        data = {"machine": {}, "kernel": "", "cpu_layout": {}, "live": {},
                "scenarios": live_results.scenarios({"runs": [run("xlb", "max", "tcp", 1, 64, [0.0])]})}
        self.assertEqual(report.check_data(data), 1)

    def test_higher_throughput_is_better_in_a_comparison(self):
        now = {"scenarios": [dict(self.by_name["live_max_tcp_single"], ratio=0.5, min=1.6e6, max=1.6e6)]}
        before = {"scenarios": [dict(self.by_name["live_max_tcp_single"], ratio=0.8, min=1.6e6, max=1.6e6)]}
        (_, _, change, _, verdict), = report.compare(now, before)
        self.assertLess(change, 0)
        self.assertEqual(verdict, "**worse**")


if __name__ == "__main__":
    unittest.main()
