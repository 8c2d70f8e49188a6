#!/usr/bin/env python3
"""API tests of the `xlb` CLI's controller commands: the real binary against a
real xlb-controller (started as controller_api_test.py does), checking exit
codes, stdout (tables and --json) and the controller's state through its API.

`xlb agent list` runs against a small fake of GET /v2/xlb/agents (the real
endpoint comes with agent registration), which also checks the token it gets.

Usage: cli_api_test.py --controller build/src/controller/xlb-controller --xlb build/src/cli/xlb
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import controller_api_test as capi  # noqa: E402
from controller_api_test import ADMIN, ALICE, BOB, Controller  # noqa: E402

XLB = None

# Exit codes (docs/cli.md).
OK, LOCAL, USAGE, UNREACHABLE, BAD_ANSWER, AUTH, NOT_FOUND, CONFLICT, REJECTED = 0, 1, 2, 3, 4, 5, 6, 7, 8


class CliCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="xlb-cli-")
        cls.ctl = Controller(cls.tmp.name)
        cls.ctl.start()
        cls.endpoint = "http://%s:%d" % cls.ctl.address
        # An empty config home: no operator's ~/.config/xlb/cli.yaml leaks in.
        cls.config_home = os.path.join(cls.tmp.name, "config")
        os.makedirs(os.path.join(cls.config_home, "xlb"))

    @classmethod
    def tearDownClass(cls):
        cls.ctl.stop()
        cls.tmp.cleanup()

    def xlb(self, *args, token=ALICE, endpoint="default", env=None):
        """Runs xlb; returns (exit code, stdout, stderr)."""
        cmd = [XLB] + list(args)
        if endpoint == "default":
            cmd += ["--endpoint", self.endpoint]
        elif endpoint is not None:
            cmd += ["--endpoint", endpoint]
        if token is not None:
            cmd += ["--token", token]
        full_env = {"PATH": os.environ.get("PATH", ""), "XDG_CONFIG_HOME": self.config_home}
        full_env.update(env or {})
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=full_env)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args, **kwargs):
        rc, out, err = self.xlb(*args, **kwargs)
        self.assertEqual(rc, OK, f"xlb {' '.join(args)}: {err}")
        return out

    def ok_json(self, *args, **kwargs):
        return json.loads(self.ok(*(list(args) + ["--json"]), **kwargs))

    def fails(self, code, message, *args, **kwargs):
        rc, out, err = self.xlb(*args, **kwargs)
        self.assertEqual((rc, err.strip()), (code, "xlb: " + message), out)
        return out

    def api(self, method, path, body=None, token=ALICE):
        return self.ctl.request(method, path, body, token=token)


class ResourceLifecycle(CliCase):
    def test_every_resource_create_list_show_set_delete(self):
        lb = self.ok_json("lb", "create", "--name", "web", "--vip-address", "198.51.100.10", "--tags", "prod,blue")
        lb_id = lb["loadbalancer"]["id"]
        self.assertEqual(lb["loadbalancer"]["tags"], ["prod", "blue"])
        status, _, body = self.api("GET", f"/v2/lbaas/loadbalancers/{lb_id}")
        self.assertEqual((status, body["loadbalancer"]["vip_address"]), (200, "198.51.100.10"))

        # References by name: --loadbalancer web, --listener web-80, --pool web-pool.
        listener = self.ok_json("listener", "create", "--loadbalancer", "web", "--protocol", "TCP", "--port", "80",
                                "--name", "web-80", "--connection-limit", "1000")["listener"]
        self.assertEqual((listener["loadbalancers"], listener["protocol_port"], listener["connection_limit"]),
                         ([{"id": lb_id}], 80, 1000))
        pool = self.ok_json("pool", "create", "--listener", "web-80", "--protocol", "TCP", "--lb-algorithm",
                            "SOURCE_IP_PORT", "--name", "web-pool")["pool"]
        self.assertEqual(pool["listeners"], [{"id": listener["id"]}])
        members = []
        for i in (1, 2, 3):
            m = self.ok_json("member", "create", "--pool", "web-pool", "--address", f"10.0.0.{i}", "--port", "8080",
                             "--name", f"m{i}", "--weight", str(i))["member"]
            members.append(m)
        hm = self.ok_json("healthmonitor", "create", "--pool", "web-pool", "--type", "HTTP", "--delay", "5",
                          "--timeout", "3", "--max-retries", "2", "--url-path", "/healthz", "--name", "hc")
        hm = hm["healthmonitor"]
        self.assertEqual((hm["pools"], hm["url_path"]), ([{"id": pool["id"]}], "/healthz"))

        # list --json is the API's list; tables have a header and a row each.
        listed = self.ok_json("member", "list", "--pool", "web-pool")["members"]
        self.assertEqual([m["address"] for m in listed], ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        table = self.ok("member", "list", "--pool", pool["id"]).splitlines()
        self.assertEqual(table[0].split(), ["id", "name", "address", "protocol_port", "weight", "backup",
                                            "admin_state_up", "operating_status", "provisioning_status"])
        self.assertEqual(table[1].split()[:5], [members[0]["id"], "m1", "10.0.0.1", "8080", "1"])
        self.assertEqual(len(table), 4)
        # Columns line up: every row's address starts where the header's does.
        column = table[0].index("address")
        self.assertTrue(all(row[column:].startswith("10.0.0.") for row in table[1:]), table)
        self.assertEqual([x["name"] for x in self.ok_json("listener", "list", "--loadbalancer", "web")["listeners"]],
                         ["web-80"])
        self.assertEqual(len(self.ok_json("pool", "list")["pools"]), 1)
        self.assertEqual(self.ok_json("healthmonitor", "list", "--pool", "web-pool")["healthmonitors"][0]["id"],
                         hm["id"])
        self.assertEqual(self.ok_json("lb", "list", "--name", "web")["loadbalancers"][0]["id"], lb_id)

        # The status tree, indented: lb, listener, pool, monitor, three members.
        tree = self.ok("lb", "status", "web").splitlines()
        self.assertEqual([row.split()[0] for row in tree],
                         ["resource", "loadbalancer", "listener", "pool", "healthmonitor", "member", "member", "member"])
        self.assertTrue(tree[5].startswith("      member   "), tree)
        self.assertEqual(self.ok_json("lb", "status", lb_id)["statuses"]["loadbalancer"]["id"], lb_id)

        # show by name or id; the table shows id first.
        shown = self.ok("lb", "show", "web").splitlines()
        self.assertEqual(shown[0].split(), ["field", "value"])
        self.assertEqual(shown[1].split(), ["id", lb_id])
        self.assertEqual(self.ok_json("member", "show", "--pool", "web-pool", "m2")["member"]["id"], members[1]["id"])
        self.assertEqual(self.ok_json("listener", "show", listener["id"])["listener"]["name"], "web-80")

        # set: the controller has the change; the line names the revision.
        out = self.ok("member", "set", "--pool", "web-pool", "m1", "--weight", "7", "--disable", "--backup", "true")
        self.assertRegex(out.splitlines()[0], r"^updated member %s \(revision \d+\)$" % members[0]["id"])
        _, _, body = self.api("GET", f"/v2/lbaas/pools/{pool['id']}/members/{members[0]['id']}")
        self.assertEqual((body["member"]["weight"], body["member"]["admin_state_up"], body["member"]["backup"]),
                         (7, False, True))
        self.ok("lb", "set", "web", "--description", "front door")
        self.ok("listener", "set", "web-80", "--connection-limit", "5")
        self.ok("pool", "set", "web-pool", "--lb-algorithm", "SOURCE_IP")
        self.ok("healthmonitor", "set", "hc", "--delay", "10")
        self.assertEqual(self.api("GET", f"/v2/lbaas/loadbalancers/{lb_id}")[2]["loadbalancer"]["description"],
                         "front door")
        self.assertEqual(self.api("GET", f"/v2/lbaas/listeners/{listener['id']}")[2]["listener"]["connection_limit"], 5)
        self.assertEqual(self.api("GET", f"/v2/lbaas/pools/{pool['id']}")[2]["pool"]["lb_algorithm"], "SOURCE_IP")
        self.assertEqual(self.api("GET", f"/v2/lbaas/healthmonitors/{hm['id']}")[2]["healthmonitor"]["delay"], 10)
        # none clears a reference.
        self.ok("listener", "set", "web-80", "--default-pool", "none")
        self.assertIsNone(self.api("GET", f"/v2/lbaas/listeners/{listener['id']}")[2]["listener"]["default_pool_id"])
        self.ok("listener", "set", "web-80", "--default-pool", "web-pool")
        self.assertEqual(self.api("GET", f"/v2/lbaas/listeners/{listener['id']}")[2]["listener"]["default_pool_id"],
                         pool["id"])

        # delete each kind; then they are gone.
        out = self.ok("member", "delete", "--pool", "web-pool", "m3")
        self.assertRegex(out, r"^deleted member %s \(revision \d+\)\n$" % members[2]["id"])
        self.assertEqual(self.api("GET", f"/v2/lbaas/pools/{pool['id']}/members/{members[2]['id']}")[0], 404)
        self.ok("healthmonitor", "delete", "hc")
        self.assertEqual(self.api("GET", f"/v2/lbaas/healthmonitors/{hm['id']}")[0], 404)
        self.ok("listener", "delete", "web-80")
        self.assertEqual(self.api("GET", f"/v2/lbaas/listeners/{listener['id']}")[0], 404)
        rc, _, err = self.xlb("lb", "delete", "web")
        self.assertEqual(rc, REJECTED, err)  # a pool is left: needs --cascade
        self.assertTrue(err.startswith("xlb: HTTP 400: "), err)
        self.ok("lb", "delete", "web", "--cascade")
        self.assertEqual(self.api("GET", f"/v2/lbaas/loadbalancers/{lb_id}")[0], 404)
        self.assertEqual(self.api("GET", f"/v2/lbaas/pools/{pool['id']}")[0], 404)
        self.assertEqual(self.ok("lb", "list").splitlines(),
                         ["id  name  vip_address  provisioning_status  operating_status  project_id"])


class Revisions(CliCase):
    def test_list_show_diff_rollback(self):
        lb_id = self.ok_json("lb", "create", "--name", "r", "--vip-address", "198.51.100.20")["loadbalancer"]["id"]
        first = self.api("GET", "/v2/xlb/revisions?limit=1", token=ADMIN)[2]["revisions"][0]["revision"]
        self.ok("lb", "set", "r", "--name", "renamed")

        listed = self.ok_json("revision", "list", token=ADMIN)["revisions"]
        self.assertEqual([r["revision"] for r in listed[:2]], [first + 1, first])
        self.assertEqual(listed[0]["actor"], "alice")
        # Paging through small pages gives the same list.
        self.assertEqual(self.ok_json("revision", "list", "--page-size", "1", token=ADMIN)["revisions"], listed)
        table = self.ok("revision", "list", token=ADMIN).splitlines()
        self.assertEqual(table[0].split(), ["revision", "created_at", "actor", "project_id", "summary", "rollback_of"])

        shown = self.ok("revision", "show", str(first + 1), token=ADMIN)
        self.assertIn(f"update  loadbalancer  {lb_id}  name r -> renamed", shown)
        shown_json = self.ok_json("revision", "show", str(first + 1), token=ADMIN)["revision"]
        self.assertEqual(shown_json["revision"], first + 1)
        self.assertIn("state", shown_json)

        diff = self.ok_json("revision", "diff", str(first + 1), token=ADMIN)["diff"]
        self.assertEqual([(d["action"], d["id"]) for d in diff], [("update", lb_id)])
        self.assertEqual(diff[0]["fields"]["name"], {"before": "r", "after": "renamed"})
        # Between two revisions: from `first` (created) to first+1 (renamed), and backwards.
        between = self.ok_json("revision", "diff", str(first), str(first + 1), token=ADMIN)["diff"]
        self.assertEqual(between[0]["fields"]["name"], {"before": "r", "after": "renamed"})
        self.assertIn(f"update  loadbalancer  {lb_id}  name renamed -> r",
                      self.ok("revision", "diff", str(first + 1), str(first), token=ADMIN))

        out = self.ok("revision", "rollback", str(first), token=ADMIN)
        self.assertEqual(out, f"revision {first + 2}: rollback to revision {first}\n")
        self.assertEqual(self.ok("revision", "diff", str(first), str(first + 2), token=ADMIN), "no changes\n")
        self.assertEqual(self.api("GET", f"/v2/lbaas/loadbalancers/{lb_id}")[2]["loadbalancer"]["name"], "r")

        self.fails(AUTH, "HTTP 403: Revisions and rollback need the admin role", "revision", "list")
        self.fails(NOT_FOUND, "HTTP 404: Revision 99999 could not be found.", "revision", "show", "99999",
                   token=ADMIN)
        self.fails(LOCAL, "revision: expected a number, got 'x'", "revision", "rollback", "x", token=ADMIN)


class Errors(CliCase):
    def test_bad_token_is_exit_5_with_the_faultstring(self):
        self.fails(AUTH, "HTTP 401: The X-Auth-Token is not valid", "lb", "list", token="not-a-token-at-all")
        self.fails(AUTH, "HTTP 401: Authentication required: send an X-Auth-Token header", "lb", "list", token=None)

    def test_unknown_name_and_other_projects_resources(self):
        self.fails(NOT_FOUND, "no load balancer is named 'nope' or has that id", "lb", "show", "nope")
        self.ok("lb", "create", "--name", "alices", "--vip-address", "198.51.100.30")
        # Bob cannot find Alice's load balancer by name either.
        self.fails(NOT_FOUND, "no load balancer is named 'alices' or has that id", "lb", "show", "alices", token=BOB)
        self.fails(NOT_FOUND, "no pool is named 'nopool' or has that id", "member", "list", "--pool", "nopool")

    def test_ambiguous_name(self):
        a = self.ok_json("lb", "create", "--name", "twin", "--vip-address", "198.51.100.40")["loadbalancer"]["id"]
        b = self.ok_json("lb", "create", "--name", "twin", "--vip-address", "198.51.100.41")["loadbalancer"]["id"]
        self.fails(LOCAL, f"2 load balancers are named 'twin': give the id ({a}, {b})", "lb", "show", "twin")
        self.assertEqual(self.ok_json("lb", "show", b)["loadbalancer"]["vip_address"], "198.51.100.41")

    def test_api_refusals_carry_status_and_faultstring(self):
        self.ok("lb", "create", "--name", "c", "--vip-address", "198.51.100.50")
        rc, _, err = self.xlb("lb", "create", "--name", "c2", "--vip-address", "198.51.100.50")
        self.assertEqual(rc, CONFLICT, err)
        self.assertTrue(err.startswith("xlb: HTTP 409: "), err)
        self.ok("listener", "create", "--loadbalancer", "c", "--protocol", "TCP", "--port", "81")
        self.fails(REJECTED, "HTTP 400: Listener protocol HTTP needs the L7 tier, which this deployment does not "
                             "have yet: use TCP or UDP",
                   "listener", "create", "--loadbalancer", "c", "--protocol", "HTTP", "--port", "82")

    def test_local_mistakes_send_nothing(self):
        self.fails(LOCAL, "--port is required", "member", "create", "--pool", "x", "--address", "10.0.0.1",
                   endpoint="http://127.0.0.1:1")
        self.fails(LOCAL, "--weight: expected a whole number, got 'heavy'", "member", "set", "--pool", "x", "m",
                   "--weight", "heavy", endpoint="http://127.0.0.1:1")
        self.fails(LOCAL, "endpoint ftp://x: must start with http:// (from --endpoint)", "lb", "list",
                   endpoint="ftp://x")
        rc, _, err = self.xlb("lb", "frobnicate")
        self.assertEqual(rc, USAGE, err)

    def test_controller_down(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.fails(UNREACHABLE, f"cannot reach xlb-controller at http://127.0.0.1:{port}: connection refused "
                                "(is xlb-controller running there?)", "lb", "list", endpoint=f"http://127.0.0.1:{port}")

    def test_not_the_api(self):
        with FakeServer({"/v2/lbaas/loadbalancers": (200, "text/html", b"<html>hello</html>")}) as fake:
            self.fails(BAD_ANSWER, f"http://127.0.0.1:{fake.port} answered HTTP 200 with a body that is not the "
                                   "API's JSON (is this xlb-controller?): <html>hello</html>",
                       "lb", "list", endpoint=f"http://127.0.0.1:{fake.port}")


class EndpointAndToken(CliCase):
    def test_environment_and_config_file_and_precedence(self):
        self.ok("lb", "create", "--name", "where", "--vip-address", "198.51.100.60")
        env = {"XLB_ENDPOINT": self.endpoint, "XLB_TOKEN": ALICE}
        names = [x["name"] for x in json.loads(self.ok("lb", "list", "--json", endpoint=None, token=None, env=env))
                 ["loadbalancers"]]
        self.assertEqual(names, ["where"])

        config = os.path.join(self.tmp.name, "cli.yaml")
        with open(config, "w") as f:
            f.write(f"endpoint: {self.endpoint}\ntoken: {BOB}\n")
        # Bob (from the file) sees none of Alice's.
        out = self.ok("lb", "list", "--json", "--cli-config", config, endpoint=None, token=None)
        self.assertEqual(json.loads(out)["loadbalancers"], [])
        # The environment beats the file; a flag beats the environment.
        out = self.ok("lb", "list", "--json", "--cli-config", config, endpoint=None, token=None,
                      env={"XLB_TOKEN": ALICE})
        self.assertEqual(len(json.loads(out)["loadbalancers"]), 1)
        rc, _, err = self.xlb("lb", "list", endpoint=None, token=ALICE, env={"XLB_ENDPOINT": "http://127.0.0.1:1"})
        self.assertEqual(rc, UNREACHABLE, err)
        self.ok("lb", "list", token=ALICE, env={"XLB_ENDPOINT": "http://127.0.0.1:1"})

        # The default file under XDG_CONFIG_HOME.
        with open(os.path.join(self.config_home, "xlb", "cli.yaml"), "w") as f:
            f.write(f"endpoint: {self.endpoint}\ntoken: {ALICE}\n")
        try:
            self.assertEqual(len(self.ok_json("lb", "list", endpoint=None, token=None)["loadbalancers"]), 1)
            with open(os.path.join(self.config_home, "xlb", "cli.yaml"), "w") as f:
                f.write("endpoint: [oops\n")
            rc, _, err = self.xlb("lb", "list", endpoint=None, token=None)
            self.assertEqual(rc, LOCAL)
            self.assertTrue(err.startswith("xlb: " + os.path.join(self.config_home, "xlb", "cli.yaml") + ":"), err)
        finally:
            os.unlink(os.path.join(self.config_home, "xlb", "cli.yaml"))


class QuotaCommands(CliCase):
    def test_show_set_list_delete(self):
        self.assertEqual(self.ok_json("quota", "show")["quota"]["member"], -1)  # the defaults
        out = self.ok("quota", "set", "project-b", "--member", "3", "--loadbalancer", "1", token=ADMIN)
        self.assertEqual(out.splitlines()[1:3], ["loadbalancer   1", "listener       -1"])
        self.assertEqual(self.api("GET", "/v2/lbaas/quotas/project-b", token=ADMIN)[2]["quota"]["member"], 3)
        self.assertEqual(self.ok_json("quota", "list", token=ADMIN)["quotas"][0]["project_id"], "project-b")
        self.ok("quota", "set", "project-b", "--member", "default", token=ADMIN)
        self.assertEqual(self.api("GET", "/v2/lbaas/quotas/project-b", token=ADMIN)[2]["quota"]["member"], -1)
        self.fails(AUTH, "HTTP 403: Policy does not allow this request to be performed.", "quota", "set", "project-b",
                   "--member", "9")
        self.fails(LOCAL, "--pool: expected a whole number or default, got 'lots'", "quota", "set", "project-b",
                   "--pool", "lots", token=ADMIN)
        # Bob's second load balancer is over his quota: 403 and the fault.
        self.ok("lb", "create", "--vip-address", "198.51.100.70", token=BOB)
        self.fails(AUTH, "HTTP 403: Quota has been met for resources: Load Balancer", "lb", "create",
                   "--vip-address", "198.51.100.71", token=BOB)
        self.assertEqual(self.ok("quota", "delete", "project-b", token=ADMIN),
                         "quotas of project-b reset to the defaults\n")
        self.assertEqual(self.ok_json("quota", "list", token=ADMIN)["quotas"], [])


class StatsCommands(CliCase):
    def test_lb_and_listener_stats_by_name(self):
        self.ok("lb", "create", "--name", "counted", "--vip-address", "198.51.100.72")
        self.ok("listener", "create", "--name", "counted-web", "--loadbalancer", "counted", "--protocol", "TCP",
                "--port", "80")
        lb_id = self.ok_json("lb", "show", "counted")["loadbalancer"]["id"]
        listener_id = self.ok_json("listener", "show", "counted-web")["listener"]["id"]
        self.assertEqual(self.ok_json("lb", "stats", "counted"),
                         self.api("GET", f"/v2/lbaas/loadbalancers/{lb_id}/stats")[2])
        self.assertEqual(self.ok_json("listener", "stats", "counted-web"),
                         self.api("GET", f"/v2/lbaas/listeners/{listener_id}/stats")[2])
        self.assertEqual(self.ok("lb", "stats", "counted").splitlines(), [
            "field               value", "bytes_in            0", "bytes_out           0", "active_connections  0",
            "total_connections   0", "request_errors      0"])
        self.fails(NOT_FOUND, "no load balancer is named 'not-there' or has that id", "lb", "stats", "not-there")


class FakeServer:
    """A tiny HTTP server answering fixed paths: {path: (status, content type, body bytes)}."""

    def __init__(self, routes):
        self.routes = routes
        self.tokens = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.tokens.append(self.headers.get("X-Auth-Token"))
                status, ctype, body = outer.routes.get(self.path, (404, "application/json", b'{"faultcode": '
                                                       b'"Client", "faultstring": "No such resource", "debuginfo": null}'))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


AGENTS = {"agents": [
    {"name": "l4-a", "role": "l4", "group": "default", "capabilities": ["TCP", "UDP", "IPv6"], "version": "0.7.0",
     "address": "198.18.0.2", "applied_revision": 12, "last_seen": "2026-12-02T01:00:00", "status": "ONLINE"},
    {"name": "l4-b", "role": "l4", "group": "edge", "capabilities": ["TCP"], "version": "0.7.0",
     "address": "198.18.0.3", "applied_revision": None, "last_seen": "2026-12-02T00:59:00", "status": "OFFLINE",
     "error": "apply failed: no such interface"},
]}


class AgentList(CliCase):
    def test_renders_what_the_controller_reports(self):
        body = json.dumps(AGENTS).encode()
        with FakeServer({"/v2/xlb/agents": (200, "application/json", body)}) as fake:
            ep = f"http://127.0.0.1:{fake.port}"
            self.assertEqual(self.ok_json("agent", "list", endpoint=ep, token=ADMIN), AGENTS)
            table = self.ok("agent", "list", endpoint=ep, token=ADMIN)
            self.assertEqual(fake.tokens, [ADMIN, ADMIN])
        self.assertEqual(table.splitlines(), [
            "name  role  group    capabilities  version  address     applied_revision  last_seen            status   error",
            "l4-a  l4    default  TCP,UDP,IPv6  0.7.0    198.18.0.2  12                2026-12-02T01:00:00  ONLINE   -",
            "l4-b  l4    edge     TCP           0.7.0    198.18.0.3  -                 2026-12-02T00:59:00  OFFLINE  apply "
            "failed: no such interface",
        ])


def main():
    global XLB
    args = sys.argv[1:]
    for flag in ("--controller", "--xlb"):
        i = args.index(flag)
        if flag == "--controller":
            capi.CONTROLLER = args[i + 1]
        else:
            XLB = args[i + 1]
        del args[i:i + 2]
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()
