#!/usr/bin/env python3
"""Benchmark results: assemble the results file, check it, render the report.

    report.py assemble [--perpacket PP.json] [--live LIVE.json] --out DIR [--quick] [--against FILE]
        Writes DIR/<date>-<commit>.json and DIR/latest.json (machine, kernel,
        CPU layout, and every scenario), then the report (see `render`).
        PP.json: xlb-bench-perpacket --json; LIVE.json: bench/live/live.sh --out.
    report.py render RESULTS.json --out DIR [--against FILE]
        Writes DIR/report.md and its PNG plots (gnuplot) from a results file.
    report.py check RESULTS.json
        Exits non-zero unless the file has the schema and no invalid scenario,
        and, when the live part ran, live scenarios with frames at the sink
        (what the smoke test asks; never a judgement on a figure).

The report renders the per-packet scenarios grouped by unit, and the live
throughput ones (live_*, see live_results.py) in a section of their own.
Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_results  # noqa: E402  (beside this file)

SCENARIO_KEYS = {
    "name": str,
    "frame": int,
    "unit": str,
    "median": (int, float),
    "min": (int, float),
    "max": (int, float),
    "baseline": str,
    "baseline_median": (int, float),
    "ratio": (int, float),
}
TOP_KEYS = ("machine", "kernel", "cpu_layout", "scenarios")

# The targets, as a ratio to the floor (figures, never assertions).
TARGETS = {
    "v4_tcp_established": 3.0,
    "v4_udp": 3.0,
    "v6_tcp_established": 3.5,
    "v4_tcp_syn_stateless": 3.0,
    "no_vip_pass": 1.5,
}


class Failure(Exception):
    """A problem with the input or the harness: reported, exit status 1."""


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise Failure(f"cannot read {what} {path}: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise Failure(f"{what} {path} is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise Failure(f"{what} {path} is not a JSON object")
    return data


def schema_problems(data):
    """Everything wrong with a results file's shape, as sentences."""
    problems = [f"no '{k}'" for k in TOP_KEYS if k not in data]
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        problems.append("'scenarios' is not a non-empty list")
        return problems
    for i, s in enumerate(scenarios):
        if not isinstance(s, dict):
            problems.append(f"scenario {i} is not an object")
            continue
        for key, kind in SCENARIO_KEYS.items():
            if key not in s:
                problems.append(f"scenario {i} ({s.get('name', '?')}) has no '{key}'")
            elif not isinstance(s[key], kind) or isinstance(s[key], bool):
                problems.append(f"scenario {i} ({s.get('name', '?')}): '{key}' has the wrong type")
    return problems


# ---------------------------------------------------------------- assemble


def git(*args):
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def read_first(path, prefix):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def loadavg():
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return []


def machine(load_before):
    mem = read_first("/proc/meminfo", "MemTotal")
    return {
        "hostname": platform.node(),
        "cpu_model": read_first("/proc/cpuinfo", "model name"),
        "cpus": os.cpu_count(),
        "memory_kib": int(mem.split()[0]) if mem else None,
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }


def assemble(args):
    if not args.perpacket and not args.live:
        raise Failure("assemble needs --perpacket, --live or both")
    pp = load_json(args.perpacket, "per-packet results") if args.perpacket else {}
    live = load_json(args.live, "live results") if args.live else {}
    now = datetime.datetime.now(datetime.timezone.utc)
    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    method = pp.get("method", {})
    cpu = method.get("cpu")
    data = {
        "schema": "xlb-bench/1",
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit,
        "dirty": dirty,
        "quick": args.quick,
        "machine": machine(json.loads(args.load_before) if args.load_before else []),
        "kernel": pp.get("kernel") or platform.release(),
        "cpu_layout": {"cpus": os.cpu_count()},
        "perpacket": {k: pp[k] for k in ("method", "baselines", "wrapper", "stages", "variants") if k in pp},
        "scenarios": pp.get("scenarios", []) + live_results.scenarios(live),
        "invalid": pp.get("invalid", []),
    }
    if pp:
        data["cpu_layout"]["perpacket"] = (
            f"BPF_PROG_TEST_RUN on CPU {cpu}: the benchmark pins itself there and the kernel runs the program on "
            "the calling CPU; nothing else of ours runs meanwhile, but the machine's other work shares every CPU "
            "(see loadavg)")
    if live:
        data["cpu_layout"]["live"] = live.get("layout", {}).get("how", "")
        data["live"] = {k: live[k] for k in ("layout", "method", "loadavg_before", "loadavg_after", "xlb_counters",
                                             "runs") if k in live}
    os.makedirs(args.out, exist_ok=True)
    name = f"{now.strftime('%Y-%m-%d')}-{commit}{'-dirty' if dirty else ''}.json"
    for target in (name, "latest.json"):
        with open(os.path.join(args.out, target), "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
    print(f"results: {os.path.join(args.out, name)} (and latest.json)")
    render_to(data, args.out, args.against)
    return check_data(data)


# ---------------------------------------------------------------- render

LOWER_IS_BETTER_UNITS = ("ns/packet", "ns", "us", "cycles/packet")


def lower_is_better(unit):
    return unit in LOWER_IS_BETTER_UNITS


def spread(s):
    """Run-to-run noise of one scenario: (max - min) / median."""
    return (s["max"] - s["min"]) / s["median"] if s["median"] else 0.0


def wrapper_cost(data, baseline, frame):
    for w in data.get("perpacket", {}).get("wrapper", []):
        if w.get("floor") == baseline and w.get("frame") == frame:
            return w
    return None


def net_ratio(data, s):
    """The ratio with the wrapper's cost taken out of both sides: (ours -
    wrapper cost) / bare floor. None when the file has no wrapper figures."""
    w = wrapper_cost(data, s["baseline"], s["frame"])
    if not w or not w.get("bare_median"):
        return None
    return (s["median"] - w["overhead"]) / w["bare_median"]


def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:.{digits}f}"


def slug(text):
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def key_of(s):
    return (s["name"], s["frame"])


def compare(data, prev):
    """Rows of the comparison with a previous results file."""
    before = {key_of(s): s for s in prev.get("scenarios", []) if isinstance(s, dict) and "name" in s}
    rows = []
    for s in data["scenarios"]:
        p = before.get(key_of(s))
        if not p:
            rows.append((s, None, None, None, "new"))
            continue
        # The ratio to the interleaved floor cancels most of the machine's
        # load and speed; compare that where both files have one.
        use_ratio = bool(s.get("ratio")) and bool(p.get("ratio"))
        now_v, old_v = (s["ratio"], p["ratio"]) if use_ratio else (s["median"], p["median"])
        change = (now_v - old_v) / old_v if old_v else 0.0
        noise = max(spread(s), spread(p))
        # Per-packet cost and its ratio to the floor: lower is better. Live
        # throughput and its share of the floor's: higher is better.
        lower = lower_is_better(s["unit"])
        worse = change > noise if lower else -change > noise
        better = -change > noise if lower else change > noise
        verdict = "**worse**" if worse else ("better" if better else "within noise")
        rows.append((s, p, change, noise, verdict))
    return rows


def gnuplot_bars(path, title, ylabel, rows, series, logscale=False):
    """A clustered bar chart; rows: [(label, [values...])]; a series with
    error bars gives (value, low, high)."""
    dat = path[:-4] + ".dat"
    with open(dat, "w", encoding="utf-8") as f:
        for label, values in rows:
            cells = []
            for v in values:
                cells.extend(v if isinstance(v, tuple) else (v, v, v))
            f.write('"%s" %s\n' % (label, " ".join(fmt(c, 3) if c is not None else "NaN" for c in cells)))
    plots = []
    for i, name in enumerate(series):
        col = 2 + 3 * i
        plots.append(f"'{os.path.basename(dat)}' using {col}:{col + 1}:{col + 2}"
                     f"{':xtic(1)' if i == 0 else ''} title '{name}'")
    script = "\n".join([
        "set terminal pngcairo size 1200,600 noenhanced" if has_pngcairo() else "set terminal png size 1200,600",
        f"set output '{os.path.basename(path)}'",
        f"set title '{title}'",
        f"set ylabel '{ylabel}'",
        "set style data histogram",
        "set style histogram errorbars gap 2 lw 1",
        "set style fill solid 0.6 border -1",
        "set xtics rotate by -35",
        "set bmargin 9",
        "set rmargin 10",
        "set key top left",
        "set grid ytics",
        "set yrange [0:*]" if not logscale else "set logscale y",
        "plot " + ", ".join(plots),
    ])
    run_gnuplot(os.path.dirname(path), script)
    os.remove(dat)


_PNGCAIRO = None


def has_pngcairo():
    global _PNGCAIRO
    if _PNGCAIRO is None:
        out = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        _PNGCAIRO = "pngcairo" in (out.stdout + out.stderr)
    return _PNGCAIRO


def run_gnuplot(cwd, script):
    out = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, cwd=cwd)
    if out.returncode != 0:
        raise Failure(f"gnuplot failed: {out.stderr.strip()}")


def plots(data, out, comparison):
    """PNG files written, as (file, caption)."""
    if not shutil.which("gnuplot"):
        print("report: gnuplot not found (scripts/setup.sh installs gnuplot-nox): no plots", file=sys.stderr)
        return []
    made = []
    by_unit = {}
    perpacket = [s for s in data["scenarios"] if not live_results.is_live(s)]
    for s in perpacket:
        by_unit.setdefault(s["unit"], []).append(s)
    for unit, scenarios in by_unit.items():
        rows = [(f"{s['name']} {s['frame']}B", [(s["median"], s["min"], s["max"]), s["baseline_median"]])
                for s in scenarios]
        name = f"{slug(unit)}.png"
        gnuplot_bars(os.path.join(out, name), f"{unit}: ours (median, min-max) and the floor it is compared with",
                     unit, rows, ["ours", "floor (baseline)"])
        made.append((name, f"{unit}, ours against the baseline of each scenario"))
    rows = [(f"{s['name']} {s['frame']}B", [s["ratio"], net_ratio(data, s), TARGETS.get(s["name"])])
            for s in perpacket]
    if rows:
        gnuplot_bars(os.path.join(out, "ratio.png"), "ratio to the floor (lower is better for per-packet cost)",
                     "x floor", rows, ["ratio (wrapped / wrapped floor)", "net ratio (wrapper cost removed)",
                                       "target"])
        made.append(("ratio.png", "ratio to the floor, with the wrapper's cost and without, and the target"))
    for name, title, series, rows in live_results.plot_rows(data):
        gnuplot_bars(os.path.join(out, name), title, "packets/s forwarded", rows, series)
        made.append((name, title))
    if comparison:
        rows = [(f"{s['name']} {s['frame']}B", [p["ratio"] if p else None, s["ratio"]]) for s, p, *_ in comparison]
        gnuplot_bars(os.path.join(out, "compare.png"), "ratio to the floor: previous run and this one", "x floor",
                     rows, ["previous", "now"])
        made.append(("compare.png", "ratio to the floor, previous run against this one"))
    return made


def render_to(data, out, against):
    prev = load_json(against, "--against file") if against else None
    if prev is not None and schema_problems(prev):
        raise Failure(f"--against file {against} is not a results file: " + "; ".join(schema_problems(prev)))
    comparison = compare(data, prev) if prev is not None else None
    images = plots(data, out, comparison)
    md = report_markdown(data, comparison, against, images)
    path = os.path.join(out, "report.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(md)
    print(f"report: {path}")


def report_markdown(data, comparison, against, images):
    m = data.get("machine", {})
    pp = data.get("perpacket", {})
    method = pp.get("method", {})
    L = []
    L.append(f"# xlb benchmark, {data.get('date', '?')}, commit {data.get('commit', '?')}"
             f"{' (uncommitted changes)' if data.get('dirty') else ''}")
    L.append("")
    L.append(f"- Machine: {m.get('cpu_model', '?')}, {m.get('cpus', '?')} CPUs, "
             f"{round((m.get('memory_kib') or 0) / 1048576)} GiB; kernel {data.get('kernel', '?')}")
    L.append(f"- Load average before / after: {m.get('loadavg_before')} / {m.get('loadavg_after')} "
             "(the machine is shared: other work ran meanwhile)")
    for k, v in data.get("cpu_layout", {}).items():
        if k != "cpus":
            L.append(f"- CPU layout, {k}: {v}")
    if method:
        L.append(f"- Per-packet method: {method.get('runs')} runs x {method.get('repeat'):,} repeats per scenario, "
                 f"median reported; {method.get('duration')}; {method.get('interleaving')}"
                 f"{' (--quick: rough figures)' if data.get('quick') else ''}")
    L.append("- How to read it: docs/benchmarks.md")
    L.append("")
    invalid = data.get("invalid") or []
    if invalid:
        L.append("## INVALID scenarios (not measured: the path was not the one named)")
        L.append("")
        for i in invalid:
            L.append(f"- **{i.get('name')}** ({i.get('frame')} B): {i.get('reason')}")
        L.append("")
    by_unit = {}
    for s in data["scenarios"]:
        if not live_results.is_live(s):
            by_unit.setdefault(s["unit"], []).append(s)
    for unit, scenarios in by_unit.items():
        L.append(f"## Scenarios ({unit})")
        L.append("")
        L.append("| scenario | frame | median | min | max | baseline | baseline median | ratio | net ratio | target |")
        L.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---|")
        for s in scenarios:
            net = net_ratio(data, s)
            target = TARGETS.get(s["name"])
            judged = net if net is not None else s["ratio"]
            tcell = "–" if target is None else f"≤ {target}x: {'met' if judged <= target else '**missed**'}"
            L.append(f"| {s['name']} | {s['frame']} | {fmt(s['median'])} | {fmt(s['min'])} | {fmt(s['max'])} "
                     f"| {s['baseline']} | {fmt(s['baseline_median'])} | {fmt(s['ratio'], 2)}x "
                     f"| {fmt(net, 2)}{'x' if net is not None else ''} | {tcell} |")
        L.append("")
    L.extend(live_results.markdown(data))
    if pp.get("wrapper"):
        L.append("ratio: ours ÷ the floor, both run in the same wrapper. net ratio: (ours − the wrapper's cost) ÷ the "
                 "bare floor, the estimate to compare with targets and other balancers.")
        L.append("")
        L.append("## Floors and the wrapper's cost (ns/packet)")
        L.append("")
        L.append("| floor | frame | wrapped | bare | wrapper cost | how |")
        L.append("|---|---:|---:|---:|---:|---|")
        for w in pp["wrapper"]:
            L.append(f"| {w['floor']} | {w['frame']} | {fmt(w['wrapped_median'])} | {fmt(w['bare_median'])} "
                     f"| {fmt(w['overhead'])} | {w.get('how', '')} |")
        L.append("")
    if pp.get("stages") or pp.get("variants"):
        L.append("## Where the time goes")
        L.append("")
    if pp.get("variants"):
        L.append("Variant builds of the balancer, one stage replaced by a constant, against the production build "
                 "(both wrapped, same run):")
        L.append("")
        L.append("| scenario | frame | variant | production | variant | saved |")
        L.append("|---|---:|---|---:|---:|---:|")
        for v in pp["variants"]:
            L.append(f"| {v['scenario']} | {v['frame']} | {v['what']} | {fmt(v['production_median'])} "
                     f"| {fmt(v['median'])} | {fmt(v['saved'])} |")
        L.append("")
    if pp.get("stages"):
        L.append("Stage costs: the bare XDP_TX floor plus one primitive of the balancer's path, minus the bare floor "
                 "(ns/packet):")
        L.append("")
        L.append("| stage | cost | median | min | max | what |")
        L.append("|---|---:|---:|---:|---:|---|")
        for st in pp["stages"]:
            L.append(f"| {st['name']} | {fmt(st['cost'])} | {fmt(st['median'])} | {fmt(st['min'])} "
                     f"| {fmt(st['max'])} | {st['what']} |")
        L.append("")
    if comparison is not None:
        L.append(f"## Against {os.path.basename(against)}")
        L.append("")
        L.append("Compared on the ratio to the floor (it cancels most of the machine's speed and load): lower is "
                 "better for per-packet cost, higher for live throughput. Noise is the larger of the two runs' "
                 "spreads, (max − min) ÷ median; a change beyond it is flagged.")
        L.append("")
        L.append("| scenario | frame | median before | median now | ratio before | ratio now | change | noise | |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for s, p, change, noise, verdict in comparison:
            if p is None:
                L.append(f"| {s['name']} | {s['frame']} | – | {fmt(s['median'])} | – | {fmt(s['ratio'], 2)}x "
                         f"| – | – | new |")
                continue
            L.append(f"| {s['name']} | {s['frame']} | {fmt(p['median'])} | {fmt(s['median'])} "
                     f"| {fmt(p['ratio'], 2)}x | {fmt(s['ratio'], 2)}x | {change * 100:+.1f}% "
                     f"| ±{noise * 100:.1f}% | {verdict} |")
        L.append("")
    for name, caption in images:
        L.append(f"![{caption}]({name})")
        L.append("")
    return "\n".join(L)


def render(args):
    data = load_json(args.results, "results file")
    problems = schema_problems(data)
    if problems:
        raise Failure(f"{args.results} is not a results file: " + "; ".join(problems))
    os.makedirs(args.out, exist_ok=True)
    render_to(data, args.out, args.against)
    return 0


# ---------------------------------------------------------------- check


def check_data(data):
    problems = schema_problems(data)
    problems += [f"invalid scenario {i.get('name')} ({i.get('frame')} B): {i.get('reason')}"
                 for i in data.get("invalid") or []]
    if "live" in data:
        live = [x for x in data.get("scenarios", []) if isinstance(x, dict) and live_results.is_live(x)]
        if not live:
            problems.append("the live part ran but gave no scenario")
        # Nothing at the sink is a broken lab or generator, not a slow node.
        problems += [f"live scenario {x['name']} ({x.get('frame')} B): nothing reached the sink"
                     for x in live if not x.get("median")]
    for p in problems:
        print(f"check: {p}", file=sys.stderr)
    return 1 if problems else 0


def check(args):
    return check_data(load_json(args.results, "results file"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("assemble", help="write the results files and the report")
    a.add_argument("--perpacket", help="xlb-bench-perpacket --json output")
    a.add_argument("--live", help="bench/live/live.sh --out output")
    a.add_argument("--out", required=True)
    a.add_argument("--quick", action="store_true")
    a.add_argument("--against")
    a.add_argument("--load-before", help="/proc/loadavg before the run, as a JSON list")
    r = sub.add_parser("render", help="write the report of a results file")
    r.add_argument("results")
    r.add_argument("--out", required=True)
    r.add_argument("--against")
    c = sub.add_parser("check", help="schema present, every scenario valid")
    c.add_argument("results")
    args = ap.parse_args()
    try:
        return {"assemble": assemble, "render": render, "check": check}[args.command](args)
    except Failure as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
