// xlb-bench-perpacket: the cost of one packet through the unmodified L4
// balancer, measured with BPF_PROG_TEST_RUN against the XDP floors, every
// iteration checked to have taken the scenario's path. See
// docs/benchmarks.md for what each figure means.
//
//   xlb-bench-perpacket [--quick] [--runs N] [--repeat N] [--scenario NAME]...
//                       [--cpu N] [--json FILE] [--list]
#include <linux/bpf.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "bpf/xdp.h"
#include "programs.h"
#include "scenarios.h"

namespace xlb::bench {
namespace {

enum class Kind {
  Scenario,  // a named scenario at one frame size
  Floor,     // a floor, bare or wrapped
  Stage,     // the XDP_TX floor plus one primitive of the path
  Variant,   // a scenario run by a variant build of the balancer
};

// One thing timed.
struct Subject {
  Kind kind = Kind::Floor;
  std::string name;
  uint32_t frame = 0;
  std::string baseline;  // scenarios: the floor compared with; variants: the scenario
  std::string note;      // how the floor was wrapped; what the stage or variant is
  int run_fd = -1;
  Bytes packet;
  std::function<Status()> before;
  std::function<Status(const bpf::TestRunResult&, uint32_t)> check;
  std::vector<double> ns;
  std::string invalid;  // why its figures cannot be trusted
};

struct Stats {
  double median = 0, min = 0, max = 0;
};

Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.min = v.front();
  s.max = v.back();
  return s;
}

// The floors measured the same way as a scenario: the same wrapper work
// (frame length, bytes restored, varied field). One pair per distinct way.
struct FloorKey {
  uint32_t frame, restore, vary;
  auto operator<=>(const FloorKey&) const = default;
};

std::string floor_name(FloorKind kind, const FloorKey& k) {
  std::string n = kind == FloorKind::Tx ? "xdp_tx_floor" : "xdp_pass_floor";
  if (k.vary) n += "_vary";
  // Restoring the whole of a big frame costs more than restoring headers.
  if (k.restore == k.frame && k.frame > kRestoredHeaders) n += "_full_restore";
  return n;
}

std::string bare_name(FloorKind kind) { return kind == FloorKind::Tx ? "xdp_tx_bare" : "xdp_pass_bare"; }

// Everything that must live while the subjects run.
struct Loaded {
  std::vector<std::unique_ptr<FloorSet>> floors;
  std::vector<std::unique_ptr<ScenarioRun>> scenarios;
};

void pin_to_cpu(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof(one), &one) != 0) throw std::runtime_error("cannot pin to CPU " + std::to_string(cpu));
}

// The last CPU we may run on: CPU 0 usually takes more of the interrupts.
int default_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof(set), &set);
  int last = 0;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) last = c;
  return last;
}

Subject floor_subject(const FloorSet* set, FloorKind kind, bool wrapped, const Bytes& frame, const std::string& name,
                      const std::string& note) {
  Subject s;
  s.kind = Kind::Floor;
  s.name = name;
  s.frame = static_cast<uint32_t>(frame.size());
  s.note = note;
  s.run_fd = set->prog_fd(kind, wrapped);
  s.packet = frame;
  s.before = [] { return Status{}; };
  s.check = [set, kind, wrapped, frame](const bpf::TestRunResult& r, uint32_t) -> Status {
    if (r.action != FloorSet::action(kind)) return Error{std::string("verdict ") + bpf::xdp_action_name(r.action)};
    return wrapped ? check_restored(set->wrapper(), frame, r) : Status{};
  };
  return s;
}

Subject scenario_subject(const ScenarioDef& def, uint32_t frame, const Lab& lab, Variant variant, Loaded& keep) {
  auto run = ScenarioRun::create(def, frame, lab, variant);
  if (!run) throw std::runtime_error(def.name + " (" + std::to_string(frame) + " B): " + run.error().message);
  ScenarioRun* r = run->get();
  keep.scenarios.push_back(std::move(*run));
  Subject s;
  s.kind = variant == Variant::Production ? Kind::Scenario : Kind::Variant;
  s.name = variant == Variant::Production ? def.name : def.name + "+fib_constant";
  s.note = variant == Variant::Production ? def.what : "bpf_fib_lookup answered by a constant (a cached next hop)";
  s.frame = frame;
  s.run_fd = r->run_fd();
  s.packet = r->packet();
  s.before = [r] { return r->before(); };
  s.check = [r](const bpf::TestRunResult& res, uint32_t repeat) { return r->check(res, repeat); };
  return s;
}

void add_stages(std::vector<Subject>& subjects, const FloorSet* fs, const Bytes& frame) {
  if (auto st = fs->fill_stage_maps(); !st) throw std::runtime_error("stage maps: " + st.error().message);
  for (const auto& stage : fs->stages()) {
    Subject s = floor_subject(fs, FloorKind::Tx, false, frame, stage.name, stage.what);
    s.kind = Kind::Stage;
    s.run_fd = stage.prog_fd;
    subjects.push_back(std::move(s));
  }
}

std::vector<Subject> load_subjects(const std::vector<ScenarioDef>& defs, const std::set<std::string>& only,
                                   Loaded& keep, const Lab& lab) {
  std::vector<Subject> subjects;
  std::map<FloorKey, WrapConfig> floor_configs;
  std::set<uint32_t> bare_frames;
  for (const auto& def : defs) {
    if (!only.empty() && !only.count(def.name)) continue;
    for (uint32_t frame : def.frames) {
      std::fprintf(stderr, "loading %s at %u bytes\n", def.name.c_str(), frame);
      subjects.push_back(scenario_subject(def, frame, lab, Variant::Production, keep));
      WrapConfig cfg = wrap_config(def, frame);
      FloorKey key{frame, cfg.restore_len, cfg.vary_count ? 1u : 0u};
      floor_configs.emplace(key, cfg);
      subjects.back().baseline = floor_name(def.baseline, key);
      // Where the time goes: the same path with the FIB lookup answered by
      // a constant (what caching the next hop per backend would save).
      if (frame == def.frames.front() && (def.name == "v4_tcp_established" || def.name == "v6_tcp_established")) {
        subjects.push_back(scenario_subject(def, frame, lab, Variant::FibConstant, keep));
        subjects.back().baseline = def.name;
      }
    }
  }
  // The stages run on the first IPv4 scenario's small frame.
  const FloorKey stage_key{64, 64, 0};
  for (const auto& def : defs)
    if (def.name == "v4_tcp_established") floor_configs.emplace(stage_key, wrap_config(def, 64));
  for (const auto& [key, cfg] : floor_configs) {
    auto set = FloorSet::load(cfg);
    if (!set) throw std::runtime_error("floors: " + set.error().message);
    const FloorSet* fs = set->get();
    keep.floors.push_back(std::move(*set));
    std::string note = "wrapped, restores " + std::to_string(key.restore) + " B" + (key.vary ? ", varies a field" : "");
    for (FloorKind kind : {FloorKind::Tx, FloorKind::Pass})
      subjects.push_back(floor_subject(fs, kind, true, cfg.frame, floor_name(kind, key), note));
    // Bare floors, with no wrapper, for the wrapper's own cost: once per
    // frame size. They need no restoring: their path is the same whatever
    // the buffer holds.
    if (bare_frames.insert(key.frame).second)
      for (FloorKind kind : {FloorKind::Tx, FloorKind::Pass})
        subjects.push_back(floor_subject(fs, kind, false, cfg.frame, bare_name(kind), "bare, no wrapper"));
    if (key == stage_key) add_stages(subjects, fs, cfg.frame);
  }
  return subjects;
}

// Every subject once per round, in an order rotated each round, so that a
// burst of load elsewhere on the machine hits ours and the floors alike.
void measure(std::vector<Subject>& subjects, int runs, uint32_t repeat, int ifindex) {
  for (int round = 0; round < runs; ++round) {
    std::fprintf(stderr, "round %d/%d\n", round + 1, runs);
    for (size_t k = 0; k < subjects.size(); ++k) {
      Subject& s = subjects[(k + static_cast<size_t>(round) * 7) % subjects.size()];
      if (!s.invalid.empty()) continue;
      Status st = s.before();
      if (st) {
        auto r = bpf::xdp_test_run(s.run_fd, s.packet, ifindex, repeat);
        if (!r)
          st = r.error();
        else if (st = s.check(*r, repeat); st)
          s.ns.push_back(r->duration_ns);
      }
      if (!st) s.invalid = st.error().message;
    }
  }
}

const Subject* find(const std::vector<Subject>& subjects, const std::string& name, uint32_t frame) {
  for (const auto& s : subjects)
    if (s.name == name && s.frame == frame) return &s;
  return nullptr;
}

std::string kernel_release() {
  utsname u{};
  uname(&u);
  return u.release;
}

nlohmann::json figures(const Subject& s) {
  Stats st = stats_of(s.ns);
  return {{"name", s.name}, {"frame", s.frame}, {"unit", "ns/packet"},
          {"median", st.median}, {"min", st.min}, {"max", st.max}};
}

double median_of(const Subject* s) { return s && s->invalid.empty() ? stats_of(s->ns).median : 0.0; }

nlohmann::json report(const std::vector<Subject>& subjects, int runs, uint32_t repeat, int cpu) {
  using nlohmann::json;
  json scenarios = json::array(), baselines = json::array(), invalid = json::array(), wrapper = json::array(),
       stages = json::array(), variants = json::array();
  for (const auto& s : subjects) {
    if (!s.invalid.empty()) {
      invalid.push_back({{"name", s.name}, {"frame", s.frame}, {"reason", s.invalid}});
      continue;
    }
    json j = figures(s);
    switch (s.kind) {
      case Kind::Floor:
        j["how"] = s.note;
        baselines.push_back(j);
        break;
      case Kind::Stage:
        // Its cost: the stage minus the bare XDP_TX floor it is built on.
        j["what"] = s.note;
        j["cost"] = j["median"].get<double>() - median_of(find(subjects, bare_name(FloorKind::Tx), s.frame));
        stages.push_back(j);
        break;
      case Kind::Variant: {
        double production = median_of(find(subjects, s.baseline, s.frame));
        j["scenario"] = s.baseline;
        j["what"] = s.note;
        j["production_median"] = production;
        j["saved"] = production - j["median"].get<double>();
        variants.push_back(j);
        break;
      }
      case Kind::Scenario: {
        const Subject* b = find(subjects, s.baseline, s.frame);
        if (!b || !b->invalid.empty()) {
          invalid.push_back({{"name", s.name}, {"frame", s.frame}, {"reason", "its floor " + s.baseline + " is invalid"}});
          break;
        }
        double bm = median_of(b);
        j["baseline"] = s.baseline;
        j["baseline_median"] = bm;
        j["ratio"] = bm > 0 ? j["median"].get<double>() / bm : 0.0;
        scenarios.push_back(j);
        break;
      }
    }
  }
  // The wrapper's cost: each wrapped floor minus the same floor bare.
  for (const auto& s : subjects) {
    if (s.kind != Kind::Floor || s.name.find("_bare") != std::string::npos || !s.invalid.empty()) continue;
    bool tx = s.name.rfind("xdp_tx", 0) == 0;
    const Subject* bare = find(subjects, bare_name(tx ? FloorKind::Tx : FloorKind::Pass), s.frame);
    if (!bare || !bare->invalid.empty()) continue;
    double w = median_of(&s), b = median_of(bare);
    wrapper.push_back({{"floor", s.name}, {"frame", s.frame}, {"wrapped_median", w}, {"bare_median", b},
                       {"overhead", w - b}, {"how", s.note}});
  }
  return {{"tool", "xlb-bench-perpacket"},
          {"kernel", kernel_release()},
          {"method",
           {{"runs", runs},
            {"repeat", repeat},
            {"cpu", cpu},
            {"duration", "kernel-reported BPF_PROG_TEST_RUN duration (ns per iteration, whole ns)"},
            {"interleaving", "every subject once per round, order rotated each round"}}},
          {"scenarios", scenarios},
          {"baselines", baselines},
          {"wrapper", wrapper},
          {"stages", stages},
          {"variants", variants},
          {"invalid", invalid}};
}

void print_table(const nlohmann::json& j) {
  std::printf("\n%-22s %6s %9s %9s %9s  %-28s %9s %6s\n", "scenario", "frame", "median", "min", "max", "baseline",
              "floor", "ratio");
  for (const auto& s : j["scenarios"])
    std::printf("%-22s %6u %9.0f %9.0f %9.0f  %-28s %9.0f %5.2fx\n", s["name"].get<std::string>().c_str(),
                s["frame"].get<unsigned>(), s["median"].get<double>(), s["min"].get<double>(), s["max"].get<double>(),
                s["baseline"].get<std::string>().c_str(), s["baseline_median"].get<double>(), s["ratio"].get<double>());
  std::printf("\n%-28s %6s %9s %9s %9s\n", "floor", "frame", "median", "min", "max");
  for (const auto& s : j["baselines"])
    std::printf("%-28s %6u %9.0f %9.0f %9.0f  %s\n", s["name"].get<std::string>().c_str(), s["frame"].get<unsigned>(),
                s["median"].get<double>(), s["min"].get<double>(), s["max"].get<double>(),
                s["how"].get<std::string>().c_str());
  std::printf("\nwrapper cost (wrapped floor - bare floor, ns/packet):\n");
  for (const auto& w : j["wrapper"])
    std::printf("  %-28s %6u %6.0f\n", w["floor"].get<std::string>().c_str(), w["frame"].get<unsigned>(),
                w["overhead"].get<double>());
  std::printf("\nstage costs (the XDP_TX floor plus one primitive, minus the bare floor, ns/packet):\n");
  for (const auto& st : j["stages"])
    std::printf("  %-16s %6.0f  %s\n", st["name"].get<std::string>().c_str(), st["cost"].get<double>(),
                st["what"].get<std::string>().c_str());
  for (const auto& v : j["variants"])
    std::printf("\n%s (%u B): %.0f ns, %.0f ns less than the production build\n", v["name"].get<std::string>().c_str(),
                v["frame"].get<unsigned>(), v["median"].get<double>(), v["saved"].get<double>());
  for (const auto& i : j["invalid"])
    std::printf("\nINVALID %s (%u B): %s\n", i["name"].get<std::string>().c_str(), i["frame"].get<unsigned>(),
                i["reason"].get<std::string>().c_str());
}

int run(int argc, char** argv) {
  CLI::App app{"xlb per-packet cost: BPF_PROG_TEST_RUN of the balancer against the XDP floors"};
  bool quick = false, list = false;
  int runs = 5, cpu = -1;
  uint32_t repeat = 1000000;
  std::vector<std::string> only;
  std::string json_path;
  app.add_flag("--quick", quick, "fewer repeats (100,000 per run): a smoke test, figures rougher");
  app.add_option("--runs", runs, "runs per subject; the median is reported (at least 5 for real figures)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--repeat", repeat, "iterations per run (BPF_PROG_TEST_RUN repeat)")->check(CLI::Range(1u, 100000000u));
  app.add_option("--scenario", only, "only these scenarios (repeatable); see --list");
  app.add_option("--cpu", cpu, "CPU to pin to (default: the last allowed one)");
  app.add_option("--json", json_path, "write the results here");
  app.add_flag("--list", list, "list the scenarios and exit");
  CLI11_PARSE(app, argc, argv);
  if (quick && app.count("--repeat") == 0) repeat = 100000;

  if (geteuid() != 0) {
    std::fprintf(stderr, "xlb-bench-perpacket: needs root (loads BPF programs, builds a network namespace)\n");
    return 2;
  }
  auto lab = enter_lab();
  if (!lab) {
    std::fprintf(stderr, "xlb-bench-perpacket: %s\n", lab.error().message.c_str());
    return 2;
  }
  const auto defs = scenario_defs(*lab);
  std::set<std::string> known;
  for (const auto& d : defs) known.insert(d.name);
  if (list) {
    for (const auto& d : defs) std::printf("%-22s %s\n", d.name.c_str(), d.what.c_str());
    return 0;
  }
  for (const auto& name : only) {
    if (!known.count(name)) {
      std::string names;
      for (const auto& k : known) names += " " + k;
      std::fprintf(stderr, "xlb-bench-perpacket: unknown scenario '%s'; known:%s\n", name.c_str(), names.c_str());
      return 2;
    }
  }
  if (cpu < 0) cpu = default_cpu();
  pin_to_cpu(cpu);

  Loaded keep;
  std::vector<Subject> subjects = load_subjects(defs, {only.begin(), only.end()}, keep, *lab);
  measure(subjects, runs, repeat, lab->ifindex);
  nlohmann::json j = report(subjects, runs, repeat, cpu);
  print_table(j);
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << j.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "xlb-bench-perpacket: cannot write %s\n", json_path.c_str());
      return 2;
    }
  }
  return j["invalid"].empty() ? 0 : 1;
}

}  // namespace
}  // namespace xlb::bench

int main(int argc, char** argv) {
  try {
    return xlb::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xlb-bench-perpacket: %s\n", e.what());
    return 2;
  }
}
