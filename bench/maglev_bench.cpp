// How long a full table rebuild takes. The agent rebuilds on every backend
// set change, so this bounds how quickly health changes reach the data plane.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "maglev/maglev.h"

namespace {

std::vector<xlb::maglev::Backend> backends(uint32_t count, bool weighted) {
  std::vector<xlb::maglev::Backend> out;
  for (uint32_t i = 1; i <= count; ++i) {
    // Weighted runs use a spread of 1..8 so the turn scheduler is exercised.
    const uint32_t weight = weighted ? 1 + i % 8 : 1;
    out.push_back({i, "198.18." + std::to_string(i / 256) + "." + std::to_string(i % 256), weight});
  }
  return out;
}

void run_build(benchmark::State& state, bool weighted) {
  const auto set = backends(static_cast<uint32_t>(state.range(0)), weighted);
  for (auto _ : state) {
    auto ring = xlb::maglev::build(set, xlb::maglev::kDefaultRingSize);
    if (!ring.ok()) {
      state.SkipWithError(ring.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(ring.value().data());
  }
}

void BM_BuildEqualWeights(benchmark::State& state) { run_build(state, false); }
void BM_BuildMixedWeights(benchmark::State& state) { run_build(state, true); }

BENCHMARK(BM_BuildEqualWeights)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildMixedWeights)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
