"""Live throughput results (bench/live/live.sh output) as benchmark scenarios.

Turns the runs of xlb-bench-live into the results file's scenarios:
live_max_<tcp|udp>_<single|multi>, live_zero_loss_<tcp|udp>_<single|multi>,
live_nft_dnat and live_xdp_tx_floor, each per frame size, in packets per
second forwarded (higher is better). The baseline of each is the floor
forwarder in the L4 node's place: its Max Throughput for the max scenarios
and nftables, its Zero-Packet-Loss rate for the zero-loss ones.
Standard library only; report.py imports it.
"""

import statistics

FLOOR = "live_xdp_tx_floor"
FLOOR_ZERO_LOSS = "live_xdp_tx_floor (zero loss)"
NFT = "live_nft_dnat"

# The targets: forwarding at 80% of the floor's pps or better, and
# at least 4x the nftables load balancer (figures, never assertions).
TARGET_OF_FLOOR = 0.8
TARGET_OVER_NFT = 4.0


def vip_word(vips):
    return "single" if vips == 1 else "multi"


def _stats(values):
    return statistics.median(values), min(values), max(values)


def _index(runs):
    """(node, mode, proto, vips, frame) -> the run's per-run pps list."""
    out = {}
    for r in runs:
        key = (r["node"], r["mode"], r["proto"], r["vips"], r["frame"])
        out[key] = [float(v) for v in r.get("pps", [])]
    return out


def _scenario(name, frame, values, baseline, base_values, extra=None):
    median, lo, hi = _stats(values)
    base = statistics.median(base_values) if base_values else 0.0
    s = {
        "name": name,
        "frame": frame,
        "unit": "pps",
        "median": median,
        "min": lo,
        "max": hi,
        "baseline": baseline,
        "baseline_median": base,
        "ratio": median / base if base else 0.0,
        "bps": {"median": median * frame * 8, "min": lo * frame * 8, "max": hi * frame * 8},
    }
    s.update(extra or {})
    return s


def scenarios(live):
    """The scenarios of a live results object, in report order."""
    idx = _index(live.get("runs", []))
    out = []
    frames = sorted({k[4] for k in idx})
    for frame in frames:
        floor = idx.get(("floor", "max", "tcp", 1, frame))
        floor_zl = idx.get(("floor", "zero-loss", "tcp", 1, frame))
        nft = idx.get(("nft", "max", "tcp", 1, frame))
        for (node, mode, proto, vips, f), values in sorted(idx.items()):
            if node != "xlb" or f != frame or not values:
                continue
            if mode == "max":
                extra = {}
                if nft and proto == "tcp" and vips == 1:
                    extra["over_nft"] = statistics.median(values) / statistics.median(nft)
                out.append(_scenario(f"live_max_{proto}_{vip_word(vips)}", frame, values, FLOOR, floor, extra))
            else:
                out.append(_scenario(f"live_zero_loss_{proto}_{vip_word(vips)}", frame, values,
                                     FLOOR_ZERO_LOSS, floor_zl))
        if nft:
            out.append(_scenario(NFT, frame, nft, FLOOR, floor))
        if floor:
            extra = {"zero_loss": dict(zip(("median", "min", "max"), _stats(floor_zl)))} if floor_zl else {}
            out.append(_scenario(FLOOR, frame, floor, FLOOR, floor, extra))
    return out


def is_live(s):
    return s["name"].startswith("live_")


def _pps(x):
    if x is None:
        return "–"
    return f"{x / 1e6:.3f} M" if x >= 1e5 else f"{x / 1e3:.1f} k"


def _gbps(x):
    return f"{x / 1e9:.2f}"


def markdown(data):
    """The report's section on live throughput (lines), empty without any."""
    live = [s for s in data.get("scenarios", []) if is_live(s)]
    if not live:
        return []
    info = data.get("live", {})
    method = info.get("method", {})
    L = ["## Live throughput in the lab (packets per second forwarded; higher is better)", ""]
    if method:
        L.append(f"- Method: {method.get('how', '')}")
    if info.get("loadavg_before"):
        L.append(f"- Load average before / after the live part: {info.get('loadavg_before')} / "
                 f"{info.get('loadavg_after')}")
    L.append("")
    L.append("| scenario | frame | median | min | max | Gbit/s (median) | baseline | baseline median "
             "| ratio | target |")
    L.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---|")
    for s in live:
        target = "–"
        if s["name"].startswith("live_max_"):
            ok = s["ratio"] >= TARGET_OF_FLOOR
            target = f"≥ {TARGET_OF_FLOOR:.0%} of floor: {'met' if ok else '**missed**'}"
            if "over_nft" in s:
                ok_nft = s["over_nft"] >= TARGET_OVER_NFT
                target += f"; {s['over_nft']:.1f}x nftables (≥ {TARGET_OVER_NFT:.0f}x: " \
                          f"{'met' if ok_nft else '**missed**'})"
        L.append(f"| {s['name']} | {s['frame']} | {_pps(s['median'])} | {_pps(s['min'])} | {_pps(s['max'])} "
                 f"| {_gbps(s['bps']['median']) if 'bps' in s else '–'} | {s['baseline']} "
                 f"| {_pps(s['baseline_median'])} | {s['ratio']:.2f} | {target} |")
    L.append("")
    L.append("ratio: ours ÷ the floor forwarder's figure at the same frame size (Max Throughput against its Max "
             "Throughput, Zero-Packet-Loss against its Zero-Packet-Loss rate). Gbit/s counts the frames the "
             "generator sent (Ethernet header to payload, no FCS, preamble or gap).")
    L.append("")
    return L


def _drop_empty_series(series, rows):
    """gnuplot refuses a series without a single value: leave those out."""
    keep = [i for i in range(len(series)) if any(r[1][i] is not None for r in rows)]
    return [series[i] for i in keep], [(label, [v[i] for i in keep]) for label, v in rows]


def plot_rows(data):
    """Bar chart rows: (file, title, series, rows) for report.py's gnuplot_bars."""
    live = {(s["name"], s["frame"]): s for s in data.get("scenarios", []) if is_live(s)}
    if not live:
        return []
    frames = sorted({f for _, f in live})
    charts = []

    def cell(name, frame):
        s = live.get((name, frame))
        return (s["median"], s["min"], s["max"]) if s else None

    cases = [(p, v) for v in ("single", "multi") for p in ("tcp", "udp")]
    series = [f"xlb {p} {v}" for p, v in cases] + ["floor (XDP redirect)", "nftables DNAT"]
    rows = [(f"{f} B", [cell(f"live_max_{p}_{v}", f) for p, v in cases] + [cell(FLOOR, f), cell(NFT, f)])
            for f in frames]
    charts.append(("live_max.png", "Max Throughput: xlb (TCP, UDP; 1 VIP, 64 VIPs) against the floor and "
                   "nftables", *_drop_empty_series(series, rows)))
    zl_rows = []
    for f in frames:
        floor = live.get((FLOOR, f), {}).get("zero_loss")
        values = [cell(f"live_zero_loss_{p}_{v}", f) for p, v in cases]
        values.append((floor["median"], floor["min"], floor["max"]) if floor else None)
        if any(values):
            zl_rows.append((f"{f} B", values))
    if zl_rows:
        charts.append(("live_zero_loss.png", "Zero-Packet-Loss rate (loss <= 0.0001%): xlb against the floor",
                       *_drop_empty_series([f"xlb {p} {v}" for p, v in cases] + ["floor (XDP redirect)"], zl_rows)))
    return charts
