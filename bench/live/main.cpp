// xlb-bench-live: live throughput through the lab (generator namespace ->
// L4 node -> sink namespace). Sends with an XDP generator in live-frames
// mode, counts exactly at the sink, and prints a trial's figures as JSON.
// bench/live/live.sh builds the lab and drives it; see docs/benchmarks.md.
//
//   xlb-bench-live run --gen-netns NS --gen-dev DEV --sink-netns NS --sink-dev DEV
//                      --src-mac MAC --dst-mac MAC [--proto tcp|udp] [--frame N]
//                      [--vips N] [--mode max|zero-loss] [--runs N] [--seconds S] ...
//   xlb-bench-live floor --netns NS --in DEV --out DEV --dst-mac MAC
#include <sched.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "rig.h"

namespace xlb::bench::live {
namespace {

struct RunArgs {
  Where where;
  FlowSpace space;
  std::string proto = "tcp";
  std::string mode = "max";
  int runs = 3;
  double seconds = 2.0;
  double warmup_seconds = 0.5;
  uint64_t max_packets = 50'000'000;
  int steps = 10;
  double loss = 1e-6;  // 0.0001 %
  double rate = 0;     // --mode rate: the offered rate
  int cpu = 0;
  int fifo = 40;  // SCHED_FIFO priority of the generator; 0: the normal scheduler
  std::string json;
};

nlohmann::json trial_json(const Trial& t, uint32_t frame) {
  return {{"target_pps", t.target_pps}, {"sent", t.sent},          {"received", t.received},
          {"lost", t.lost()},           {"seconds", t.seconds},    {"offered_pps", t.offered_pps()},
          {"forwarded_pps", t.forwarded_pps()},
          {"forwarded_bps", t.forwarded_pps() * frame * 8.0},
          {"received_bytes", t.received_bytes}};
}

// One Max Throughput run: flat out for the trial's length.
Result<double> max_run(Rig& rig, const RunArgs& a, nlohmann::json& trials) {
  auto t = rig.run(0, a.seconds, a.max_packets);
  if (!t) return t.error();
  trials.push_back(trial_json(*t, a.space.frame));
  return t->forwarded_pps();
}

// One trial at a fixed offered rate (to look at one point by hand).
Result<double> rate_run(Rig& rig, const RunArgs& a, nlohmann::json& trials) {
  auto t = rig.run(a.rate, a.seconds, a.max_packets);
  if (!t) return t.error();
  trials.push_back(trial_json(*t, a.space.frame));
  return t->forwarded_pps();
}

// One Zero-Packet-Loss search: bisection on the offered rate between 0 and
// what the generator reaches flat out; the highest rate that lost at most
// `loss` of its frames (the offered rate achieved, not the one asked for).
Result<double> zero_loss_search(Rig& rig, const RunArgs& a, nlohmann::json& trials) {
  auto top = rig.run(0, a.seconds, a.max_packets);
  if (!top) return top.error();
  trials.push_back(trial_json(*top, a.space.frame));
  if (top->loss_ratio() <= a.loss) return top->offered_pps();  // the generator is the limit
  // Overloaded, the node forwards about what it can; the zero-loss rate is
  // below that, so the search need not start at the generator's top speed.
  double lo = 0, hi = std::min(top->offered_pps(), 1.5 * top->forwarded_pps()), best = 0;
  for (int i = 0; i < a.steps; ++i) {
    double mid = (lo + hi) / 2;
    auto t = rig.run(mid, a.seconds, a.max_packets);
    if (!t) return t.error();
    auto j = trial_json(*t, a.space.frame);
    bool pass = t->loss_ratio() <= a.loss;
    j["pass"] = pass;
    trials.push_back(j);
    if (pass) {
      lo = mid;
      best = std::max(best, t->offered_pps());
    } else {
      hi = mid;
    }
  }
  return best;
}

int run(RunArgs& a) {
  a.space.proto = a.proto == "udp" ? Proto::Udp : Proto::Tcp;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(a.cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    std::fprintf(stderr, "xlb-bench-live: cannot pin to CPU %d\n", a.cpu);
    return 1;
  }
  // The generator paces frames by the clock: a time slice given to other
  // work would be a gap in the offered load, so it runs real-time (below
  // the NAPI threads, which must preempt it).
  if (a.fifo > 0) {
    sched_param p{};
    p.sched_priority = a.fifo;
    if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) {
      std::fprintf(stderr, "xlb-bench-live: cannot run SCHED_FIFO %d\n", a.fifo);
      return 1;
    }
  }
  auto rig = Rig::open(a.where, a.space);
  if (!rig) {
    std::fprintf(stderr, "xlb-bench-live: %s\n", rig.error().message.c_str());
    return 1;
  }
  nlohmann::json out = {{"proto", a.proto},           {"frame", a.space.frame}, {"vips", a.space.vips},
                        {"flows", a.space.flows},     {"mode", a.mode},         {"cpu", a.cpu}, {"fifo", a.fifo},
                        {"seconds", a.seconds},       {"loss_threshold", a.loss},
                        {"paced_batch", Rig::kPacedBatch}, {"batch", Rig::kBatch}};
  // Every flow seen once (session caches, conntrack) before anything counts.
  auto warm = (*rig)->run(0, a.warmup_seconds, std::max<uint64_t>(a.space.flows * 4ull, 1));
  if (!warm) {
    std::fprintf(stderr, "xlb-bench-live: warm-up: %s\n", warm.error().message.c_str());
    return 1;
  }
  out["warmup"] = trial_json(*warm, a.space.frame);
  nlohmann::json trials = nlohmann::json::array(), values = nlohmann::json::array();
  for (int r = 0; r < a.runs; ++r) {
    auto v = a.mode == "max"         ? max_run(**rig, a, trials)
             : a.mode == "zero-loss" ? zero_loss_search(**rig, a, trials)
                                     : rate_run(**rig, a, trials);
    if (!v) {
      std::fprintf(stderr, "xlb-bench-live: %s\n", v.error().message.c_str());
      return 1;
    }
    values.push_back(*v);
  }
  out["trials"] = trials;
  out["pps"] = values;
  std::string text = out.dump(2);
  if (a.json.empty()) {
    std::cout << text << "\n";
  } else {
    std::ofstream f(a.json);
    f << text << "\n";
    if (!f) {
      std::fprintf(stderr, "xlb-bench-live: cannot write %s\n", a.json.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace xlb::bench::live

int main(int argc, char** argv) {
  using namespace xlb::bench::live;
  CLI::App app{"Live throughput through the lab: an XDP generator in live-frames mode, an exact counter at the sink"};
  app.require_subcommand(1);

  RunArgs a;
  auto* run_cmd = app.add_subcommand("run", "trials through the lab, figures as JSON");
  run_cmd->add_option("--gen-netns", a.where.gen_netns, "generator's namespace")->required();
  run_cmd->add_option("--gen-dev", a.where.gen_dev, "generator's veth")->required();
  run_cmd->add_option("--sink-netns", a.where.sink_netns, "sink's namespace")->required();
  run_cmd->add_option("--sink-dev", a.where.sink_dev, "sink's veth")->required();
  run_cmd->add_option("--src-mac", a.space.src_mac, "frames' source MAC (the generator's veth)")->required();
  run_cmd->add_option("--dst-mac", a.space.dst_mac, "frames' destination MAC (the node's veth)")->required();
  run_cmd->add_option("--proto", a.proto)->check(CLI::IsMember({"tcp", "udp"}));
  run_cmd->add_option("--frame", a.space.frame, "frame bytes (FCS excluded)")->check(CLI::Range(64, 3000));
  run_cmd->add_option("--vip", a.space.vip, "first VIP");
  run_cmd->add_option("--vips", a.space.vips, "consecutive VIPs")->check(CLI::Range(1, 65536));
  run_cmd->add_option("--dport", a.space.dport, "VIP port");
  run_cmd->add_option("--client", a.space.client, "first client address");
  run_cmd->add_option("--clients", a.space.clients)->check(CLI::Range(1, 1 << 20));
  run_cmd->add_option("--sports", a.space.sports, "source ports per client")->check(CLI::Range(1, 50000));
  run_cmd->add_option("--flows", a.space.flows, "distinct 5-tuples")->check(CLI::Range(1, 1 << 24));
  run_cmd->add_option("--mode", a.mode)->check(CLI::IsMember({"max", "zero-loss", "rate"}));
  run_cmd->add_option("--rate", a.rate, "pps of --mode rate")->check(CLI::Range(1.0, 1e9));
  run_cmd->add_option("--runs", a.runs, "runs (max) or searches (zero-loss)")->check(CLI::Range(1, 20));
  run_cmd->add_option("--seconds", a.seconds, "length of a trial")->check(CLI::Range(0.05, 30.0));
  run_cmd->add_option("--warmup-seconds", a.warmup_seconds)->check(CLI::Range(0.05, 30.0));
  run_cmd->add_option("--max-packets", a.max_packets, "bound of a trial")->check(CLI::Range(1ull, 1ull << 32));
  run_cmd->add_option("--steps", a.steps, "bisection steps of a search")->check(CLI::Range(1, 20));
  run_cmd->add_option("--loss", a.loss, "loss a zero-loss trial may have, as a ratio")->check(CLI::Range(0.0, 0.1));
  run_cmd->add_option("--cpu", a.cpu, "CPU of the generator")->check(CLI::Range(0, 1023));
  run_cmd->add_option("--fifo", a.fifo, "SCHED_FIFO priority of the generator (0: none)")->check(CLI::Range(0, 99));
  run_cmd->add_option("--json", a.json, "write here instead of stdout");

  std::string netns, in_dev, out_dev, dmac;
  auto* floor_cmd = app.add_subcommand("floor", "attach the floor forwarder (stays after exit)");
  floor_cmd->add_option("--netns", netns)->required();
  floor_cmd->add_option("--in", in_dev, "where frames arrive")->required();
  floor_cmd->add_option("--out", out_dev, "where they leave")->required();
  floor_cmd->add_option("--dst-mac", dmac, "the next hop's MAC")->required();

  CLI11_PARSE(app, argc, argv);
  if (*run_cmd) return run(a);
  if (auto st = attach_floor(netns, in_dev, out_dev, dmac); !st) {
    std::fprintf(stderr, "xlb-bench-live: %s\n", st.error().message.c_str());
    return 1;
  }
  return 0;
}
