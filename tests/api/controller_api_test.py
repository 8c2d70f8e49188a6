#!/usr/bin/env python3
"""API tests of xlb-controller over real HTTP.

Each test class starts the real binary on a free loopback port (port 0, read
back from --ready-file) with a fresh database in a temporary directory and a
token file with an admin, two projects' users; the tests send requests with
http.client and check exact status codes, fault bodies and the state that
follows.

Usage: controller_api_test.py --controller build/src/controller/xlb-controller [unittest args]
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

CONTROLLER = None

ADMIN = "admin-token-000000000001"
ALICE = "alice-token-000000000002"  # project-a
BOB = "bob-token-00000000000003"  # project-b
ALICE2 = "alice2-token-0000000004"  # project-a too

TOKENS = f"""
tokens:
  - token: {ADMIN}
    name: ops
    project_id: operators
    roles: [admin]
  - token: {ALICE}
    name: alice
    project_id: project-a
  - token: {BOB}
    name: bob
    project_id: project-b
  - token: {ALICE2}
    name: alice2
    project_id: project-a
"""


class Controller:
    """One xlb-controller process on a database file."""

    def __init__(self, workdir, max_body=None):
        self.workdir = workdir
        self.db = os.path.join(workdir, "controller.db")
        self.tokens = os.path.join(workdir, "tokens.yaml")
        if not os.path.exists(self.tokens):
            with open(self.tokens, "w") as f:
                f.write(TOKENS)
            os.chmod(self.tokens, 0o600)
        self.max_body = max_body
        self.extra_args = []  # more controller flags, e.g. --subnets
        self.proc = None
        self.address = None

    def start(self):
        ready = os.path.join(self.workdir, "ready")
        if os.path.exists(ready):
            os.unlink(ready)
        args = [CONTROLLER, "--listen", "127.0.0.1:0", "--db", self.db, "--tokens", self.tokens,
                "--ready-file", ready, "--log-level", "warn"]
        if self.max_body:
            args += ["--max-body", str(self.max_body)]
        args += self.extra_args
        self.log = open(os.path.join(self.workdir, "controller.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                raise RuntimeError(f"xlb-controller exited with {self.proc.returncode}: {self.read_log()}")
            if time.time() > deadline:
                raise RuntimeError("xlb-controller did not become ready in 10 s")
            time.sleep(0.02)
        with open(ready) as f:
            host, port = f.read().strip().rsplit(":", 1)
        self.address = (host, int(port))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.proc:
            self.log.close()
        self.proc = None

    def read_log(self):
        with open(os.path.join(self.workdir, "controller.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def request(self, method, path, body=None, token=ALICE, raw=None, headers=None):
        """Returns (status, headers dict with lower-case names, parsed JSON body or None)."""
        conn = http.client.HTTPConnection(*self.address, timeout=30)
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["X-Auth-Token"] = token
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            text = resp.read()
            out_headers = {k.lower(): v for k, v in resp.getheaders()}
            parsed = json.loads(text) if text else None
            return resp.status, out_headers, parsed
        finally:
            conn.close()


def fault(message):
    return {"faultcode": "Client", "faultstring": message, "debuginfo": None}


class ApiCase(unittest.TestCase):
    """A controller per test class, on its own database."""

    max_body = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="xlb-api-")
        cls.ctl = Controller(cls.tmp.name, cls.max_body)
        cls.ctl.start()

    @classmethod
    def tearDownClass(cls):
        cls.ctl.stop()
        cls.tmp.cleanup()

    vip_counter = [0]

    def req(self, *args, **kwargs):
        return self.ctl.request(*args, **kwargs)

    def ok(self, method, path, body=None, token=ALICE, expect=None):
        status, headers, data = self.req(method, path, body, token=token)
        want = expect or {"POST": 201, "GET": 200, "PUT": 200, "DELETE": 204}[method]
        self.assertEqual(status, want, f"{method} {path}: {data}")
        return data

    def expect_fault(self, status, message, method, path, body=None, token=ALICE, raw=None):
        got_status, headers, data = self.req(method, path, body, token=token, raw=raw)
        self.assertEqual((got_status, data), (status, fault(message) if status < 500 else data),
                         f"{method} {path}")
        self.assertEqual(headers.get("content-type"), "application/json")
        return data

    def new_vip(self):
        ApiCase.vip_counter[0] += 1
        n = ApiCase.vip_counter[0]
        return f"198.51.{100 + n // 250}.{n % 250 + 1}"

    def make_lb(self, token=ALICE, **fields):
        body = {"vip_address": self.new_vip()}
        body.update(fields)
        return self.ok("POST", "/v2/lbaas/loadbalancers", {"loadbalancer": body}, token=token)["loadbalancer"]

    def make_listener(self, lb, protocol="TCP", port=80, token=ALICE):
        body = {"listener": {"loadbalancer_id": lb["id"], "protocol": protocol, "protocol_port": port}}
        return self.ok("POST", "/v2/lbaas/listeners", body, token=token)["listener"]

    def make_pool(self, listener, algorithm="SOURCE_IP_PORT", token=ALICE):
        body = {"pool": {"listener_id": listener["id"], "protocol": listener["protocol"], "lb_algorithm": algorithm}}
        return self.ok("POST", "/v2/lbaas/pools", body, token=token)["pool"]

    def make_member(self, pool, address="10.0.0.1", port=8080, token=ALICE, **fields):
        body = {"address": address, "protocol_port": port}
        body.update(fields)
        return self.ok("POST", f"/v2/lbaas/pools/{pool['id']}/members", {"member": body}, token=token)["member"]

    def tree(self):
        """lb -> listener -> pool -> member, all of alice's."""
        lb = self.make_lb()
        listener = self.make_listener(lb)
        pool = self.make_pool(listener)
        member = self.make_member(pool)
        return lb, listener, pool, member


class AuthAndRouting(ApiCase):
    def test_root_lists_versions_without_a_token(self):
        status, _, data = self.req("GET", "/", token=None)
        self.assertEqual(status, 200)
        self.assertEqual(data["versions"][0]["id"], "v2.0")
        self.assertEqual(data["versions"][0]["status"], "CURRENT")

    def test_missing_and_unknown_tokens_are_401(self):
        for path in ("/v2/lbaas/loadbalancers", "/v2.0/lbaas/pools", "/v2/xlb/revisions", "/nowhere"):
            self.expect_fault(401, "Authentication required: send an X-Auth-Token header", "GET", path, token=None)
            self.expect_fault(401, "The X-Auth-Token is not valid", "GET", path, token="not-a-known-token-at-all")
        self.expect_fault(401, "The X-Auth-Token is not valid", "POST", "/v2/lbaas/loadbalancers",
                          {"loadbalancer": {"vip_address": "198.51.100.9"}}, token="x")

    def test_unknown_paths_and_methods(self):
        self.expect_fault(404, "No such resource: /v2/lbaas/widgets", "GET", "/v2/lbaas/widgets")
        self.expect_fault(404, "No such resource: /v3/lbaas/loadbalancers", "GET", "/v3/lbaas/loadbalancers")
        # Bytes that are not UTF-8 come back replaced, not as a server error.
        status, _, data = self.req("GET", "/v2/lbaas/loadbalancers?name%ff=1")
        self.assertEqual((status, data["faultstring"]), (400, "Invalid filter argument: name\ufffd"))
        status, _, data = self.req("GET", "/v2/lbaas/%ff")
        self.assertEqual((status, data["faultstring"]), (404, "No such resource: /v2/lbaas/%ff"))
        status, headers, data = self.req("PATCH", "/v2/lbaas/loadbalancers")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, POST")
        self.assertEqual(data, fault("Method PATCH is not allowed here (allowed: GET, POST)"))
        status, headers, _ = self.req("POST", "/v2/lbaas/loadbalancers/" + "0" * 32, {})
        self.assertEqual((status, headers["allow"]), (405, "GET, PUT, DELETE"))

    def test_both_prefixes_serve_the_same_resources(self):
        lb = self.make_lb(name="prefixes")
        a = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")
        b = self.ok("GET", f"/v2.0/lbaas/loadbalancers/{lb['id']}")
        self.assertEqual(a, b)
        self.assertEqual(a["loadbalancer"]["name"], "prefixes")


class LoadBalancers(ApiCase):
    def test_create_show_list_update_delete(self):
        status, headers, data = self.req("POST", "/v2/lbaas/loadbalancers", {"loadbalancer": {
            "vip_address": "2001:DB8::10", "name": "web", "description": "front", "tags": ["prod"]}})
        self.assertEqual(status, 201, data)
        lb = data["loadbalancer"]
        self.assertTrue(int(headers["x-xlb-revision"]) >= 1)
        for key, value in {"vip_address": "2001:db8::10", "name": "web", "description": "front",
                           "tags": ["prod"], "admin_state_up": True, "project_id": "project-a",
                           "tenant_id": "project-a", "provisioning_status": "ACTIVE",
                           "operating_status": "ONLINE", "provider": "xlb", "listeners": [], "pools": [],
                           "updated_at": None, "flavor_id": None, "vip_subnet_id": None}.items():
            self.assertEqual(lb[key], value, key)
        self.assertEqual(len(lb["id"]), 36)
        self.assertEqual(self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}"), {"loadbalancer": lb})
        listed = self.ok("GET", "/v2/lbaas/loadbalancers")
        self.assertIn(lb, listed["loadbalancers"])
        self.assertEqual(listed["loadbalancers_links"], [])

        updated = self.ok("PUT", f"/v2/lbaas/loadbalancers/{lb['id']}",
                          {"loadbalancer": {"name": "web2", "admin_state_up": False}})["loadbalancer"]
        self.assertEqual((updated["name"], updated["admin_state_up"], updated["operating_status"]),
                         ("web2", False, "OFFLINE"))
        self.assertIsNotNone(updated["updated_at"])
        self.assertEqual(updated["vip_address"], "2001:db8::10")

        status, headers, body = self.req("DELETE", f"/v2/lbaas/loadbalancers/{lb['id']}")
        self.assertEqual((status, body), (204, None))
        self.assertIn("x-xlb-revision", headers)
        self.expect_fault(404, f"Load Balancer {lb['id']} could not be found.", "GET",
                          f"/v2/lbaas/loadbalancers/{lb['id']}")
        self.expect_fault(404, f"Load Balancer {lb['id']} could not be found.", "DELETE",
                          f"/v2/lbaas/loadbalancers/{lb['id']}")
        self.expect_fault(404, f"Load Balancer {lb['id']} could not be found.", "PUT",
                          f"/v2/lbaas/loadbalancers/{lb['id']}", {"loadbalancer": {"name": "x"}})

    def test_bad_bodies(self):
        path = "/v2/lbaas/loadbalancers"
        self.expect_fault(400, "Mandatory field missing: vip_address (loadbalancer)", "POST", path,
                          {"loadbalancer": {"name": "x"}})
        self.expect_fault(400, "Malformed JSON in the request body", "POST", path, raw=b'{"loadbalancer": {')
        self.expect_fault(400, "Malformed JSON in the request body", "POST", path, raw=b"")
        self.expect_fault(400, 'The request body must be a JSON object {"loadbalancer": {...}}', "POST", path,
                          {"vip_address": "198.51.100.1"})
        self.expect_fault(400, 'The request body must be a JSON object {"loadbalancer": {...}}', "POST", path,
                          {"loadbalancer": {"vip_address": "198.51.100.1"}, "extra": 1})
        self.expect_fault(400, "Unknown attribute for loadbalancer: colour", "POST", path,
                          {"loadbalancer": {"vip_address": "198.51.100.1", "colour": "red"}})
        self.expect_fault(400, 'Invalid input for field/attribute vip_address. Value: "198.51.100.256". '
                          "must be an IPv4 or IPv6 address", "POST", path,
                          {"loadbalancer": {"vip_address": "198.51.100.256"}})
        self.expect_fault(400, 'Invalid input for field/attribute vip_subnet_id. Value: "abc". must be a UUID',
                          "POST", path, {"loadbalancer": {"vip_address": "198.51.100.1", "vip_subnet_id": "abc"}})
        self.expect_fault(400, "Invalid input for field/attribute name. Value: " + json.dumps("n" * 256)[:77] + "..."
                          + ". must be at most 255 characters", "POST", path,
                          {"loadbalancer": {"vip_address": "198.51.100.1", "name": "n" * 256}})
        lb = self.make_lb()
        self.expect_fault(400, "Attribute vip_address of a loadbalancer cannot be changed after creation", "PUT",
                          f"{path}/{lb['id']}", {"loadbalancer": {"vip_address": "198.51.100.77"}})

    def test_vip_conflict_is_409(self):
        lb = self.make_lb()
        self.expect_fault(409, f"vip_address {lb['vip_address']} is already in use", "POST",
                          "/v2/lbaas/loadbalancers", {"loadbalancer": {"vip_address": lb["vip_address"]}})
        # Another project gets the same answer: the address is taken, whoever owns it.
        self.expect_fault(409, f"vip_address {lb['vip_address']} is already in use", "POST",
                          "/v2/lbaas/loadbalancers", {"loadbalancer": {"vip_address": lb["vip_address"]}},
                          token=BOB)

    def test_status_tree(self):
        lb, listener, pool, member = self.tree()
        monitor = self.ok("POST", "/v2/lbaas/healthmonitors", {"healthmonitor": {
            "pool_id": pool["id"], "type": "TCP", "delay": 5, "timeout": 3, "max_retries": 2}})["healthmonitor"]
        spare = self.ok("POST", "/v2/lbaas/pools", {"pool": {
            "loadbalancer_id": lb["id"], "protocol": "TCP", "lb_algorithm": "SOURCE_IP", "name": "spare"}})["pool"]
        active = {"provisioning_status": "ACTIVE"}
        expected = {"statuses": {"loadbalancer": {
            "id": lb["id"], "name": "", "operating_status": "ONLINE", **active,
            "listeners": [{"id": listener["id"], "name": "", "operating_status": "ONLINE", **active,
                           "pools": [{"id": pool["id"], "name": "", "operating_status": "ONLINE", **active,
                                      "health_monitor": {"id": monitor["id"], "name": "", "type": "TCP",
                                                         "operating_status": "ONLINE", **active},
                                      "members": [{"id": member["id"], "name": "", "address": "10.0.0.1",
                                                   "protocol_port": 8080, "operating_status": "NO_MONITOR",
                                                   **active}]}]}],
            "pools": [{"id": spare["id"], "name": "spare", "operating_status": "ONLINE", **active,
                       "members": []}]}}}
        self.assertEqual(self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}/status"), expected)
        self.expect_fault(404, "Load Balancer nope could not be found.", "GET", "/v2/lbaas/loadbalancers/nope/status")

    def test_delete_with_children_needs_cascade(self):
        lb, listener, pool, member = self.tree()
        path = f"/v2/lbaas/loadbalancers/{lb['id']}"
        self.expect_fault(400, f"Cannot delete Load Balancer {lb['id']}: it has 1 listener(s) and 1 pool(s); "
                          "delete them first or add ?cascade=true", "DELETE", path)
        self.expect_fault(400, "cascade must be true or false", "DELETE", path + "?cascade=maybe")
        self.ok("DELETE", path + "?cascade=true")
        for p in (path, f"/v2/lbaas/listeners/{listener['id']}", f"/v2/lbaas/pools/{pool['id']}"):
            self.assertEqual(self.req("GET", p)[0], 404, p)
        self.assertNotIn(member["id"], json.dumps(self.ok("GET", "/v2/xlb/revisions/" + str(self.revision()),
                                                          token=ADMIN)["revision"]["state"]))

    def revision(self):
        return self.ok("GET", "/v2/xlb/revisions?limit=1", token=ADMIN)["revisions"][0]["revision"]


class Listeners(ApiCase):
    def test_tcp_and_udp_lifecycle(self):
        lb = self.make_lb()
        tcp = self.make_listener(lb, "TCP", 443)
        udp = self.make_listener(lb, "UDP", 443)  # the same port, another protocol
        self.assertEqual((tcp["protocol"], tcp["protocol_port"], tcp["connection_limit"]), ("TCP", 443, -1))
        self.assertEqual(tcp["loadbalancers"], [{"id": lb["id"]}])
        self.assertEqual((tcp["timeout_client_data"], tcp["timeout_member_connect"]), (50000, 5000))
        self.assertEqual(udp["protocol"], "UDP")
        got = self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")["loadbalancer"]["listeners"]
        self.assertEqual(sorted(x["id"] for x in got), sorted([tcp["id"], udp["id"]]))
        updated = self.ok("PUT", f"/v2/lbaas/listeners/{tcp['id']}", {"listener": {
            "connection_limit": 1000, "allowed_cidrs": ["192.0.2.0/24"]}})["listener"]
        self.assertEqual((updated["connection_limit"], updated["allowed_cidrs"]), (1000, ["192.0.2.0/24"]))
        self.ok("DELETE", f"/v2/lbaas/listeners/{udp['id']}")
        self.expect_fault(404, f"Listener {udp['id']} could not be found.", "GET", f"/v2/lbaas/listeners/{udp['id']}")

    def test_errors(self):
        lb = self.make_lb()
        self.make_listener(lb, "TCP", 80)
        path = "/v2/lbaas/listeners"
        body = lambda **kw: {"listener": {"loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 80, **kw}}
        self.expect_fault(409, "Another Listener on this Load Balancer is already using protocol TCP port 80",
                          "POST", path, body())
        for protocol in ("HTTP", "HTTPS", "TERMINATED_HTTPS"):
            self.expect_fault(400, f"Listener protocol {protocol} needs the L7 tier, which this deployment does "
                              "not have yet: use TCP or UDP", "POST", path, body(protocol=protocol, protocol_port=81))
        self.expect_fault(400, 'Invalid input for field/attribute protocol_port. Value: 0. must be between 1 and '
                          "65535", "POST", path, body(protocol_port=0))
        self.expect_fault(400, 'Invalid input for field/attribute protocol. Value: "FTP". must be one of: HTTP, '
                          "HTTPS, TCP, TERMINATED_HTTPS, UDP, SCTP, PROMETHEUS", "POST", path, body(protocol="FTP"))
        missing = "6f1d4c1e-8a43-4f0e-9b1e-2b8c7f0a9d11"
        self.expect_fault(404, f"Load Balancer {missing} could not be found.", "POST", path,
                          body(loadbalancer_id=missing, protocol_port=82))
        self.expect_fault(404, f"Pool {missing} could not be found.", "POST", path,
                          body(protocol_port=83, default_pool_id=missing))
        self.expect_fault(400, f"allowed_cidrs entry 2001:db8::/32 is IPv6 but the VIP {lb['vip_address']} is not",
                          "POST", path, body(protocol_port=85, allowed_cidrs=["192.0.2.0/24", "2001:db8::/32"]))
        self.expect_fault(400, "Invalid input for field/attribute default_tls_container_ref. Value: \"x\". TLS needs "
                          "the L7 tier, which this deployment does not have yet", "POST", path,
                          body(protocol_port=84, default_tls_container_ref="x"))


class PoolsMembersMonitors(ApiCase):
    def test_pool_becomes_the_listener_default(self):
        lb = self.make_lb()
        listener = self.make_listener(lb)
        pool = self.make_pool(listener, "SOURCE_IP")
        self.assertEqual((pool["lb_algorithm"], pool["protocol"]), ("SOURCE_IP", "TCP"))
        self.assertEqual(pool["listeners"], [{"id": listener["id"]}])
        self.assertEqual(pool["loadbalancers"], [{"id": lb["id"]}])
        got = self.ok("GET", f"/v2/lbaas/listeners/{listener['id']}")["listener"]
        self.assertEqual(got["default_pool_id"], pool["id"])
        self.expect_fault(409, f"Listener {listener['id']} already has a default pool", "POST", "/v2/lbaas/pools",
                          {"pool": {"listener_id": listener["id"], "protocol": "TCP", "lb_algorithm": "SOURCE_IP"}})
        # Deleting the pool clears the listener's default.
        self.ok("DELETE", f"/v2/lbaas/pools/{pool['id']}")
        self.assertIsNone(self.ok("GET", f"/v2/lbaas/listeners/{listener['id']}")["listener"]["default_pool_id"])
        # A pool on the load balancer can be made the default later, by PUT.
        spare = self.ok("POST", "/v2/lbaas/pools", {"pool": {
            "loadbalancer_id": lb["id"], "protocol": "TCP", "lb_algorithm": "SOURCE_IP_PORT"}})["pool"]
        got = self.ok("PUT", f"/v2/lbaas/listeners/{listener['id']}", {"listener": {"default_pool_id": spare["id"]}})
        self.assertEqual(got["listener"]["default_pool_id"], spare["id"])
        udp_pool = self.ok("POST", "/v2/lbaas/pools", {"pool": {
            "loadbalancer_id": lb["id"], "protocol": "UDP", "lb_algorithm": "SOURCE_IP_PORT"}})["pool"]
        self.expect_fault(400, "The pool protocol UDP does not match the listener protocol TCP", "PUT",
                          f"/v2/lbaas/listeners/{listener['id']}", {"listener": {"default_pool_id": udp_pool["id"]}})

    def test_pool_errors(self):
        lb = self.make_lb()
        listener = self.make_listener(lb)
        body = lambda **kw: {"pool": {"listener_id": listener["id"], "protocol": "TCP",
                                      "lb_algorithm": "SOURCE_IP", **kw}}
        self.expect_fault(400, "lb_algorithm ROUND_ROBIN is not supported: the L4 tier hashes flows consistently "
                          "(Maglev); use SOURCE_IP_PORT (the flow's 5-tuple) or SOURCE_IP (the client address "
                          "alone)", "POST", "/v2/lbaas/pools", body(lb_algorithm="ROUND_ROBIN"))
        self.expect_fault(400, "The pool protocol UDP does not match the listener protocol TCP", "POST",
                          "/v2/lbaas/pools", body(protocol="UDP"))
        self.expect_fault(400, "Pool protocol HTTP is not supported: this deployment has only the L4 tier; use TCP "
                          "or UDP", "POST", "/v2/lbaas/pools", body(protocol="HTTP"))
        self.expect_fault(400, "A pool needs a listener_id or a loadbalancer_id", "POST", "/v2/lbaas/pools",
                          {"pool": {"protocol": "TCP", "lb_algorithm": "SOURCE_IP"}})
        self.expect_fault(400, "Attribute protocol of a pool cannot be changed after creation", "PUT",
                          f"/v2/lbaas/pools/{self.make_pool(listener)['id']}", {"pool": {"protocol": "UDP"}})

    def test_members(self):
        lb, listener, pool, first = self.tree()
        base = f"/v2/lbaas/pools/{pool['id']}/members"
        self.assertEqual((first["weight"], first["backup"], first["operating_status"], first["monitor_port"]),
                         (1, False, "NO_MONITOR", None))
        second = self.make_member(pool, "2001:db8::7", 8080, weight=256, backup=True, monitor_address="10.9.9.9",
                                  monitor_port=9000, name="b")
        self.assertEqual((second["weight"], second["backup"], second["monitor_address"], second["monitor_port"]),
                         (256, True, "10.9.9.9", 9000))
        self.expect_fault(409, f"Duplicate member: 10.0.0.1 port 8080 is already in pool {pool['id']}", "POST",
                          base, {"member": {"address": "10.0.0.1", "protocol_port": 8080}})
        self.expect_fault(400, "Invalid input for field/attribute weight. Value: 257. must be between 0 and 256",
                          "POST", base, {"member": {"address": "10.0.0.2", "protocol_port": 80, "weight": 257}})
        self.expect_fault(400, "Invalid input for field/attribute address. Value: \"10.0.0\". must be an IPv4 or "
                          "IPv6 address", "POST", base, {"member": {"address": "10.0.0", "protocol_port": 80}})
        listed = self.ok("GET", base)["members"]
        self.assertEqual(sorted(m["id"] for m in listed), sorted([first["id"], second["id"]]))
        self.assertEqual(self.ok("GET", f"/v2/lbaas/pools/{pool['id']}")["pool"]["members"],
                         sorted([{"id": first["id"]}, {"id": second["id"]}], key=lambda m: m["id"]))
        got = self.ok("PUT", f"{base}/{first['id']}", {"member": {"weight": 0, "admin_state_up": False}})["member"]
        self.assertEqual((got["weight"], got["operating_status"]), (0, "OFFLINE"))
        # A member is found only under its own pool.
        other = self.make_pool(self.make_listener(lb, "TCP", 81))
        self.expect_fault(404, f"Member {first['id']} could not be found.", "GET",
                          f"/v2/lbaas/pools/{other['id']}/members/{first['id']}")
        self.expect_fault(404, "Pool nope could not be found.", "GET", "/v2/lbaas/pools/nope/members")
        self.ok("DELETE", f"{base}/{first['id']}")
        self.expect_fault(404, f"Member {first['id']} could not be found.", "GET", f"{base}/{first['id']}")
        # Deleting the pool takes its members.
        self.ok("DELETE", f"/v2/lbaas/pools/{pool['id']}")
        self.expect_fault(404, f"Pool {pool['id']} could not be found.", "GET", f"{base}/{second['id']}")

    def test_health_monitors(self):
        lb, listener, pool, member = self.tree()
        path = "/v2/lbaas/healthmonitors"
        body = lambda **kw: {"healthmonitor": {"pool_id": pool["id"], "type": "HTTP", "delay": 5, "timeout": 3,
                                               "max_retries": 3, **kw}}
        self.expect_fault(400, "The health monitor timeout (6 s) must be less than or equal to its delay (5 s)",
                          "POST", path, body(timeout=6))
        self.expect_fault(400, "A UDP-CONNECT health monitor cannot check the members of a TCP pool", "POST", path,
                          body(type="UDP-CONNECT"))
        self.expect_fault(400, "url_path applies only to HTTP and HTTPS health monitors, not TCP", "POST", path,
                          body(type="TCP", url_path="/x"))
        self.expect_fault(400, "Invalid input for field/attribute max_retries. Value: 0. must be between 1 and 10",
                          "POST", path, body(max_retries=0))
        hm = self.ok("POST", path, body(url_path="/healthz", expected_codes="200,204"))["healthmonitor"]
        self.assertEqual((hm["type"], hm["http_method"], hm["url_path"], hm["expected_codes"], hm["max_retries_down"],
                          hm["pools"]), ("HTTP", "GET", "/healthz", "200,204", 3, [{"id": pool["id"]}]))
        self.assertEqual(self.ok("GET", f"/v2/lbaas/pools/{pool['id']}")["pool"]["healthmonitor_id"], hm["id"])
        self.expect_fault(409, f"Pool {pool['id']} already has a health monitor", "POST", path, body(type="TCP"))
        got = self.ok("PUT", f"{path}/{hm['id']}", {"healthmonitor": {"delay": 10, "timeout": 10}})["healthmonitor"]
        self.assertEqual((got["delay"], got["timeout"]), (10, 10))
        self.expect_fault(400, "Attribute type of a healthmonitor cannot be changed after creation", "PUT",
                          f"{path}/{hm['id']}", {"healthmonitor": {"type": "TCP"}})
        self.ok("DELETE", f"{path}/{hm['id']}")
        self.assertIsNone(self.ok("GET", f"/v2/lbaas/pools/{pool['id']}")["pool"]["healthmonitor_id"])
        for t in ("TCP", "HTTPS", "PING"):
            hm = self.ok("POST", path, body(type=t))["healthmonitor"]
            self.ok("DELETE", f"{path}/{hm['id']}")
        udp_pool = self.make_pool(self.make_listener(lb, "UDP", 53))
        self.ok("POST", path, {"healthmonitor": {"pool_id": udp_pool["id"], "type": "UDP-CONNECT", "delay": 5,
                                                 "timeout": 3, "max_retries": 3}})


class EveryEndpoint(ApiCase):
    """The success path of each endpoint not exercised above, and the 404s and 405s of each path."""

    def test_show_list_update_delete_of_each_kind(self):
        lb, listener, pool, member = self.tree()
        hm = self.ok("POST", "/v2/lbaas/healthmonitors", {"healthmonitor": {
            "pool_id": pool["id"], "type": "PING", "delay": 5, "timeout": 3, "max_retries": 3,
            "name": "ping"}})["healthmonitor"]
        udp = self.make_listener(lb, "UDP", 53)
        for collection, key, item, change in (
                ("listeners", "listener", listener, {"name": "l2", "timeout_client_data": 1000}),
                ("pools", "pool", pool, {"name": "p2", "lb_algorithm": "SOURCE_IP"}),
                ("healthmonitors", "healthmonitor", hm, {"name": "h2", "max_retries_down": 5}),
                (f"pools/{pool['id']}/members", "member", member, {"name": "m2", "backup": True})):
            path = f"/v2/lbaas/{collection}/{item['id']}"
            shown = self.ok("GET", path)[key]
            self.assertEqual(shown["id"], item["id"])
            self.assertEqual(shown["provisioning_status"], "ACTIVE")
            listed = self.ok("GET", f"/v2/lbaas/{collection}?id={item['id']}")
            self.assertEqual(listed[collection.rsplit("/", 1)[-1]], [shown])
            updated = self.ok("PUT", path, {key: change})[key]
            for field, value in change.items():
                self.assertEqual(updated[field], value, (key, field))
            self.assertEqual(self.ok("GET", path)[key], updated)
        self.assertEqual([x["id"] for x in self.ok("GET", "/v2/lbaas/listeners?protocol=UDP")["listeners"]],
                         [udp["id"]])
        for path, label, rid in ((f"/v2/lbaas/healthmonitors/{hm['id']}", "Health Monitor", hm["id"]),
                                 (f"/v2/lbaas/pools/{pool['id']}/members/{member['id']}", "Member", member["id"]),
                                 (f"/v2/lbaas/listeners/{listener['id']}", "Listener", listener["id"])):
            self.ok("DELETE", path)
            self.expect_fault(404, f"{label} {rid} could not be found.", "GET", path)
            self.expect_fault(404, f"{label} {rid} could not be found.", "DELETE", path)
        # The listener is gone; its default pool stays, used by no listener.
        self.assertEqual(self.ok("GET", f"/v2/lbaas/pools/{pool['id']}")["pool"]["listeners"], [])

    def test_missing_parents_are_404(self):
        missing = "0f0e0d0c-0b0a-4908-8706-050403020100"
        self.expect_fault(404, f"Listener {missing} could not be found.", "POST", "/v2/lbaas/pools",
                          {"pool": {"listener_id": missing, "protocol": "TCP", "lb_algorithm": "SOURCE_IP"}})
        self.expect_fault(404, f"Load Balancer {missing} could not be found.", "POST", "/v2/lbaas/pools",
                          {"pool": {"loadbalancer_id": missing, "protocol": "TCP", "lb_algorithm": "SOURCE_IP"}})
        self.expect_fault(404, f"Pool {missing} could not be found.", "POST", "/v2/lbaas/healthmonitors",
                          {"healthmonitor": {"pool_id": missing, "type": "TCP", "delay": 5, "timeout": 3,
                                             "max_retries": 3}})
        self.expect_fault(404, f"Pool {missing} could not be found.", "POST", f"/v2/lbaas/pools/{missing}/members",
                          {"member": {"address": "10.0.0.1", "protocol_port": 80}})
        for kind, label in (("listeners", "Listener"), ("pools", "Pool"), ("healthmonitors", "Health Monitor")):
            self.expect_fault(404, f"{label} {missing} could not be found.", "GET", f"/v2/lbaas/{kind}/{missing}")

    def test_methods_not_allowed(self):
        lb, listener, pool, member = self.tree()
        for method, path, allowed in (
                ("POST", f"/v2/lbaas/loadbalancers/{lb['id']}/status", "GET"),
                ("PUT", "/v2/lbaas/listeners", "GET, POST"),
                ("DELETE", f"/v2/lbaas/pools/{pool['id']}/members", "GET, POST"),
                ("POST", f"/v2/lbaas/pools/{pool['id']}/members/{member['id']}", "GET, PUT, DELETE"),
                ("GET", "/v2/xlb/rollback", "POST"),
                ("POST", "/v2/xlb/revisions", "GET")):
            status, headers, data = self.req(method, path, {}, token=ADMIN)
            self.assertEqual((status, headers.get("allow")), (405, allowed), (method, path, data))
            self.assertEqual(data["faultcode"], "Client")
        self.expect_fault(404, f"No such resource: /v2/lbaas/pools/{pool['id']}/stats", "GET",
                          f"/v2/lbaas/pools/{pool['id']}/stats")
        self.expect_fault(403, "Revisions and rollback need the admin role", "GET", "/v2/xlb/revisions/1")


class FiltersAndPages(ApiCase):
    def test_filters_and_pagination_keep_the_filters(self):
        made = [self.make_lb(name="page-me" if i % 2 == 0 else "other", description=f"n{i}") for i in range(9)]
        wanted = [lb["id"] for lb in made if lb["name"] == "page-me"]  # 5, in creation order
        seen, url, pages = [], "/v2/lbaas/loadbalancers?name=page-me&limit=2", 0
        while url:
            data = self.ok("GET", url)
            pages += 1
            seen += [lb["id"] for lb in data["loadbalancers"]]
            self.assertTrue(all(lb["name"] == "page-me" for lb in data["loadbalancers"]))
            nexts = [link["href"] for link in data["loadbalancers_links"] if link["rel"] == "next"]
            if nexts:
                parsed = urllib.parse.urlsplit(nexts[0])
                query = urllib.parse.parse_qs(parsed.query)
                self.assertEqual(query["name"], ["page-me"])
                self.assertEqual(query["limit"], ["2"])
                self.assertEqual(parsed.netloc, f"{self.ctl.address[0]}:{self.ctl.address[1]}")
                self.assertEqual(parsed.path, "/v2/lbaas/loadbalancers")
                url = parsed.path + "?" + parsed.query
            else:
                url = None
        self.assertEqual(pages, 3)
        self.assertEqual(seen, wanted)  # every one once, in creation order

        by_id = self.ok("GET", f"/v2/lbaas/loadbalancers?id={made[3]['id']}")["loadbalancers"]
        self.assertEqual([lb["id"] for lb in by_id], [made[3]["id"]])
        two = self.ok("GET", f"/v2/lbaas/loadbalancers?id={made[1]['id']}&id={made[2]['id']}")["loadbalancers"]
        self.assertEqual(sorted(lb["id"] for lb in two), sorted([made[1]["id"], made[2]["id"]]))
        self.assertEqual(len(self.ok("GET", "/v2/lbaas/loadbalancers?description=n4&admin_state_up=true")
                             ["loadbalancers"]), 1)
        only = self.ok("GET", "/v2/lbaas/loadbalancers?name=other&fields=id&fields=name")["loadbalancers"]
        self.assertEqual(len(only), 4)
        self.assertTrue(all(set(lb) == {"id", "name"} for lb in only))
        tagged = [self.make_lb(tags=t)["id"] for t in (["blue", "big"], ["blue"], ["big"])]
        self.assertEqual([x["id"] for x in self.ok("GET", "/v2/lbaas/loadbalancers?tags=blue,big")["loadbalancers"]],
                         tagged[:1])
        any_of = self.ok("GET", "/v2/lbaas/loadbalancers?tags-any=blue&tags-any=big")["loadbalancers"]
        self.assertEqual([x["id"] for x in any_of], tagged)
        none_of = self.ok("GET", "/v2/lbaas/loadbalancers?not-tags-any=blue,big")["loadbalancers"]
        everything = self.ok("GET", "/v2/lbaas/loadbalancers")["loadbalancers"]
        self.assertEqual([x["id"] for x in none_of], [x["id"] for x in everything if x["id"] not in tagged])
        self.expect_fault(400, "Invalid filter argument: colour", "GET", "/v2/lbaas/loadbalancers?colour=red")
        self.expect_fault(400, "Invalid limit: x", "GET", "/v2/lbaas/loadbalancers?limit=x")
        self.expect_fault(400, "Invalid marker: nope", "GET", "/v2/lbaas/loadbalancers?marker=nope")
        self.expect_fault(400, "Sorting is not supported yet: lists come in creation order", "GET",
                          "/v2/lbaas/loadbalancers?sort=name:asc")

    def test_children_by_parent_id(self):
        lb1, listener1, pool1, _ = self.tree()
        lb2, listener2, pool2, _ = self.tree()
        hm = self.ok("POST", "/v2/lbaas/healthmonitors", {"healthmonitor": {
            "pool_id": pool2["id"], "type": "TCP", "delay": 5, "timeout": 3, "max_retries": 3}})["healthmonitor"]
        got = self.ok("GET", f"/v2/lbaas/listeners?loadbalancer_id={lb1['id']}")
        self.assertEqual([x["id"] for x in got["listeners"]], [listener1["id"]])
        got = self.ok("GET", f"/v2/lbaas/pools?loadbalancer_id={lb2['id']}&loadbalancer_id={lb1['id']}")
        self.assertEqual(sorted(x["id"] for x in got["pools"]), sorted([pool1["id"], pool2["id"]]))
        got = self.ok("GET", f"/v2/lbaas/healthmonitors?pool_id={pool2['id']}")
        self.assertEqual([x["id"] for x in got["healthmonitors"]], [hm["id"]])
        self.assertEqual(self.ok("GET", f"/v2/lbaas/healthmonitors?pool_id={pool1['id']}")["healthmonitors"], [])
        # Paged, the parent filter stays in the next link.
        self.make_listener(lb1, "UDP", 80)
        page = self.ok("GET", f"/v2/lbaas/listeners?loadbalancer_id={lb1['id']}&limit=1")
        self.assertIn(f"loadbalancer_id={lb1['id']}", page["listeners_links"][0]["href"])
        self.expect_fault(400, "Invalid filter argument: pool_id", "GET", "/v2/lbaas/listeners?pool_id=x")

    def test_member_filters(self):
        lb, listener, pool, member = self.tree()
        for i in range(2, 6):
            self.make_member(pool, f"10.0.0.{i}", 80, weight=i)
        base = f"/v2/lbaas/pools/{pool['id']}/members"
        self.assertEqual([m["address"] for m in self.ok("GET", base + "?weight=3")["members"]], ["10.0.0.3"])
        page = self.ok("GET", base + "?protocol_port=80&limit=3")
        self.assertEqual(len(page["members"]), 3)
        href = page["members_links"][0]["href"]
        self.assertIn("protocol_port=80", href)
        rest = self.ok("GET", urllib.parse.urlsplit(href).path + "?" + urllib.parse.urlsplit(href).query)
        self.assertEqual(len(rest["members"]), 1)


class ProjectIsolation(ApiCase):
    def test_another_projects_resources_are_not_found(self):
        lb, listener, pool, member = self.tree()  # alice's (project-a)
        hm = self.ok("POST", "/v2/lbaas/healthmonitors", {"healthmonitor": {
            "pool_id": pool["id"], "type": "TCP", "delay": 5, "timeout": 3, "max_retries": 3}})["healthmonitor"]
        bob_lb = self.make_lb(token=BOB)
        urls = {"Load Balancer": f"/v2/lbaas/loadbalancers/{lb['id']}",
                "Listener": f"/v2/lbaas/listeners/{listener['id']}",
                "Pool": f"/v2/lbaas/pools/{pool['id']}",
                "Health Monitor": f"/v2/lbaas/healthmonitors/{hm['id']}"}
        for label, url in urls.items():
            rid = url.rsplit("/", 1)[1]
            msg = f"{label} {rid} could not be found."
            self.expect_fault(404, msg, "GET", url, token=BOB)
            self.expect_fault(404, msg, "PUT", url, {label.lower().replace(" ", ""): {"name": "x"}}, token=BOB)
            self.expect_fault(404, msg, "DELETE", url, token=BOB)
        self.expect_fault(404, f"Load Balancer {lb['id']} could not be found.", "GET",
                          f"/v2/lbaas/loadbalancers/{lb['id']}/status", token=BOB)
        self.expect_fault(404, f"Pool {pool['id']} could not be found.", "GET",
                          f"/v2/lbaas/pools/{pool['id']}/members/{member['id']}", token=BOB)
        self.expect_fault(404, f"Pool {pool['id']} could not be found.", "POST",
                          f"/v2/lbaas/pools/{pool['id']}/members",
                          {"member": {"address": "10.1.1.1", "protocol_port": 80}}, token=BOB)
        self.expect_fault(404, f"Load Balancer {lb['id']} could not be found.", "POST", "/v2/lbaas/listeners",
                          {"listener": {"loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 99}},
                          token=BOB)
        # Bob cannot point his listener at alice's pool either.
        bob_listener = self.make_listener(bob_lb, token=BOB)
        self.expect_fault(404, f"Pool {pool['id']} could not be found.", "PUT",
                          f"/v2/lbaas/listeners/{bob_listener['id']}", {"listener": {"default_pool_id": pool["id"]}},
                          token=BOB)
        # Lists and filters show only his own, even asked by id.
        for collection in ("loadbalancers", "listeners", "pools", "healthmonitors"):
            listed = json.dumps(self.ok("GET", f"/v2/lbaas/{collection}", token=BOB))
            self.assertNotIn(lb["id"], listed)
            self.assertNotIn(pool["id"], listed)
        self.assertEqual(self.ok("GET", f"/v2/lbaas/loadbalancers?id={lb['id']}", token=BOB)["loadbalancers"], [])
        self.expect_fault(400, f"Invalid marker: {lb['id']}", "GET", f"/v2/lbaas/loadbalancers?marker={lb['id']}",
                          token=BOB)
        # Nothing of alice's changed.
        self.assertEqual(self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}")["loadbalancer"]["name"], "")
        # A colleague in the same project sees it; the admin sees everything.
        self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}", token=ALICE2)
        all_ids = [x["id"] for x in self.ok("GET", "/v2/lbaas/loadbalancers", token=ADMIN)["loadbalancers"]]
        self.assertIn(lb["id"], all_ids)
        self.assertIn(bob_lb["id"], all_ids)
        projects = self.ok("GET", "/v2/lbaas/loadbalancers?project_id=project-b", token=ADMIN)["loadbalancers"]
        self.assertEqual([x["id"] for x in projects], [bob_lb["id"]])

    def test_creating_for_another_project(self):
        self.expect_fault(403, "Only an admin may create a load balancer in another project", "POST",
                          "/v2/lbaas/loadbalancers",
                          {"loadbalancer": {"vip_address": self.new_vip(), "project_id": "project-b"}})
        lb = self.make_lb(token=ADMIN, project_id="project-b")
        self.assertEqual(lb["project_id"], "project-b")
        self.ok("GET", f"/v2/lbaas/loadbalancers/{lb['id']}", token=BOB)
        # Children follow their load balancer's project, whoever creates them.
        listener = self.make_listener(lb, token=ADMIN)
        self.assertEqual(listener["project_id"], "project-b")


class Revisions(ApiCase):
    def test_revisions_diff_and_rollback(self):
        self.expect_fault(403, "Revisions and rollback need the admin role", "GET", "/v2/xlb/revisions")
        self.expect_fault(403, "Revisions and rollback need the admin role", "POST", "/v2/xlb/rollback",
                          {"revision": 1})
        lb, listener, pool, member = self.tree()
        _, headers, data = self.req("PUT", f"/v2/lbaas/pools/{pool['id']}/members/{member['id']}",
                                    {"member": {"weight": 9}})
        changed = int(headers["x-xlb-revision"])
        revisions = self.ok("GET", "/v2/xlb/revisions", token=ADMIN)["revisions"]
        numbers = [r["revision"] for r in revisions]
        self.assertEqual(numbers, sorted(numbers, reverse=True))
        self.assertEqual(numbers[0], changed)
        newest = revisions[0]
        self.assertEqual((newest["actor"], newest["project_id"], newest["rollback_of"]),
                         ("alice", "project-a", None))
        self.assertEqual(newest["summary"], f"update member {member['id']}: weight")
        detail = self.ok("GET", f"/v2/xlb/revisions/{changed}", token=ADMIN)["revision"]
        self.assertEqual(len(detail["diff"]), 1)
        d = detail["diff"][0]
        self.assertEqual((d["action"], d["kind"], d["id"]), ("update", "member", member["id"]))
        self.assertEqual(d["fields"]["weight"], {"before": 1, "after": 9})
        self.assertEqual(set(d["fields"]), {"weight", "updated_at"})
        self.assertEqual(detail["state"]["members"][member["id"]]["weight"], 9)
        created = self.ok("GET", f"/v2/xlb/revisions/{changed - 1}", token=ADMIN)["revision"]["diff"]
        self.assertEqual([(c["action"], c["kind"]) for c in created], [("create", "member")])

        # Roll back to before the member existed: a new revision, equal to that one.
        before_member = changed - 2
        status, headers, data = self.req("POST", "/v2/xlb/rollback", {"revision": before_member}, token=ADMIN)
        self.assertEqual(status, 201, data)
        new = data["revision"]
        self.assertEqual(new["revision"], changed + 1)
        self.assertEqual(int(headers["x-xlb-revision"]), changed + 1)
        self.assertEqual((new["rollback_of"], new["actor"], new["summary"]),
                         (before_member, "ops", f"rollback to revision {before_member}"))
        old_state = self.ok("GET", f"/v2/xlb/revisions/{before_member}", token=ADMIN)["revision"]["state"]
        new_state = self.ok("GET", f"/v2/xlb/revisions/{changed + 1}", token=ADMIN)["revision"]["state"]
        self.assertEqual(new_state, old_state)
        self.expect_fault(404, f"Member {member['id']} could not be found.", "GET",
                          f"/v2/lbaas/pools/{pool['id']}/members/{member['id']}")
        # And forward again.
        self.ok("POST", "/v2/xlb/rollback", {"revision": changed}, token=ADMIN)
        got = self.ok("GET", f"/v2/lbaas/pools/{pool['id']}/members/{member['id']}")["member"]
        self.assertEqual(got["weight"], 9)

        self.expect_fault(404, "Revision 99999 could not be found.", "POST", "/v2/xlb/rollback",
                          {"revision": 99999}, token=ADMIN)
        self.expect_fault(404, "Revision 99999 could not be found.", "GET", "/v2/xlb/revisions/99999", token=ADMIN)
        self.expect_fault(404, "Revision abc could not be found.", "GET", "/v2/xlb/revisions/abc", token=ADMIN)
        for bad in ({"revision": "1"}, {"revision": 0}, {"rev": 1}, [1]):
            self.expect_fault(400, 'The request body must be {"revision": n} with n a revision number', "POST",
                              "/v2/xlb/rollback", bad, token=ADMIN)
        self.expect_fault(400, "Malformed JSON in the request body", "POST", "/v2/xlb/rollback", raw=b"{",
                          token=ADMIN)

    def test_revision_pages(self):
        for _ in range(5):
            self.make_lb()
        first = self.ok("GET", "/v2/xlb/revisions?limit=2", token=ADMIN)
        self.assertEqual(len(first["revisions"]), 2)
        href = first["revisions_links"][0]["href"]
        second = self.ok("GET", urllib.parse.urlsplit(href).path + "?" + urllib.parse.urlsplit(href).query,
                         token=ADMIN)
        self.assertEqual(second["revisions"][0]["revision"], first["revisions"][1]["revision"] - 1)
        self.expect_fault(400, "Invalid limit: -1", "GET", "/v2/xlb/revisions?limit=-1", token=ADMIN)


class Limits(ApiCase):
    max_body = 4096

    def test_a_body_over_the_limit_is_413_and_the_server_goes_on(self):
        big = {"loadbalancer": {"vip_address": "198.51.100.1", "description": "x" * 8000}}
        status, _, data = self.req("POST", "/v2/lbaas/loadbalancers", big)
        self.assertEqual((status, data), (413, {"faultcode": "Client", "faultstring": "The request is too large",
                                                "debuginfo": None}))
        self.ok("GET", "/v2/lbaas/loadbalancers")

    def test_garbage_is_400(self):
        import socket
        with socket.create_connection(self.ctl.address, timeout=5) as s:
            s.sendall(b"\x01\x02 not http\r\n\r\n")
            reply = s.recv(4096)
        self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), reply)
        self.assertIn(b'"faultcode":"Client"', reply)

    def test_deep_or_odd_json_never_crashes(self):
        for raw in (b"[" * 100000, b'{"loadbalancer": {"vip_address": "\xff"}}', b"null", b"1e999",
                    b'{"loadbalancer": {"vip_address": "198.51.100.1", "name": {"a": [1, 2]}}}'):
            status, _, data = self.req("POST", "/v2/lbaas/loadbalancers", raw=raw)
            self.assertIn(status, (400, 413), (raw[:40], data))
        self.ok("GET", "/v2/lbaas/loadbalancers")


class DeepBodies(ApiCase):
    def test_deeply_nested_json_is_400_not_a_crash(self):
        n = 300000  # well under the default 1 MiB body limit
        raw = ('{"loadbalancer": {"vip_address": "198.51.100.1", "name": ' + "[" * n + "]" * n + "}}").encode()
        self.expect_fault(400, "The request body nests deeper than 32 levels", "POST", "/v2/lbaas/loadbalancers",
                          raw=raw)
        self.expect_fault(400, "The request body nests deeper than 32 levels", "POST", "/v2/xlb/rollback",
                          raw=b"[" * 1000, token=ADMIN)
        # Brackets inside strings are text, not nesting.
        lb = self.make_lb(name="[" * 100, description='{"\\"' + "{" * 100)
        self.assertEqual(lb["name"], "[" * 100)
        self.assertIsNone(self.ctl.proc.poll())


class Restart(ApiCase):
    def test_a_restart_loses_nothing(self):
        lb, listener, pool, member = self.tree()
        before = {c: self.ok("GET", f"/v2/lbaas/{c}", token=ADMIN) for c in
                  ("loadbalancers", "listeners", "pools", "healthmonitors")}
        members = self.ok("GET", f"/v2/lbaas/pools/{pool['id']}/members")
        revisions = self.ok("GET", "/v2/xlb/revisions", token=ADMIN)
        self.ctl.stop()
        self.ctl.start()
        after = {c: self.ok("GET", f"/v2/lbaas/{c}", token=ADMIN) for c in before}
        self.assertEqual(after, before)
        self.assertEqual(self.ok("GET", f"/v2/lbaas/pools/{pool['id']}/members"), members)
        self.assertEqual(self.ok("GET", "/v2/xlb/revisions", token=ADMIN), revisions)
        _, headers, _ = self.req("POST", f"/v2/lbaas/pools/{pool['id']}/members",
                                 {"member": {"address": "10.0.0.99", "protocol_port": 1}})
        self.assertEqual(int(headers["x-xlb-revision"]), revisions["revisions"][0]["revision"] + 1)

    def test_a_killed_controller_keeps_every_acknowledged_change(self):
        lb, listener, pool, member = self.tree()
        acknowledged = [self.make_member(pool, f"10.7.0.{i}", 80)["id"] for i in range(1, 21)]
        self.ctl.proc.kill()  # SIGKILL: no shutdown path runs
        self.ctl.proc.wait()
        self.ctl.stop()
        self.ctl.start()
        members = {m["id"] for m in self.ok("GET", f"/v2/lbaas/pools/{pool['id']}/members")["members"]}
        self.assertEqual(members, set(acknowledged) | {member["id"]})


def eventually(check, seconds=5):
    """Whether check() becomes true within `seconds` (polled every 50 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


class TokenFile(ApiCase):
    def test_sighup_reloads_the_tokens_and_a_bad_file_keeps_the_old_ones(self):
        carol = "carol-token-000000000005"
        self.expect_fault(401, "The X-Auth-Token is not valid", "GET", "/v2/lbaas/loadbalancers", token=carol)
        with open(self.ctl.tokens, "a") as f:
            f.write(f"  - token: {carol}\n    name: carol\n    project_id: project-c\n")
        self.ctl.proc.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: self.req("GET", "/v2/lbaas/loadbalancers", token=carol)[0] == 200))
        with open(self.ctl.tokens, "w") as f:
            f.write("tokens: [oops\n")
        self.ctl.proc.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: "reload refused" in self.ctl.read_log()))
        self.ok("GET", "/v2/lbaas/loadbalancers", token=carol)
        self.ok("GET", "/v2/lbaas/loadbalancers", token=ALICE)
        with open(self.ctl.tokens, "w") as f:
            f.write(TOKENS)


class StartupErrors(unittest.TestCase):
    """What an operator sees when the controller cannot start."""

    def run_controller(self, *args):
        return subprocess.run([CONTROLLER, "--listen", "127.0.0.1:0", *args], capture_output=True, text=True,
                              timeout=20)

    def test_a_bad_token_file_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            tokens = os.path.join(d, "tokens.yaml")
            with open(tokens, "w") as f:
                f.write("tokens:\n  - token: short\n    name: a\n    project_id: p\n")
            r = self.run_controller("--tokens", tokens, "--db", os.path.join(d, "db"))
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f"{tokens}:2", r.stdout + r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "db")))  # nothing touched before the check

    def test_a_database_from_a_newer_controller_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            ctl = Controller(d)
            subprocess.run(["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                            "c.execute('PRAGMA user_version = 7'); c.commit()", ctl.db], check=True)
            r = self.run_controller("--tokens", ctl.tokens, "--db", ctl.db)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("schema version 7", r.stdout + r.stderr)

    def test_a_taken_port_is_named(self):
        import socket
        with tempfile.TemporaryDirectory() as d, socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            ctl = Controller(d)
            r = subprocess.run([CONTROLLER, "--listen", f"127.0.0.1:{port}", "--tokens", ctl.tokens, "--db", ctl.db],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"cannot listen on 127.0.0.1:{port}", r.stdout + r.stderr)


class Concurrency(ApiCase):
    CLIENTS = 50
    PER_CLIENT = 4  # members each client creates; it deletes every other one

    def test_fifty_clients_creating_and_deleting_members(self):
        lb, listener, pool, first = self.tree()
        base = f"/v2/lbaas/pools/{pool['id']}/members"
        start_revision = self.ok("GET", "/v2/xlb/revisions?limit=1", token=ADMIN)["revisions"][0]["revision"]
        results, errors, lock = [], [], threading.Lock()
        barrier = threading.Barrier(self.CLIENTS)

        def client(n):
            kept, seen = [], []
            try:
                barrier.wait()
                for i in range(self.PER_CLIENT):
                    status, headers, data = self.req("POST", base, {"member": {
                        "address": f"10.{n}.{i}.1", "protocol_port": 80}})
                    seen.append(("POST", status, int(headers.get("x-xlb-revision", 0))))
                    if status != 201:
                        continue
                    mid = data["member"]["id"]
                    if i % 2:
                        status, headers, _ = self.req("DELETE", f"{base}/{mid}")
                        seen.append(("DELETE", status, int(headers.get("x-xlb-revision", 0))))
                    else:
                        kept.append(mid)
            except Exception as e:  # a refused or dropped connection is a failure, reported below
                with lock:
                    errors.append(f"client {n}: {e!r}")
            with lock:
                results.append((kept, seen))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(self.CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), self.CLIENTS)
        calls = [c for _, seen in results for c in seen]
        expected_calls = self.CLIENTS * (self.PER_CLIENT + self.PER_CLIENT // 2)
        self.assertEqual(len(calls), expected_calls)
        self.assertEqual([c for c in calls if c[1] not in (201, 204)], [])
        numbers = sorted(c[2] for c in calls)
        # Every change got its own revision, with no gap and no repeat.
        self.assertEqual(numbers, list(range(start_revision + 1, start_revision + 1 + expected_calls)))
        # And each client saw its own revisions strictly increase.
        for _, seen in results:
            own = [c[2] for c in seen]
            self.assertEqual(own, sorted(set(own)))
        kept = sorted([first["id"]] + [m for k, _ in results for m in k])
        members = self.ok("GET", base)["members"]
        self.assertEqual(sorted(m["id"] for m in members), kept)
        self.assertEqual(len(kept), 1 + self.CLIENTS * self.PER_CLIENT // 2)
        listed = self.ok("GET", f"/v2/xlb/revisions?limit={expected_calls}", token=ADMIN)["revisions"]
        self.assertEqual([r["revision"] for r in listed],
                         list(range(start_revision + expected_calls, start_revision, -1)))


def main():
    global CONTROLLER
    args = sys.argv[1:]
    if "--controller" in args:
        i = args.index("--controller")
        CONTROLLER = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    if not CONTROLLER or not os.access(CONTROLLER, os.X_OK):
        print("usage: controller_api_test.py --controller PATH [unittest args]", file=sys.stderr)
        return 2
    program = unittest.main(argv=[sys.argv[0]] + args, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
