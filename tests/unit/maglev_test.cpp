#include "maglev/maglev.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace xlb::maglev {
namespace {

using Ring = std::vector<uint32_t>;

// Backends with ids 1..n and identities "198.18.<hi>.<lo>".
std::vector<Backend> ipv4_backends(uint32_t n, uint32_t weight = 1) {
  std::vector<Backend> out;
  for (uint32_t i = 1; i <= n; ++i) {
    out.push_back(Backend{i, "198.18." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                          weight});
  }
  return out;
}

// Backends with ids 1..n and identities "2001:db8:10::<hex>".
std::vector<Backend> ipv6_backends(uint32_t n) {
  std::vector<Backend> out;
  for (uint32_t i = 1; i <= n; ++i) {
    char text[32];
    std::snprintf(text, sizeof text, "2001:db8:10::%x", i);
    out.push_back(Backend{i, text, 1});
  }
  return out;
}

Ring build_ok(std::vector<Backend> backends, uint32_t ring_size = kDefaultRingSize) {
  auto ring = build(std::move(backends), ring_size);
  EXPECT_TRUE(ring.ok()) << ring.error().message;
  return ring.ok() ? ring.value() : Ring{};
}

// Largest slot count divided by smallest, over backends that have any slots.
double max_min_ratio(const Ring& ring) {
  const auto counts = fill_counts(ring);
  uint32_t lo = UINT32_MAX, hi = 0;
  for (const auto& [id, n] : counts) {
    lo = std::min(lo, n);
    hi = std::max(hi, n);
  }
  return static_cast<double>(hi) / lo;
}

size_t entries_differing(const Ring& a, const Ring& b) {
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}

// Every backend's share of slots is within 0.01 (one percentage point,
// absolute) of weight / total weight.
void expect_shares_match_weights(const std::vector<Backend>& backends, const Ring& ring) {
  uint64_t total_weight = 0;
  for (const Backend& b : backends) total_weight += b.weight;
  auto counts = fill_counts(ring);
  for (const Backend& b : backends) {
    const double share = static_cast<double>(counts[b.id]) / ring.size();
    const double wanted = static_cast<double>(b.weight) / total_weight;
    EXPECT_NEAR(share, wanted, 0.01) << b.identity << " weight " << b.weight;
  }
}

// ---- The paper's worked example (section 3.4, table 1) --------------------

constexpr uint32_t B0 = 1, B1 = 2, B2 = 3;

TEST(MaglevPaper, WorkedExampleWithThreeBackends) {
  const std::vector<Permutation> perms = {
      {.id = B0, .offset = 3, .skip = 4},
      {.id = B1, .offset = 0, .skip = 2},
      {.id = B2, .offset = 3, .skip = 1},
  };
  auto ring = build_from_permutations(perms, 7);
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ(ring.value(), (Ring{B1, B0, B1, B0, B2, B2, B0}));
}

TEST(MaglevPaper, WorkedExampleAfterRemovingB1) {
  const std::vector<Permutation> perms = {
      {.id = B0, .offset = 3, .skip = 4},
      {.id = B2, .offset = 3, .skip = 1},
  };
  auto ring = build_from_permutations(perms, 7);
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ(ring.value(), (Ring{B0, B0, B0, B0, B2, B2, B2}));
}

// Weighted turn-taking must collapse to the paper's round-robin when all
// weights are equal, whatever the common weight is.
TEST(MaglevPaper, EqualWeightsOtherThanOneGiveThePaperTable) {
  const std::vector<Permutation> perms = {
      {.id = B0, .offset = 3, .skip = 4, .weight = 7},
      {.id = B1, .offset = 0, .skip = 2, .weight = 7},
      {.id = B2, .offset = 3, .skip = 1, .weight = 7},
  };
  auto ring = build_from_permutations(perms, 7);
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ(ring.value(), (Ring{B1, B0, B1, B0, B2, B2, B0}));
}

// The weighted schedule, worked by hand. Weights 3, 3, 2: per round B0 and
// B1 earn a whole turn, B2 earns 2/3 and takes its k-th turn in the first
// round where its earnings reach k: rounds 2, 3, 5, ... (never round 1).
//   round 1: B0 -> 3, B1 -> 0
//   round 2: B0 -> 4 (0 taken), B1 -> 2, B2 -> 5 (3, 4 taken)
//   round 3: B0 -> 1, B1 -> 6 (4 taken); table full
TEST(MaglevPaper, WeightedExampleWorkedByHand) {
  const std::vector<Permutation> perms = {
      {.id = B0, .offset = 3, .skip = 4, .weight = 3},
      {.id = B1, .offset = 0, .skip = 2, .weight = 3},
      {.id = B2, .offset = 3, .skip = 1, .weight = 2},
  };
  auto ring = build_from_permutations(perms, 7);
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ(ring.value(), (Ring{B1, B0, B1, B0, B0, B2, B1}));
}

// ---- Balance and disruption ----------------------------------------------

TEST(MaglevBalance, HundredEqualBackendsWithinOnePercent) {
  const Ring ring = build_ok(ipv4_backends(100));
  ASSERT_EQ(ring.size(), kDefaultRingSize);
  EXPECT_EQ(std::count(ring.begin(), ring.end(), kNoBackend), 0);
  EXPECT_EQ(fill_counts(ring).size(), 100u);
  EXPECT_LE(max_min_ratio(ring), 1.01);
}

TEST(MaglevBalance, EqualWeightsOtherThanOneGiveTheSameTable) {
  EXPECT_EQ(build_ok(ipv4_backends(100, 5)), build_ok(ipv4_backends(100, 1)));
}

TEST(MaglevDisruption, RemovingOneOfHundredChangesAtMostTwoPercent) {
  auto backends = ipv4_backends(100);
  const Ring before = build_ok(backends);
  const uint32_t removed_id = backends[41].id;
  backends.erase(backends.begin() + 41);
  const Ring after = build_ok(backends);

  EXPECT_EQ(fill_counts(after).count(removed_id), 0u);
  EXPECT_LE(entries_differing(before, after), kDefaultRingSize / 50);
}

TEST(MaglevDisruption, AddingOneToHundredChangesAtMostTwoPercent) {
  auto backends = ipv4_backends(101);
  const Ring with_all = build_ok(backends);
  backends.pop_back();
  const Ring without_last = build_ok(backends);
  EXPECT_LE(entries_differing(with_all, without_last), kDefaultRingSize / 50);
}

// ---- Weights -------------------------------------------------------------

TEST(MaglevWeights, OneTwoThreeFourGetTenthsOfTheRing) {
  std::vector<Backend> backends = {
      {1, "198.18.10.1", 1}, {2, "198.18.10.2", 2}, {3, "198.18.10.3", 3}, {4, "198.18.10.4", 4}};
  const Ring ring = build_ok(backends);
  expect_shares_match_weights(backends, ring);
}

TEST(MaglevWeights, TenMixedWeightsMatchShares) {
  const std::array<uint32_t, 10> weights = {1, 1, 2, 3, 5, 8, 13, 21, 34, 55};
  auto backends = ipv4_backends(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) backends[i].weight = weights[i];
  const Ring ring = build_ok(backends);
  expect_shares_match_weights(backends, ring);
}

// The share check above is loose for small shares; check the heavy-vs-light
// ratio too, so a scheduler that ignored weights below some size would fail.
TEST(MaglevWeights, HeavyBackendGetsProportionallyMoreSlots) {
  std::vector<Backend> backends = ipv4_backends(20);
  backends[0].weight = 10;
  auto counts = fill_counts(build_ok(backends));
  const double ratio = static_cast<double>(counts[backends[0].id]) / counts[backends[1].id];
  EXPECT_NEAR(ratio, 10.0, 0.1);
}

TEST(MaglevWeights, ExtremeSkewStillFillsEverySlot) {
  std::vector<Backend> backends = {{1, "198.18.10.1", UINT32_MAX}, {2, "198.18.10.2", 1}};
  const Ring ring = build_ok(backends);
  auto counts = fill_counts(ring);
  EXPECT_EQ(counts[1] + counts[2], kDefaultRingSize);
  EXPECT_LE(counts[2], 1u);
}

TEST(MaglevWeights, ZeroWeightBackendIsAbsent) {
  auto backends = ipv4_backends(10);
  backends[3].weight = 0;
  const Ring ring = build_ok(backends);
  auto counts = fill_counts(ring);
  EXPECT_EQ(counts.count(backends[3].id), 0u);
  EXPECT_EQ(counts.size(), 9u);
  EXPECT_EQ(std::count(ring.begin(), ring.end(), kNoBackend), 0);

  // A weight-0 backend is as good as not listed.
  auto without = backends;
  without.erase(without.begin() + 3);
  EXPECT_EQ(ring, build_ok(without));
}

// ---- Determinism ---------------------------------------------------------

TEST(MaglevOrder, ShuffledInputGivesTheSameTable) {
  auto backends = ipv4_backends(100);
  backends[7].weight = 3;
  backends[60].weight = 2;
  const Ring reference = build_ok(backends);

  std::mt19937 rng(20160316);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(backends.begin(), backends.end(), rng);
    EXPECT_EQ(build_ok(backends), reference) << "shuffle " << round;
  }
  std::reverse(backends.begin(), backends.end());
  EXPECT_EQ(build_ok(backends), reference) << "reversed";
}

// Nodes of one cluster, and old and new versions during a rollout, must agree
// on the table; these values pin the hashes so an accidental change shows up.
TEST(MaglevHash, PermutationsArePinned) {
  const Permutation a = permutation_for(Backend{1, "198.18.10.2", 1}, kDefaultRingSize);
  const Permutation b = permutation_for(Backend{2, "2001:db8:10::2", 1}, kDefaultRingSize);
  EXPECT_EQ(a, (Permutation{.id = 1, .offset = 27639, .skip = 15813}));
  EXPECT_EQ(b, (Permutation{.id = 2, .offset = 13888, .skip = 60511}));
}

// Offsets and skips should each be spread evenly over their range, and the
// two should not move together. Bucket both into 4 and check all 16 joint
// cells get about 1/16 of 16000 identities (expected 1000; a fair hash lands
// within +-10% with overwhelming probability: sigma is about 31).
TEST(MaglevHash, OffsetAndSkipAreUniformAndIndependent) {
  constexpr uint32_t kIdentities = 16000;
  std::array<std::array<int, 4>, 4> cells{};
  for (uint32_t i = 0; i < kIdentities; ++i) {
    const std::string identity =
        "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." +
        std::to_string(i & 255);
    const Permutation p = permutation_for(Backend{i + 1, identity, 1}, kDefaultRingSize);
    const uint64_t offset_bucket = uint64_t{p.offset} * 4 / kDefaultRingSize;
    const uint64_t skip_bucket = uint64_t{p.skip - 1} * 4 / (kDefaultRingSize - 1);
    ++cells[offset_bucket][skip_bucket];
  }
  for (size_t o = 0; o < 4; ++o) {
    for (size_t s = 0; s < 4; ++s) {
      EXPECT_NEAR(cells[o][s], 1000, 100) << "offset bucket " << o << ", skip bucket " << s;
    }
  }
}

// ---- IPv6 identities -----------------------------------------------------

TEST(MaglevIpv6, BalancedStableAndOrderIndependent) {
  auto backends = ipv6_backends(100);
  const Ring ring = build_ok(backends);
  EXPECT_EQ(fill_counts(ring).size(), 100u);
  EXPECT_LE(max_min_ratio(ring), 1.01);

  std::mt19937 rng(7);
  auto shuffled = backends;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  EXPECT_EQ(build_ok(shuffled), ring);

  shuffled.erase(shuffled.begin());
  EXPECT_LE(entries_differing(ring, build_ok(shuffled)), kDefaultRingSize / 50);
}

TEST(MaglevIpv6, MixedFamiliesWithWeights) {
  std::vector<Backend> backends = {{1, "198.18.10.1", 1},
                                   {2, "2001:db8:10::1", 3},
                                   {3, "198.18.10.2", 2},
                                   {4, "2001:db8:10::2", 4}};
  expect_shares_match_weights(backends, build_ok(backends));
}

// ---- Edge cases and errors -----------------------------------------------

TEST(MaglevEdges, NoBackendsGivesAllEmpty) {
  EXPECT_EQ(build_ok({}), Ring(kDefaultRingSize, kNoBackend));
  EXPECT_EQ(build_ok({}, 7), Ring(7, kNoBackend));
}

TEST(MaglevEdges, AllWeightZeroGivesAllEmpty) {
  EXPECT_EQ(build_ok(ipv4_backends(3, 0), 7), Ring(7, kNoBackend));
}

TEST(MaglevEdges, AsManyBackendsAsSlotsGivesEachOne) {
  const Ring ring = build_ok(ipv4_backends(7), 7);
  auto sorted = ring;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (Ring{1, 2, 3, 4, 5, 6, 7}));
}

TEST(MaglevErrors, RingSizeNotPrime) {
  for (uint32_t size : {0u, 1u, 4u, 65536u, 65535u}) {
    auto ring = build(ipv4_backends(3), size);
    ASSERT_FALSE(ring.ok()) << size;
    EXPECT_NE(ring.error().message.find("not prime"), std::string::npos) << ring.error().message;
  }
}

TEST(MaglevErrors, RingSmallerThanBackendCount) {
  auto ring = build(ipv4_backends(8), 7);
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.error().message.find("smaller than the 8 backends"), std::string::npos)
      << ring.error().message;
}

TEST(MaglevErrors, DuplicateIdentityIsNamed) {
  std::vector<Backend> backends = {
      {1, "198.18.10.1", 1}, {2, "198.18.10.2", 1}, {3, "198.18.10.1", 1}};
  auto ring = build(backends);
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.error().message.find("\"198.18.10.1\""), std::string::npos)
      << ring.error().message;
}

TEST(MaglevErrors, DuplicateOrZeroIdOrEmptyIdentity) {
  EXPECT_FALSE(build({{1, "198.18.10.1", 1}, {1, "198.18.10.2", 1}}).ok());
  EXPECT_FALSE(build({{0, "198.18.10.1", 1}}).ok());
  EXPECT_FALSE(build({{1, "", 1}}).ok());
}

TEST(MaglevErrors, BadPermutationInputs) {
  EXPECT_FALSE(build_from_permutations({{.id = 1, .offset = 7, .skip = 1}}, 7).ok());
  EXPECT_FALSE(build_from_permutations({{.id = 1, .offset = 0, .skip = 0}}, 7).ok());
  EXPECT_FALSE(build_from_permutations({{.id = 1, .offset = 0, .skip = 7}}, 7).ok());
  EXPECT_FALSE(build_from_permutations({{.id = 0, .offset = 0, .skip = 1}}, 7).ok());
  EXPECT_FALSE(build_from_permutations({{.id = 1, .offset = 0, .skip = 1}}, 8).ok());
}

TEST(MaglevPrime, SmallAndTableSizes) {
  EXPECT_FALSE(is_prime(0));
  EXPECT_FALSE(is_prime(1));
  EXPECT_TRUE(is_prime(2));
  EXPECT_TRUE(is_prime(3));
  EXPECT_FALSE(is_prime(9));
  EXPECT_TRUE(is_prime(65537));
  EXPECT_TRUE(is_prime(131071));  // 2^17 - 1
  EXPECT_FALSE(is_prime(65537u * 3));
  EXPECT_TRUE(is_prime(4294967291u));  // largest 32-bit prime
  EXPECT_FALSE(is_prime(UINT32_MAX));
}

TEST(MaglevFillCounts, CountsSlotsAndSkipsEmpty) {
  const auto counts = fill_counts({0, 3, 3, 1, 0, 3});
  EXPECT_EQ(counts, (std::map<uint32_t, uint32_t>{{1, 1}, {3, 3}}));
}

}  // namespace
}  // namespace xlb::maglev
