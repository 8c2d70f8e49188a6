#!/usr/bin/env python3
"""API tests of the agents API of xlb-controller (/v2/xlb/agents) over real
HTTP: registration, placement by capability, long polls of a node's desired
state, reports, and the statuses that follow them.

Usage: agents_api_test.py --controller build/src/controller/xlb-controller [unittest args]
"""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import controller_api_test as base  # noqa: E402
from controller_api_test import ADMIN, ALICE, BOB, TOKENS, fault  # noqa: E402

AGENT_A = "agent-a-token-0000000005"
AGENT_B = "agent-b-token-0000000006"

AGENT_TOKENS = TOKENS + f"""
  - token: {AGENT_A}
    name: l4-a
    project_id: operators
    roles: [agent]
  - token: {AGENT_B}
    name: l4-b
    project_id: operators
    roles: [agent]
"""


class AgentsCase(base.ApiCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tmp = tempfile.TemporaryDirectory(prefix="xlb-agents-api-")
        path = os.path.join(cls.tmp.name, "tokens.yaml")
        with open(path, "w") as f:
            f.write(AGENT_TOKENS)
        os.chmod(path, 0o600)
        cls.ctl = base.Controller(cls.tmp.name)
        cls.ctl.start()

    def register(self, name, group, capabilities, token=AGENT_A, expect=200):
        body = {"agent": {"role": "l4", "group": group, "capabilities": capabilities, "version": "test 1"}}
        return self.ok("PUT", f"/v2/xlb/agents/{name}", body, token=token, expect=expect)

    def placement(self, lb_id):
        revisions = self.ok("GET", "/v2/xlb/revisions?limit=1", token=ADMIN)["revisions"]
        shown = self.ok("GET", f"/v2/xlb/revisions/{revisions[0]['revision']}", token=ADMIN)["revision"]
        return shown["state"]["loadbalancers"][lb_id].get("placement_group")

    def revision(self):
        return self.ok("GET", "/v2/xlb/revisions?limit=1", token=ADMIN)["revisions"][0]["revision"]

    def desired(self, name, token=AGENT_A, after=None, wait=0):
        query = f"?wait={wait}" + (f"&after={after}" if after is not None else "")
        status, _, body = self.req("GET", f"/v2/xlb/agents/{name}/desired{query}", token=token)
        return status, body

    def report(self, name, token=AGENT_A, **status):
        self.ok("PUT", f"/v2/xlb/agents/{name}/status", {"status": status}, token=token, expect=204)


class Agents(AgentsCase):
    """One controller for the whole sequence: placement depends on who registered."""

    def test_1_registration_and_access(self):
        self.expect_fault(404, "Agent l4-a is not registered", "GET", "/v2/xlb/agents/l4-a/desired", token=AGENT_A)
        shown = self.register("l4-a", "tcp-nodes", ["TCP"])["agent"]
        self.assertEqual({k: shown[k] for k in ("name", "role", "group", "capabilities", "version", "address",
                                                "applied_revision", "status")},
                         {"name": "l4-a", "role": "l4", "group": "tcp-nodes", "capabilities": ["TCP"],
                          "version": "test 1", "address": "127.0.0.1", "applied_revision": None,
                          "status": "ONLINE"})
        listed = self.ok("GET", "/v2/xlb/agents", token=ADMIN)["agents"]
        self.assertEqual([(a["name"], a["group"], a["status"]) for a in listed], [("l4-a", "tcp-nodes", "ONLINE")])
        self.assertTrue(listed[0]["last_seen"])
        # Tenants do not see nodes; agents do not touch load balancers.
        self.expect_fault(403, "The agents API needs an agent or an admin token", "GET", "/v2/xlb/agents")
        self.expect_fault(403, "Listing agents needs the admin role", "GET", "/v2/xlb/agents", token=AGENT_A)
        self.expect_fault(403, "An agent token may only use /v2/xlb/agents", "GET", "/v2/lbaas/loadbalancers",
                          token=AGENT_A)
        # An agent token acts only as the agent it is named after.
        for method, path, body in [("PUT", "/v2/xlb/agents/l4-b", {"agent": {"group": "g"}}),
                                   ("GET", "/v2/xlb/agents/l4-b", None),
                                   ("GET", "/v2/xlb/agents/l4-b/desired", None),
                                   ("PUT", "/v2/xlb/agents/l4-b/status", {"status": {"applied_revision": 1}})]:
            self.expect_fault(403, "This token belongs to agent l4-a; it cannot act as agent l4-b", method, path, body,
                              token=AGENT_A)
        self.expect_fault(400, "Unknown capability \"SCTP\" (known: IPv6, TCP, UDP)", "PUT", "/v2/xlb/agents/l4-a",
                          {"agent": {"group": "g", "capabilities": ["SCTP"]}}, token=AGENT_A)
        self.expect_fault(400, "Missing field: group", "PUT", "/v2/xlb/agents/l4-a", {"agent": {}}, token=AGENT_A)
        self.expect_fault(400, "Invalid agent name a%2Fb: 1 to 64 letters, digits, '.', '-', '_'", "PUT",
                          "/v2/xlb/agents/a%2Fb", {"agent": {"group": "g"}}, token=AGENT_A)
        self.expect_fault(400, "Invalid after: x (a revision number)", "GET", "/v2/xlb/agents/l4-a/desired?after=x",
                          token=AGENT_A)
        self.expect_fault(405, "Method POST is not allowed here (allowed: GET, PUT, DELETE)", "POST",
                          "/v2/xlb/agents/l4-a", {}, token=AGENT_A)

    def test_2_placement_by_capability(self):
        lb = self.make_lb()
        self.assertEqual(self.placement(lb["id"]), "tcp-nodes")
        self.make_listener(lb, "TCP", 80)
        self.expect_fault(400, f"No L4 node group can serve Load Balancer {lb['id']}: it needs TCP, UDP, and the "
                               "groups offer: tcp-nodes (TCP)", "POST", "/v2/lbaas/listeners",
                          {"listener": {"loadbalancer_id": lb["id"], "protocol": "UDP", "protocol_port": 53}})
        # A node that serves UDP too: the load balancer moves to its group.
        self.register("l4-b", "udp-nodes", ["TCP", "UDP"], token=AGENT_B)
        self.make_listener(lb, "UDP", 53)
        self.assertEqual(self.placement(lb["id"]), "udp-nodes")
        # An IPv6 VIP needs an IPv6 group; there is none.
        status, _, body = self.req("POST", "/v2/lbaas/loadbalancers",
                                   {"loadbalancer": {"vip_address": "2001:db8::77"}})
        self.assertEqual(status, 400)
        self.assertIn("it needs IPv6, and the groups offer: tcp-nodes (TCP); udp-nodes (TCP, UDP)",
                      body["faultstring"])
        # A TCP-only load balancer goes to the least loaded group that fits.
        other = self.make_lb()
        self.assertEqual(self.placement(other["id"]), "tcp-nodes")

    def test_3_poll_report_and_statuses(self):
        self.register("l4-a", "tcp-nodes", ["TCP"])
        lb = self.make_lb()
        listener = self.make_listener(lb, "TCP", 8080)
        pool = self.make_pool(listener, "SOURCE_IP")
        m1 = self.make_member(pool, "198.18.1.2", 80)
        m2 = self.make_member(pool, "198.18.1.3", 80, weight=5)
        self.ok("POST", "/v2/lbaas/healthmonitors",
                {"healthmonitor": {"pool_id": pool["id"], "type": "HTTP", "delay": 2, "timeout": 1,
                                   "max_retries": 2, "url_path": "/health", "expected_codes": "200-204"}})
        current = self.revision()
        status, body = self.desired("l4-a")
        self.assertEqual(status, 200)
        desired = body["desired"]
        self.assertEqual((desired["revision"], desired["group"]), (current, "tcp-nodes"))
        vip = [v for v in desired["vips"] if v["name"] == listener["id"]][0]
        self.assertEqual(vip, {
            "name": listener["id"], "address": lb["vip_address"], "port": 8080, "protocol": "tcp", "hash": "source",
            "health_check": {"type": "http", "interval_ms": 2000, "timeout_ms": 1000, "rise": 2, "fall": 3,
                             "path": "/health", "expect_status": "200-204"},
            "backends": [{"address": "198.18.1.2", "weight": 1, "state": "active", "monitor_port": 80},
                         {"address": "198.18.1.3", "weight": 5, "state": "active", "monitor_port": 80}]})
        # The other group's node gets none of it.
        status, body = self.desired("l4-b", token=AGENT_B)
        self.assertNotIn(listener["id"], [v["name"] for v in body["desired"]["vips"]])
        # Nothing new: 304 once the wait is over.
        self.assertEqual(self.desired("l4-a", after=current, wait=1)[0], 304)

        # Not applied yet: pending.
        shown = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")["loadbalancer"]
        self.assertEqual(shown["provisioning_status"], "PENDING_CREATE")
        self.report("l4-a", applied_revision=current, health=[
            {"listener_id": listener["id"], "address": "198.18.1.2", "status": "up"},
            {"listener_id": listener["id"], "address": "198.18.1.3", "status": "up"}])
        shown = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")["loadbalancer"]
        self.assertEqual((shown["provisioning_status"], shown["operating_status"]), ("ACTIVE", "ONLINE"))
        member = self.ok("GET", f"/v2/lbaas/pools/{pool['id']}/members/{m1['id']}")["member"]
        self.assertEqual((member["provisioning_status"], member["operating_status"]), ("ACTIVE", "ONLINE"))

        # A long poll waiting for a change answers when one is made.
        answer = {}
        poller = threading.Thread(target=lambda: answer.update(r=self.desired("l4-a", after=current, wait=60)))
        poller.start()
        self.ok("PUT", f"/v2/lbaas/pools/{pool['id']}/members/{m2['id']}", {"member": {"weight": 9}})
        poller.join(timeout=60)
        status, body = answer["r"]
        self.assertEqual((status, body["desired"]["revision"]), (200, current + 1))
        vip = [v for v in body["desired"]["vips"] if v["name"] == listener["id"]][0]
        self.assertEqual([b["weight"] for b in vip["backends"]], [1, 9])
        shown = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")["loadbalancer"]
        self.assertEqual(shown["provisioning_status"], "PENDING_UPDATE")

        # Applied, with one member down: the pool is degraded.
        self.report("l4-a", applied_revision=current + 1, health=[
            {"listener_id": listener["id"], "address": "198.18.1.2", "status": "up"},
            {"listener_id": listener["id"], "address": "198.18.1.3", "status": "down"}])
        tree = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}/status")["statuses"]["loadbalancer"]
        self.assertEqual((tree["provisioning_status"], tree["operating_status"]), ("ACTIVE", "DEGRADED"))
        pool_node = tree["listeners"][0]["pools"][0]
        self.assertEqual(pool_node["operating_status"], "DEGRADED")
        self.assertEqual(sorted((m["address"], m["operating_status"]) for m in pool_node["members"]),
                         [("198.18.1.2", "ONLINE"), ("198.18.1.3", "ERROR")])

        # A revision the node could not apply: ERROR, for the load balancer and the agent.
        self.ok("PUT", f"/v2/lbaas/pools/{pool['id']}/members/{m1['id']}", {"member": {"weight": 2}})
        self.report("l4-a", applied_revision=current + 1, error="backend table full", error_revision=current + 2)
        shown = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")["loadbalancer"]
        self.assertEqual(shown["provisioning_status"], "ERROR")
        agent = self.ok("GET", "/v2/xlb/agents/l4-a", token=ADMIN)["agent"]
        self.assertEqual((agent["status"], agent["error"], agent["applied_revision"]),
                         ("ERROR", "backend table full", current + 1))
        self.report("l4-a", applied_revision=current + 2)
        shown = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")["loadbalancer"]
        self.assertEqual(shown["provisioning_status"], "ACTIVE")
        # A backup member reaches the node as a backup backend; the node decides when it serves.
        self.make_member(pool, "198.18.1.4", 80, backup=True)
        vip = [v for v in self.desired("l4-a")[1]["desired"]["vips"] if v["name"] == listener["id"]][0]
        self.assertEqual([(b["address"], b.get("backup", False)) for b in vip["backends"]],
                         [("198.18.1.2", False), ("198.18.1.3", False), ("198.18.1.4", True)])
        self.expect_fault(400, "A health status is up, down or unknown", "PUT", "/v2/xlb/agents/l4-a/status",
                          {"status": {"health": [{"listener_id": "x", "address": "y", "status": "meh"}]}},
                          token=AGENT_A)

    def test_4_placement_and_agents_survive_a_restart(self):
        lb = self.make_lb()
        group = self.placement(lb["id"])
        self.ctl.stop()
        self.ctl.start()
        listed = self.ok("GET", "/v2/xlb/agents", token=ADMIN)["agents"]
        # Known again at once, OFFLINE until they are heard from.
        self.assertEqual([(a["name"], a["status"]) for a in listed], [("l4-a", "OFFLINE"), ("l4-b", "OFFLINE")])
        self.assertEqual(self.placement(lb["id"]), group)
        self.ok("DELETE", "/v2/xlb/agents/l4-b", token=ADMIN, expect=204)
        self.assertEqual([a["name"] for a in self.ok("GET", "/v2/xlb/agents", token=ADMIN)["agents"]], ["l4-a"])

    def test_5_stats_sum_what_the_agents_report(self):
        self.register("l4-a", "stats-nodes", ["TCP"])
        self.register("l4-b", "stats-nodes", ["TCP"], token=AGENT_B)
        lb = self.make_lb()
        web = self.make_listener(lb, "TCP", 80)
        mail = self.make_listener(lb, "TCP", 25)
        zero = {"bytes_in": 0, "bytes_out": 0, "active_connections": 0, "total_connections": 0, "request_errors": 0}
        self.assertEqual(self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}/stats"), {"stats": zero})
        self.assertEqual(self.ok("GET", f"/v2.0/lbaas/listeners/{web['id']}/stats"), {"stats": zero})

        def counted(listener, bytes_in, packets, connections, errors):
            return {"listener_id": listener["id"], "bytes_in": bytes_in, "packets_in": packets,
                    "total_connections": connections, "request_errors": errors}

        self.report("l4-a", stats=[counted(web, 1000, 10, 3, 1), counted(mail, 500, 5, 2, 0)])
        self.report("l4-b", token=AGENT_B, stats=[counted(web, 200, 2, 1, 0)])

        def stats(kind, resource, token=ALICE):
            return self.ok("GET", f"/v2/lbaas/{kind}/{resource['id']}/stats", token=token)["stats"]

        self.assertEqual(stats("listeners", web), dict(zero, bytes_in=1200, total_connections=4, request_errors=1))
        self.assertEqual(stats("listeners", mail), dict(zero, bytes_in=500, total_connections=2))
        self.assertEqual(stats("loadbalancers", lb), dict(zero, bytes_in=1700, total_connections=6, request_errors=1))
        # The same counters again add nothing; l4-a's node started over (its
        # counters went down): what it had counted before is kept.
        self.report("l4-a", stats=[counted(web, 1000, 10, 3, 1), counted(mail, 500, 5, 2, 0)])
        self.report("l4-a", stats=[counted(web, 100, 1, 1, 0), counted(mail, 500, 5, 2, 0)])
        self.assertEqual(stats("listeners", web), dict(zero, bytes_in=1300, total_connections=5, request_errors=1))
        self.report("l4-a", stats=[counted(web, 150, 2, 2, 0), counted(mail, 600, 6, 3, 0)])
        self.assertEqual(stats("loadbalancers", lb), dict(zero, bytes_in=1950, total_connections=9, request_errors=1))

        # A bad report is refused whole: nothing of it is taken.
        applied_before = self.ok("GET", "/v2/xlb/agents/l4-a", token=ADMIN)["agent"]["applied_revision"]
        for change, message in (
                ({"bytes_in": -1}, "The stats field bytes_in must be a whole number from 0 to 2^63-1"),
                ({"bytes_in": 1.5}, "The stats field bytes_in must be a whole number from 0 to 2^63-1"),
                ({"bytes_out": 1}, "Unknown stats field: bytes_out (known: listener_id, bytes_in, packets_in, "
                                   "total_connections, request_errors)"),
                ({"request_errors": None}, "The stats field request_errors must be a whole number from 0 to 2^63-1"),
                ({"listener_id": None}, "Each stats entry must be an object with a listener_id")):
            entry = dict(counted(web, 2000, 20, 20, 0), **change)
            self.expect_fault(400, message, "PUT", "/v2/xlb/agents/l4-a/status",
                              {"status": {"applied_revision": 999999, "stats": [entry]}}, token=AGENT_A)
        partial = {"listener_id": web["id"], "bytes_in": 5}
        self.expect_fault(400, "A stats entry lacks packets_in (each has listener_id, bytes_in, packets_in, "
                               "total_connections, request_errors)", "PUT", "/v2/xlb/agents/l4-a/status",
                          {"status": {"stats": [partial]}}, token=AGENT_A)
        # Counts for a listener that does not exist (any more) are not kept.
        self.report("l4-a", stats=[counted(web, 150, 2, 2, 0), counted(mail, 600, 6, 3, 0),
                                   dict(counted(web, 1, 1, 1, 1), listener_id="no-such-listener")])
        self.expect_fault(400, "stats must be a list", "PUT", "/v2/xlb/agents/l4-a/status",
                          {"status": {"stats": {"x": 1}}}, token=AGENT_A)
        self.assertEqual(self.ok("GET", "/v2/xlb/agents/l4-a", token=ADMIN)["agent"]["applied_revision"],
                         applied_before)
        self.assertEqual(stats("loadbalancers", lb), dict(zero, bytes_in=1950, total_connections=9, request_errors=1))

        # Another project learns nothing, not even that it exists; the admin sees it.
        self.expect_fault(404, f"Load Balancer {lb['id']} could not be found.", "GET",
                          f"/v2/lbaas/loadbalancers/{lb['id']}/stats", token=BOB)
        self.expect_fault(404, f"Listener {web['id']} could not be found.", "GET",
                          f"/v2/lbaas/listeners/{web['id']}/stats", token=BOB)
        self.assertEqual(stats("loadbalancers", lb, token=ADMIN)["bytes_in"], 1950)
        status, headers, _ = self.req("PUT", f"/v2/lbaas/loadbalancers/{lb['id']}/stats", {}, token=ALICE)
        self.assertEqual((status, headers.get("allow")), (405, "GET"))

        # Kept in the database: a restart loses nothing, and counting carries on.
        self.ctl.stop()
        self.ctl.start()
        self.assertEqual(stats("loadbalancers", lb), dict(zero, bytes_in=1950, total_connections=9, request_errors=1))
        self.register("l4-a", "stats-nodes", ["TCP"])
        self.report("l4-a", stats=[counted(web, 10, 1, 1, 0)])
        self.assertEqual(stats("listeners", web), dict(zero, bytes_in=1360, total_connections=7, request_errors=1))


if __name__ == "__main__":
    sys.exit(base.main())
