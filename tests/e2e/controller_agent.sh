#!/usr/bin/env bash
# e2e: xlb-controller + one L4 agent in controller mode + the lab's backends. The load
# balancer is made and changed with the xlb CLI, as the tutorial does; the data plane
# follows each change (weights, members, a rollback), the load balancer reaches
# ACTIVE/ONLINE, the controller's /stats equal the node's counters, allowed_cidrs is
# enforced, and killing the
# controller, then the agent, loses nothing.
# Placement refusals (a UDP listener with no UDP group) are in tests/api/agents_api_test.py;
# here a UDP listener lands on the node that advertises UDP, not on a TCP-only one.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

XLB_CONTROLLER="$XLB_BUILD_DIR/src/controller/xlb-controller"
ADMIN_TOKEN=e2e-admin-token-00000001
AGENT_TOKEN=e2e-agent-token-00000002
TCP_AGENT_TOKEN=e2e-agent-token-00000003
API=http://127.0.0.1:9876

lab_skip_unless_root_and_netns
lab_xlb_check_binaries || e2e_fail "xlb binaries missing in XLB_BUILD_DIR=$XLB_BUILD_DIR"
[[ -x "$XLB_CONTROLLER" ]] || e2e_fail "$XLB_CONTROLLER missing"
lab_install_trap
lab_up || e2e_fail "could not build the lab"
lab_xlb_prepare_backends || e2e_fail "could not prepare the backends"

# cli ARGS... — the xlb CLI as the admin, endpoint and token from the environment.
cli() {
    lab_exec l4 env XLB_ENDPOINT="$API" XLB_TOKEN="$ADMIN_TOKEN" "$XLB_CLI" "$@"
}
# field JSON KEY... — one value out of a JSON document.
field() {
    "$LAB_PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}

cat >"$LAB_DIR/tokens.yaml" <<EOF2
tokens:
  - {token: $ADMIN_TOKEN, name: ops, project_id: operators, roles: [admin]}
  - {token: $AGENT_TOKEN, name: l4, project_id: operators, roles: [agent]}
  - {token: $TCP_AGENT_TOKEN, name: l4-tcp, project_id: operators, roles: [agent]}
EOF2
chmod 600 "$LAB_DIR/tokens.yaml"
printf '%s\n' "$AGENT_TOKEN" >"$LAB_DIR/agent.token"
chmod 600 "$LAB_DIR/agent.token"

start_controller() {
    rm -f "$LAB_DIR/controller.ready"
    lab_bg l4 controller "$XLB_CONTROLLER" --listen 127.0.0.1:9876 --db "$LAB_DIR/controller.db" \
        --tokens "$LAB_DIR/tokens.yaml" --ready-file "$LAB_DIR/controller.ready"
    controller_pid=$LAB_LAST_PID
    lab_wait_for 30 test -e "$LAB_DIR/controller.ready" || e2e_fail "the controller did not start"
}

# The node's own settings only: the VIPs come from the controller. on_exit: keep lets the
# agent restart under traffic.
lab_xlb_write_config
sed -i -e '/^vips:/,$d' -e '/^node:/a\  on_exit: keep' "$LAB_XLB_CONFIG"

start_agent() {
    rm -f "$LAB_AGENT_READY"
    lab_bg l4 agent "$XLB_AGENT" --config "$LAB_XLB_CONFIG" --ready-file "$LAB_AGENT_READY" \
        --controller "$API" --token-file "$LAB_DIR/agent.token" --name l4 --group lab \
        --capabilities TCP UDP IPv6 --state-file "$LAB_DIR/desired.json" --poll-wait 5 --report-interval 1
    agent_pid=$LAB_LAST_PID
    lab_wait_for 60 test -e "$LAB_AGENT_READY" || e2e_fail "the agent did not start: $(tail -5 "$LAB_DIR/agent.log")"
}

# web_vip EXPR — the value of EXPR, Python over `v`, the web VIP's entry in `xlb l4 show --json`.
web_vip() {
    local json
    json=$(lab_xlb_show_json) || return 1
    "$LAB_PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
for v in d.get("vips", []):
    if v["address"] == sys.argv[2] and v["port"] == 80 and v["protocol"] == "tcp":
        print(eval(sys.argv[3]))
' "$json" "$LAB_VIP4" "$1"
}
# backends_now — "address:weight:state" of the web VIP's backends in the data plane, sorted.
backends_now() {
    web_vip '" ".join(sorted("%s:%s:%s" % (b["address"], b["weight"], b["state"]) for b in v["backends"]))'
}
# node_web_counters — "bytes new_flows request_errors" of the web VIP in the data plane.
node_web_counters() {
    web_vip '"%d %d %d" % (v["bytes"], v["new_flows"], v["rate_limited"] + v["no_backend"] + v["acl_denied"])'
}
backends_are() { [[ "$(backends_now)" == "$1" ]]; }
wait_backends() {
    lab_wait_for 60 backends_are "$1" || e2e_fail "$2: the data plane has '$(backends_now)', expected '$1'"
}
lb_status() { field "$(cli lb show --json web)" loadbalancer "$1"; }
lb_is() { [[ "$(lb_status provisioning_status)/$(lb_status operating_status)" == "$1" ]]; }

start_controller
start_agent

e2e_log "creating a load balancer with three members and a health monitor"
lb=$(field "$(cli lb create --json --name web --vip-address "$LAB_VIP4")" loadbalancer id)
cli listener create --name web-80 --loadbalancer web --protocol TCP --port 80 >/dev/null
cli pool create --name web-pool --listener web-80 --protocol TCP --lb-algorithm SOURCE_IP_PORT >/dev/null
for i in 0 1 2; do
    cli member create --pool web-pool --name "b$i" --address "${LAB_BE_ADDRS4[$i]}" --port 80 >/dev/null
done
cli healthmonitor create --pool web-pool --type HTTP --delay 1 --timeout 1 --max-retries 1 --url-path / >/dev/null
three=$(field "$(cli revision list --json)" revisions 0 revision)
wait_backends "198.18.11.2:1:active 198.18.12.2:1:active 198.18.13.2:1:active" "after creating"
lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
    || e2e_fail "the VIP does not answer through xlb"
lab_http_many client 30 "http://$LAB_VIP4/" >"$LAB_DIR/first.txt"
(( $(e2e_errors "$LAB_DIR/first.txt") == 0 )) || e2e_fail "requests through the VIP failed"
lab_wait_for 60 lb_is ACTIVE/ONLINE || e2e_fail "the load balancer is $(lb_status provisioning_status)/$(lb_status operating_status), not ACTIVE/ONLINE"
e2e_log "ACTIVE/ONLINE at revision $three; HTTP through the VIP works"

# controller_web_counters — the same three as the controller's /stats of the listener tells them.
controller_web_counters() {
    local stats
    stats=$(cli listener stats --json web-80) || return 1
    echo "$(field "$stats" stats bytes_in) $(field "$stats" stats total_connections) $(field "$stats" stats request_errors)"
}
stats_agree() {
    local node
    node=$(node_web_counters) && [[ -n "$node" && "$(controller_web_counters)" == "$node" ]]
}
e2e_log "/stats: the controller's counters equal the node's once the agent has reported"
lab_wait_for 30 stats_agree || e2e_fail "listener stats '$(controller_web_counters)' != the node's '$(node_web_counters)'"
read -r web_bytes web_flows _ <<<"$(node_web_counters)"
# 31 connections at least (the first curl and 30 more); SYN retransmissions may add some.
(( web_flows >= 31 && web_bytes > 0 )) || e2e_fail "the node counted $web_flows new flows and $web_bytes bytes"
lb_stats=$(cli lb stats --json web)
[[ "$(field "$lb_stats" stats total_connections) $(field "$lb_stats" stats bytes_out)" == "$web_flows 0" ]] \
    || e2e_fail "load balancer stats $lb_stats, expected the listener's $web_flows flows"
e2e_log "stats: $web_flows connections, $web_bytes bytes in, the same at the node and the controller"

e2e_log "allowed_cidrs: the listener refuses sources outside its list, and counts them"
acl_is() { [[ "$(web_vip '",".join(v["allowed_cidrs"])')" == "$1" ]]; }
cli listener set web-80 --allowed-cidrs 203.0.113.0/24 >/dev/null
lab_wait_for 60 acl_is 203.0.113.0/24 || e2e_fail "the allow-list did not reach the data plane: '$(web_vip 'v["allowed_cidrs"]')'"
denied_before=$(web_vip 'v["acl_denied"]')
if lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/"; then
    e2e_fail "the client ($LAB_CLIENT4) got through a listener that allows only 203.0.113.0/24"
fi
(( $(web_vip 'v["acl_denied"]') > denied_before )) || e2e_fail "the refused SYNs were not counted as acl_denied"
cli listener set web-80 --allowed-cidrs "$LAB_CLIENT4/32,203.0.113.0/24" >/dev/null
lab_wait_for 60 acl_is "$LAB_CLIENT4/32,203.0.113.0/24" || e2e_fail "the widened allow-list did not reach the data plane"
lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
    || e2e_fail "the client is in the allow-list but is refused"
cli listener set web-80 --allowed-cidrs "" >/dev/null
lab_wait_for 60 acl_is "" || e2e_fail "the cleared allow-list is still in the data plane"

e2e_log "weight 5 for the first member, the third one removed"
cli member set --pool web-pool b0 --weight 5 >/dev/null
cli member delete --pool web-pool b2 >/dev/null
wait_backends "198.18.11.2:5:active 198.18.12.2:1:active" "after a weight change and a removal"
lab_wait_for 60 lb_is ACTIVE/ONLINE || e2e_fail "not ACTIVE/ONLINE after the changes"

e2e_log "rolling back to revision $three"
cli revision rollback "$three" >/dev/null
wait_backends "198.18.11.2:1:active 198.18.12.2:1:active 198.18.13.2:1:active" "after the rollback"

e2e_log "killing the controller (SIGKILL); the data plane stays as it is"
kill -KILL "$controller_pid"
lab_http_many client 10 "http://$LAB_VIP4/" >"$LAB_DIR/no_controller.txt"
(( $(e2e_errors "$LAB_DIR/no_controller.txt") == 0 )) || e2e_fail "requests failed while the controller was down"
lab_wait_for 30 grep -q 'event=controller_unreachable' "$LAB_DIR/agent.log" || e2e_fail "the agent did not notice"
start_controller
cli member delete --pool web-pool b1 >/dev/null
wait_backends "198.18.11.2:1:active 198.18.13.2:1:active" "after the controller restart"
flows_now=$(field "$(cli lb stats --json web)" stats total_connections)
(( flows_now >= web_flows )) || e2e_fail "the controller restart lost counts: $flows_now < $web_flows connections"

e2e_log "restarting the agent (on_exit: keep) while the controller changes"
kill -TERM "$agent_pid"
lab_wait_for 30 grep -q 'on_exit: keep' "$LAB_DIR/agent.log" || e2e_fail "the agent did not stop"
cli member create --pool web-pool --name b1 --address "${LAB_BE_ADDRS4[1]}" --port 80 --weight 3 >/dev/null
start_agent
grep -q 'event=desired_restored' "$LAB_DIR/agent.log" || e2e_fail "the agent did not restore its saved state"
wait_backends "198.18.11.2:1:active 198.18.12.2:3:active 198.18.13.2:1:active" "after the agent restart"
lab_http_many client 10 "http://$LAB_VIP4/" >"$LAB_DIR/after.txt"
(( $(e2e_errors "$LAB_DIR/after.txt") == 0 )) || e2e_fail "requests failed after the agent restart"
lab_wait_for 60 lb_is ACTIVE/ONLINE || e2e_fail "not ACTIVE/ONLINE after the restarts"

e2e_log "b2 as a backup: it stands by while b0 and b1 serve, and takes over when both are disabled"
cli member set --pool web-pool b2 --backup true >/dev/null
wait_backends "198.18.11.2:1:active 198.18.12.2:3:active 198.18.13.2:1:draining" "with b2 a backup"
cli member set --pool web-pool b0 --disable >/dev/null
cli member set --pool web-pool b1 --disable >/dev/null
wait_backends "198.18.11.2:0:down 198.18.12.2:0:down 198.18.13.2:1:active" "with only the backup left"
lab_http_many client 10 "http://$LAB_VIP4/" >"$LAB_DIR/backup.txt"
(( $(e2e_count backend=be3 "$LAB_DIR/backup.txt") == 10 )) \
    || e2e_fail "the backup did not serve every request: $(sort "$LAB_DIR/backup.txt" | uniq -c | tr '\n' ' ')"

e2e_log "a UDP listener lands only on a node that advertises UDP"
# A second node group, tcp-only, whose one agent serves TCP only. The lab has one L4
# node, so this agent only registers (over the API) and is asked for its desired state.
tcp_agent() { lab_exec l4 curl -sS --max-time 10 -H "X-Auth-Token: $TCP_AGENT_TOKEN" "$@"; }
code=$(tcp_agent -o /dev/null -w '%{http_code}' -X PUT "$API/v2/xlb/agents/l4-tcp" \
    -d '{"agent": {"role": "l4", "group": "tcp-only", "capabilities": ["TCP"]}}')
[[ "$code" == 200 ]] || e2e_fail "the TCP-only agent could not register: HTTP $code"
placement() {
    local newest
    newest=$(field "$(cli revision list --json)" revisions 0 revision)
    field "$(cli revision show --json "$newest")" revision state loadbalancers "$1" placement_group
}
dns=$(field "$(cli lb create --json --name dns --vip-address "$LAB_VIP4_ALT")" loadbalancer id)
# Empty, it goes to the group with the fewest load balancers: tcp-only.
[[ "$(placement "$dns")" == tcp-only ]] || e2e_fail "the new load balancer is on '$(placement "$dns")', not tcp-only"
udp=$(field "$(cli listener create --json --loadbalancer dns --protocol UDP --port "$LAB_UDP_PORT")" listener id)
[[ "$(placement "$dns")" == lab ]] || e2e_fail "with a UDP listener the load balancer is on '$(placement "$dns")', not lab"
udp_on_node() { lab_xlb_vip_packets "$LAB_VIP4_ALT" "$LAB_UDP_PORT" udp >/dev/null; }
lab_wait_for 60 udp_on_node || e2e_fail "the UDP VIP did not reach the data plane of the node that serves UDP"
tcp_only_vips=$(tcp_agent "$API/v2/xlb/agents/l4-tcp/desired?wait=0")
[[ "$tcp_only_vips" == *'"vips":[]'* && "$tcp_only_vips" != *"$udp"* ]] \
    || e2e_fail "the TCP-only node was given VIPs: $tcp_only_vips"
agents=$(cli agent list --json)
[[ "$(field "$agents" agents 0 status)" == ONLINE ]] || e2e_fail "agent not ONLINE: $agents"
e2e_pass "the data plane followed creation, weights, removals, a rollback, both restarts and a backup member"
