#!/usr/bin/env python3
"""Keeps docs/openapi.yaml honest: it parses, every $ref resolves, it lists
exactly the routes this test knows the controller serves, and the running
controller serves each documented path and method (Octavia paths under both
/v2/lbaas and /v2.0/lbaas) and answers 405 to the methods not documented.

Usage: openapi_test.py --controller build/src/controller/xlb-controller --spec docs/openapi.yaml
"""
import os
import sys
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import controller_api_test as capi  # noqa: E402

SPEC = None
METHODS = {"get", "post", "put", "delete", "patch"}

# What the controller routes today (src/controller/api.cpp). A new route
# goes here and into docs/openapi.yaml together.
KNOWN_ROUTES = {("/", "get")}
for plural, item in [("loadbalancers", "{loadbalancer_id}"), ("listeners", "{listener_id}"), ("pools", "{pool_id}"),
                     ("healthmonitors", "{healthmonitor_id}"), ("pools/{pool_id}/members", "{member_id}")]:
    KNOWN_ROUTES |= {(f"/v2/lbaas/{plural}", "get"), (f"/v2/lbaas/{plural}", "post")}
    KNOWN_ROUTES |= {(f"/v2/lbaas/{plural}/{item}", m) for m in ("get", "put", "delete")}
KNOWN_ROUTES |= {("/v2/lbaas/loadbalancers/{loadbalancer_id}/stats", "get"),
                 ("/v2/lbaas/listeners/{listener_id}/stats", "get")}
KNOWN_ROUTES |= {("/v2/lbaas/loadbalancers/{loadbalancer_id}/status", "get"), ("/v2/xlb/revisions", "get"),
                 ("/v2/xlb/revisions/{revision}", "get"), ("/v2/xlb/rollback", "post"),
                 ("/v2/lbaas/quotas", "get"), ("/v2/lbaas/quotas/defaults", "get")}
KNOWN_ROUTES |= {("/v2/lbaas/quotas/{project_id}", m) for m in ("get", "put", "delete")}
KNOWN_ROUTES |= {("/v2.0/subnets", "get"), ("/v2.0/subnets/{subnet_id}", "get")}
KNOWN_ROUTES |= {("/v2/xlb/agents", "get"), ("/v2/xlb/agents/{name}/desired", "get"),
                 ("/v2/xlb/agents/{name}/status", "put")}
KNOWN_ROUTES |= {("/v2/xlb/agents/{name}", m) for m in ("get", "put", "delete")}


def load():
    with open(SPEC) as f:
        return yaml.safe_load(f)


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


class OpenApiFile(unittest.TestCase):
    def test_parses_and_every_ref_resolves(self):
        doc = load()
        self.assertEqual(doc["openapi"][:2], "3.")
        for ref in refs(doc):
            self.assertTrue(ref.startswith("#/"), ref)
            node = doc
            for part in ref[2:].split("/"):
                self.assertIn(part, node, ref)
                node = node[part]

    def test_documents_exactly_the_known_routes(self):
        documented = {(p, m) for p, ops in load()["paths"].items() for m in ops if m in METHODS}
        self.assertEqual(documented - KNOWN_ROUTES, set(), "documented but not served")
        self.assertEqual(KNOWN_ROUTES - documented, set(), "served but not documented")


class OpenApiAgainstController(capi.ApiCase):
    def setUp(self):
        lb = self.req("POST", "/v2/lbaas/loadbalancers", {"loadbalancer": {"vip_address": "198.51.100.90"}},
                      token=capi.ADMIN)[2]["loadbalancer"]
        self.pool_id = self.req("POST", "/v2/lbaas/pools", {"pool": {"loadbalancer_id": lb["id"], "protocol": "TCP",
                                "lb_algorithm": "SOURCE_IP"}}, token=capi.ADMIN)[2]["pool"]["id"]

    def concrete(self, path):
        # Unknown ids: the controller must answer "could not be found", not
        # "No such resource"; members need a real pool to reach their routes.
        if "/members" in path:
            path = path.replace("{pool_id}", self.pool_id)
        return (path.replace("{revision}", "1").replace("{name}", "agent-openapi").replace("{project_id}", "project-openapi")
                .replace("{subnet_id}", "00000000-0000-4000-8000-000000000006").replace("{pool_id}", "00000000-0000-4000-8000-000000000001")
                .replace("{loadbalancer_id}", "00000000-0000-4000-8000-000000000002")
                .replace("{listener_id}", "00000000-0000-4000-8000-000000000003")
                .replace("{healthmonitor_id}", "00000000-0000-4000-8000-000000000004")
                .replace("{member_id}", "00000000-0000-4000-8000-000000000005"))

    def test_every_documented_operation_is_served_and_others_are_405(self):
        checked = 0
        for path, ops in load()["paths"].items():
            prefixes = [path]
            if path.startswith("/v2/lbaas/"):
                prefixes.append("/v2.0/lbaas/" + path[len("/v2/lbaas/"):])
            for p in prefixes:
                target = self.concrete(p)
                for method in ("GET", "POST", "PUT", "DELETE"):
                    body = {} if method in ("POST", "PUT") else None
                    status, _, reply = self.req(method, target, body, token=capi.ADMIN)
                    if method.lower() in ops:
                        self.assertNotEqual(status, 405, f"{method} {target}")
                        fault = (reply or {}).get("faultstring", "") if isinstance(reply, dict) else ""
                        self.assertFalse(fault.startswith("No such resource"), f"{method} {target}: {fault}")
                        checked += 1
                    else:
                        self.assertEqual(status, 405, f"{method} {target} is not documented: {reply}")
        self.assertGreater(checked, 30)


def main():
    global SPEC
    args = sys.argv[1:]
    i = args.index("--controller")
    capi.CONTROLLER = args[i + 1]
    del args[i:i + 2]
    i = args.index("--spec")
    SPEC = args[i + 1]
    del args[i:i + 2]
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()
