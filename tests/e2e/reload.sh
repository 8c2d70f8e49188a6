#!/usr/bin/env bash
# e2e: SIGHUP applies only the difference (a backend removed from one VIP stops getting
# new connections, the other VIPs are untouched) and logs it as an event (what, on which
# service, why); a bad file or a restart-only change is refused with the running config
# kept.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

agent=$(lab_pid agent)
cfg="$LAB_XLB_CONFIG"
applied() { grep -c 'event=applied ' "$LAB_DIR/agent.log" || true; }
rejected() { grep -c 'reload rejected' "$LAB_DIR/agent.log" || true; }
# Polled by lab_wait_for, so the count is read anew on every try.
applied_more_than() { (( $(applied) > $1 )); }
rejected_more_than() { (( $(rejected) > $1 )); }

# 1. Remove be3 from the HTTP VIP only.
sed -i '/name: web4/s/, {address: 198.18.13.2}//' "$cfg"
before=$(applied)
kill -HUP "$agent"
lab_wait_for 30 applied_more_than "$before" || e2e_fail "the agent did not apply the new file"
grep -q '0 added, 1 updated, 0 removed, 3 unchanged, 1 rings written' "$LAB_DIR/agent.log" \
    || e2e_fail "reload was not a diff: $(grep applied "$LAB_DIR/agent.log" | tail -1)"
event="event=service_updated service=$LAB_VIP4:$LAB_HTTP_PORT/tcp change=\"backend 198.18.13.2 removed\" cause=reload"
grep -qF -- "$event" "$LAB_DIR/agent.log" \
    || e2e_fail "no '$event' in the log: $(grep 'event=' "$LAB_DIR/agent.log" | tail -5)"
out="$LAB_DIR/after_reload.txt"
lab_http_many client 60 "http://$LAB_VIP4/" >"$out"
(( $(e2e_errors "$out") == 0 )) || e2e_fail "requests failed after reload"
(( $(e2e_count backend=be3 "$out") == 0 )) || e2e_fail "be3 still served new connections after it was removed"
(( $(e2e_count backend=be1 "$out") > 0 && $(e2e_count backend=be2 "$out") > 0 )) || e2e_fail "be1/be2 not both used"
# Read the whole output first: `show | grep -q` lets grep quit early, and under pipefail the
# writer's SIGPIPE would fail the check.
show="$(lab_xlb_show_json)" || e2e_fail "xlb l4 show failed"
grep -q '"address": "198.18.13.2"' <<<"$show" || e2e_fail "be3 vanished from the VIPs that still list it"

# 2. A broken file changes nothing.
cp "$cfg" "$cfg.good"
sed -i 's/198.18.11.2/300.18.11.2/' "$cfg"
before=$(rejected)
kill -HUP "$agent"
lab_wait_for 30 rejected_more_than "$before" || e2e_fail "the bad file was not rejected"
grep -q "is not an IPv4 or IPv6 address" "$LAB_DIR/agent.log" || e2e_fail "the rejection does not say what is wrong"
lab_http_many client 30 "http://$LAB_VIP4/" >"$out"
(( $(e2e_errors "$out") == 0 )) || e2e_fail "requests failed after a rejected reload"
(( $(e2e_count backend=be3 "$out") == 0 )) || e2e_fail "a rejected file changed the running config"

# 3. A load-time setting needs a restart: refused, named.
cp "$cfg.good" "$cfg"
printf 'dataplane:\n  ring_size: 131071\n' >>"$cfg"
before=$(rejected)
kill -HUP "$agent"
lab_wait_for 30 rejected_more_than "$before" || e2e_fail "the restart-only change was not rejected"
grep -q "dataplane.ring_size" "$LAB_DIR/agent.log" || e2e_fail "the rejection does not name dataplane.ring_size"
lab_alive "$agent" || e2e_fail "the agent died"
e2e_pass "diff applied, bad file and restart-only change refused"
