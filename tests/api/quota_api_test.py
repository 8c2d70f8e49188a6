#!/usr/bin/env python3
"""API tests of Octavia's quotas on xlb-controller: the endpoints' success and
error paths with exact bodies, enforcement on create (403 and Octavia's
fault), and quotas surviving a restart.

Usage: quota_api_test.py --controller build/src/controller/xlb-controller
"""
import os
import sys
import unittest
import unittest.mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import controller_api_test as capi  # noqa: E402
from controller_api_test import ADMIN, ALICE, BOB, fault  # noqa: E402

UNLIMITED = {"loadbalancer": -1, "listener": -1, "pool": -1, "member": -1, "healthmonitor": -1, "l7policy": -1,
             "l7rule": -1}
FORBIDDEN = "Policy does not allow this request to be performed."


class Quotas(capi.ApiCase):
    def test_defaults_and_an_unset_project(self):
        for prefix in ("/v2/lbaas", "/v2.0/lbaas"):
            self.assertEqual(self.req("GET", prefix + "/quotas/defaults"), (200, unittest.mock.ANY, {"quota": UNLIMITED}))
        status, _, body = self.req("GET", "/v2/lbaas/quotas/project-a")
        self.assertEqual((status, body), (200, {"quota": dict(UNLIMITED, project_id="project-a")}))
        self.assertEqual(self.req("PUT", "/v2/lbaas/quotas/defaults", {"quota": {}}, token=ADMIN)[0], 405)

    def test_admin_sets_and_resets_others_may_only_read_their_own(self):
        status, _, body = self.req("PUT", "/v2/lbaas/quotas/project-q", {"quota": {"member": 5, "load_balancer": 2}},
                                   token=ADMIN)
        self.assertEqual((status, body["quota"]["member"], body["quota"]["loadbalancer"], body["quota"]["pool"]),
                         (202, 5, 2, -1))
        self.assertEqual(self.req("GET", "/v2/lbaas/quotas?project_id=project-q", token=ADMIN)[2]["quotas"],
                         [dict(UNLIMITED, member=5, loadbalancer=2, project_id="project-q")])
        # Alice: only her own project, and no changes.
        self.assertEqual(self.req("GET", "/v2/lbaas/quotas/project-q")[1:], (unittest.mock.ANY, fault(FORBIDDEN)))
        self.assertEqual(self.req("GET", "/v2/lbaas/quotas/project-q")[0], 403)
        self.assertEqual(self.req("PUT", "/v2/lbaas/quotas/project-a", {"quota": {"member": 1}})[0], 403)
        self.assertEqual(self.req("GET", "/v2/lbaas/quotas")[2]["quotas"], [])
        # null puts one value back to the default; DELETE all of them.
        self.assertEqual(self.req("PUT", "/v2/lbaas/quotas/project-q", {"quota": {"member": None}},
                                  token=ADMIN)[2]["quota"]["member"], -1)
        self.assertEqual(self.req("DELETE", "/v2/lbaas/quotas/project-q", token=ADMIN)[0], 204)
        self.assertEqual(self.req("GET", "/v2/lbaas/quotas/project-q", token=ADMIN)[2]["quota"]["loadbalancer"], -1)

    def test_bad_bodies(self):
        for body, message in [
            ({"quota": {"members": 1}}, "Invalid input for field/attribute members: unknown quota"),
            ({"quota": {"member": -2}}, "Invalid input for field/attribute member. Value: -2. Must be an integer "
                                        "from -1 (no limit) to 2147483647, or null"),
            ({"quota": {"member": "5"}}, "Invalid input for field/attribute member. Value: \"5\". Must be an integer "
                                         "from -1 (no limit) to 2147483647, or null"),
            ({"member": 5}, "The request body must be a JSON object {\"quota\": {...}}"),
        ]:
            self.assertEqual(self.req("PUT", "/v2/lbaas/quotas/project-a", body, token=ADMIN)[1:],
                             (unittest.mock.ANY, fault(message)), body)
            self.assertEqual(self.req("PUT", "/v2/lbaas/quotas/project-a", body, token=ADMIN)[0], 400)

    def test_enforced_on_create_per_project_and_kept_across_restarts(self):
        self.req("PUT", "/v2/lbaas/quotas/project-b", {"quota": {"loadbalancer": 1, "member": 2}}, token=ADMIN)
        status, _, lb = self.req("POST", "/v2/lbaas/loadbalancers",
                                 {"loadbalancer": {"vip_address": "198.51.100.200"}}, token=BOB)
        self.assertEqual(status, 201)
        status, _, body = self.req("POST", "/v2/lbaas/loadbalancers",
                                   {"loadbalancer": {"vip_address": "198.51.100.201"}}, token=BOB)
        self.assertEqual((status, body), (403, fault("Quota has been met for resources: Load Balancer")))
        # Alice's project has no quota of its own.
        self.assertEqual(self.req("POST", "/v2/lbaas/loadbalancers",
                                  {"loadbalancer": {"vip_address": "198.51.100.202"}})[0], 201)
        # Children count for their load balancer's project, also when the admin creates them.
        lb_id = lb["loadbalancer"]["id"]
        pool = self.req("POST", "/v2/lbaas/pools", {"pool": {"loadbalancer_id": lb_id, "protocol": "TCP",
                        "lb_algorithm": "SOURCE_IP"}}, token=BOB)[2]["pool"]["id"]
        for i in (1, 2):
            self.assertEqual(self.req("POST", f"/v2/lbaas/pools/{pool}/members",
                                      {"member": {"address": f"10.0.0.{i}", "protocol_port": 80}}, token=BOB)[0], 201)
        status, _, body = self.req("POST", f"/v2/lbaas/pools/{pool}/members",
                                   {"member": {"address": "10.0.0.3", "protocol_port": 80}}, token=ADMIN)
        self.assertEqual((status, body), (403, fault("Quota has been met for resources: Member")))

        self.ctl.stop()
        self.ctl.start()
        self.assertEqual(self.req("GET", "/v2/lbaas/quotas/project-b", token=BOB)[2]["quota"]["member"], 2)
        self.assertEqual(self.req("POST", "/v2/lbaas/loadbalancers",
                                  {"loadbalancer": {"vip_address": "198.51.100.203"}}, token=BOB)[0], 403)


if __name__ == "__main__":
    sys.exit(capi.main())  # --controller PATH, run the tests of this file
