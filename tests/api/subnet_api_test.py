#!/usr/bin/env python3
"""API tests of the operator's subnets on xlb-controller: Neutron's
GET /v2.0/subnets look-ups, vip_subnet_id checks and VIP allocation, and
start-up errors naming file:line.

Usage: subnet_api_test.py --controller build/src/controller/xlb-controller
"""
import os
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import controller_api_test as capi  # noqa: E402
from controller_api_test import ALICE, Controller, eventually, fault  # noqa: E402

V4 = "11111111-1111-4111-8111-111111111111"
V6 = "22222222-2222-4222-8222-222222222222"
TINY = "33333333-3333-4333-8333-333333333333"
NET = "44444444-4444-4444-8444-444444444444"
UNKNOWN = "55555555-5555-4555-8555-555555555555"
SUBNETS = f"""subnets:
  - id: {V4}
    name: public-vips
    cidr: 198.51.100.0/24
    gateway_ip: 198.51.100.1
    network_id: {NET}
  - id: {V6}
    name: v6-vips
    cidr: 2001:db8:1::/64
  - id: {TINY}
    name: tiny
    cidr: 203.0.113.8/30
"""


class Subnets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="xlb-subnets-")
        path = os.path.join(cls.tmp.name, "subnets.yaml")
        with open(path, "w") as f:
            f.write(SUBNETS)
        cls.ctl = Controller(cls.tmp.name)
        cls.ctl.extra_args = ["--subnets", path]
        cls.ctl.start()

    @classmethod
    def tearDownClass(cls):
        cls.ctl.stop()
        cls.tmp.cleanup()

    def req(self, *args, **kwargs):
        return self.ctl.request(*args, **kwargs)

    def create_lb(self, **fields):
        status, _, body = self.req("POST", "/v2/lbaas/loadbalancers", {"loadbalancer": fields})
        return status, body

    def test_neutron_lookups(self):
        status, _, body = self.req("GET", f"/v2.0/subnets?id={V4}")
        self.assertEqual((status, body), (200, {"subnets": [{
            "id": V4, "name": "public-vips", "network_id": NET, "cidr": "198.51.100.0/24", "ip_version": 4,
            "gateway_ip": "198.51.100.1", "enable_dhcp": False, "project_id": "", "tenant_id": "", "shared": True}]}))
        self.assertEqual([s["id"] for s in self.req("GET", "/v2.0/subnets")[2]["subnets"]], [V4, V6, TINY])
        self.assertEqual(self.req("GET", f"/v2.0/subnets?id={UNKNOWN}")[2], {"subnets": []})
        self.assertEqual(self.req("GET", "/v2.0/subnets?name=v6-vips")[2]["subnets"][0]["ip_version"], 6)
        self.assertEqual(self.req("GET", f"/v2.0/subnets/{V6}")[2]["subnet"]["cidr"], "2001:db8:1::/64")
        self.assertEqual(self.req("GET", f"/v2.0/subnets/{UNKNOWN}")[::2],
                         (404, fault(f"Subnet {UNKNOWN} could not be found.")))
        self.assertEqual(self.req("GET", "/v2.0/subnets?color=red")[::2],
                         (400, fault("Invalid filter argument: color")))
        self.assertEqual(self.req("POST", "/v2.0/subnets", {})[0], 405)
        self.assertEqual(self.req("GET", "/v2.0/subnets", token=None)[0], 401)

    def test_vip_must_be_in_the_subnet(self):
        status, body = self.create_lb(vip_subnet_id=V4, vip_address="198.51.100.77")
        self.assertEqual((status, body["loadbalancer"]["vip_subnet_id"]), (201, V4))
        self.assertEqual(self.create_lb(vip_subnet_id=V4, vip_address="203.0.113.5"),
                         (400, fault(f"vip_address 203.0.113.5 is not in subnet {V4} (198.51.100.0/24)")))
        self.assertEqual(self.create_lb(vip_subnet_id=UNKNOWN, vip_address="198.51.100.5"),
                         (400, fault(f"Subnet {UNKNOWN} could not be found.")))

    def test_vip_allocated_when_omitted(self):
        # 198.51.100.1 is the gateway: the first allocation is .2, then .3.
        first = self.create_lb(vip_subnet_id=V4)[1]["loadbalancer"]["vip_address"]
        second = self.create_lb(vip_subnet_id=V4)[1]["loadbalancer"]["vip_address"]
        self.assertEqual((first, second), ("198.51.100.2", "198.51.100.3"))
        self.assertEqual(self.create_lb(vip_subnet_id=V6)[1]["loadbalancer"]["vip_address"], "2001:db8:1::1")
        # A /30 has two hosts (.9, .10); then it is full.
        got = [self.create_lb(vip_subnet_id=TINY)[1]["loadbalancer"]["vip_address"] for _ in range(2)]
        self.assertEqual(got, ["203.0.113.9", "203.0.113.10"])
        self.assertEqual(self.create_lb(vip_subnet_id=TINY),
                         (409, fault(f"No free address left in subnet {TINY} (203.0.113.8/30)")))

    def test_sighup_rereads_the_file_and_a_bad_one_keeps_the_subnets(self):
        extra = "55555555-5555-4555-8555-666666666666"
        path = os.path.join(self.tmp.name, "subnets.yaml")
        self.assertEqual(self.req("GET", f"/v2.0/subnets/{extra}")[0], 404)
        with open(path, "a") as f:
            f.write(f"  - id: {extra}\n    name: more-vips\n    cidr: 203.0.113.64/28\n")
        self.ctl.proc.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: self.req("GET", f"/v2.0/subnets/{extra}")[0] == 200))
        self.assertEqual(self.create_lb(vip_subnet_id=extra)[1]["loadbalancer"]["vip_address"], "203.0.113.65")
        with open(path, "w") as f:
            f.write("subnets: [oops\n")
        self.ctl.proc.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: "subnets: reload refused" in self.ctl.read_log()))
        self.assertEqual(self.req("GET", f"/v2.0/subnets/{extra}")[0], 200)
        with open(path, "w") as f:
            f.write(SUBNETS)
        self.ctl.proc.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: self.req("GET", f"/v2.0/subnets/{extra}")[0] == 404))


class SubnetFileErrors(unittest.TestCase):
    def start_with(self, text):
        with tempfile.TemporaryDirectory(prefix="xlb-subnets-") as d:
            path = os.path.join(d, "subnets.yaml")
            with open(path, "w") as f:
                f.write(text)
            tokens = os.path.join(d, "tokens.yaml")
            with open(tokens, "w") as f:
                f.write(capi.TOKENS)
            p = subprocess.run([capi.CONTROLLER, "--listen", "127.0.0.1:0", "--db", os.path.join(d, "c.db"),
                                "--tokens", tokens, "--subnets", path], capture_output=True, text=True, timeout=30)
            return p.returncode, (p.stdout + p.stderr).replace(path, "FILE")

    def test_mistakes_stop_the_start_with_file_and_line(self):
        rc, out = self.start_with(f"subnets:\n  - id: {V4}\n    cidr: 198.51.100.0/33\n")
        self.assertEqual(rc, 2)
        self.assertIn("FILE:3: cidr: ", out)
        rc, out = self.start_with(f"subnets:\n  - id: not-a-uuid\n    cidr: 198.51.100.0/24\n")
        self.assertEqual(rc, 2)
        self.assertIn("FILE:2: id must be a UUID", out)
        rc, out = self.start_with(f"subnets:\n  - id: {V4}\n    cidr: 198.51.100.0/24\n    gateway_ip: 10.0.0.1\n")
        self.assertIn("FILE:4: gateway_ip 10.0.0.1 is not in 198.51.100.0/24", out)
        rc, out = self.start_with(f"subnets:\n  - id: {V4}\n    cidr: 198.51.100.0/24\n    colour: red\n")
        self.assertIn("FILE:4: unknown key colour", out)


if __name__ == "__main__":
    sys.exit(capi.main())  # --controller PATH, run the tests of this file
