#include "maglev/maglev.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace xlb::maglev {

namespace {

// ---- Hashing -------------------------------------------------------------
//
// Two hashes of the identity pick a backend's offset and skip. They must be
// the same on every machine and every build (nodes share one table), so we
// read bytes explicitly little-endian and avoid std::hash. Each 8-byte block
// goes through a full 64-bit finalizer, which is more mixing than speed needs
// but identities are short and are hashed once per build.

uint64_t avalanche(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t load_little_endian(std::string_view bytes) {
  uint64_t word = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    word |= uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  }
  return word;
}

// The length goes in at both ends so that "a" and "a\0" (same zero-padded
// block) hash differently.
uint64_t keyed_hash(std::string_view data, uint64_t seed) {
  uint64_t h = avalanche(seed ^ (data.size() * 0x9e3779b97f4a7c15ULL));
  for (size_t pos = 0; pos < data.size(); pos += 8) {
    h = avalanche(h ^ load_little_endian(data.substr(pos, 8)));
  }
  return avalanche(h ^ data.size());
}

// Different seeds go through the finalizer before any data does, so the two
// hashes start from unrelated states and behave as independent functions.
constexpr uint64_t kOffsetSeed = 0x6d61676c65762d6fULL;  // "maglev-o"
constexpr uint64_t kSkipSeed = 0x6d61676c65762d73ULL;    // "maglev-s"

// ---- Validation ----------------------------------------------------------

Status check_ring_size(uint32_t ring_size, size_t weighted_backends) {
  if (!is_prime(ring_size)) {
    return Error{"maglev ring size " + std::to_string(ring_size) +
                 " is not prime; skips would not visit every slot (try 65537)"};
  }
  if (weighted_backends > ring_size) {
    return Error{"maglev ring size " + std::to_string(ring_size) + " is smaller than the " +
                 std::to_string(weighted_backends) +
                 " backends with nonzero weight; use a larger prime"};
  }
  return {};
}

Status check_permutation(const Permutation& p, uint32_t ring_size) {
  const std::string who = "maglev backend id " + std::to_string(p.id);
  if (p.id == kNoBackend) {
    return Error{"maglev backend id 0 is reserved for empty slots"};
  }
  if (p.offset >= ring_size) {
    return Error{who + ": offset " + std::to_string(p.offset) + " is not below ring size " +
                 std::to_string(ring_size)};
  }
  if (p.skip == 0 || p.skip >= ring_size) {
    return Error{who + ": skip " + std::to_string(p.skip) + " is outside [1, " +
                 std::to_string(ring_size) + ")"};
  }
  return {};
}

Status check_backends_sorted(const std::vector<Backend>& sorted) {
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Backend& b = sorted[i];
    if (b.identity.empty()) {
      return Error{"maglev backend id " + std::to_string(b.id) + " has an empty identity"};
    }
    if (b.id == kNoBackend) {
      return Error{"maglev backend \"" + b.identity + "\": id 0 is reserved for empty slots"};
    }
    if (i > 0 && sorted[i - 1].identity == b.identity) {
      return Error{"maglev backend identity \"" + b.identity + "\" appears more than once"};
    }
  }
  return {};
}

// ---- Population ----------------------------------------------------------

// Walks one backend's preference list without materialising it: each step
// adds skip modulo the ring size. Slots are < 2^32, so the sum fits easily.
class PreferenceCursor {
 public:
  PreferenceCursor(uint32_t offset, uint32_t skip, uint32_t ring_size)
      : slot_(offset), skip_(skip), ring_size_(ring_size) {}

  // The backend's most preferred slot that is still empty; the cursor moves
  // past it. Terminates because a prime ring makes the list a full
  // permutation and the caller only asks while some slot is empty.
  uint32_t claim_next_empty(const std::vector<uint32_t>& ring) {
    while (ring[slot_] != kNoBackend) advance();
    const uint32_t claimed = static_cast<uint32_t>(slot_);
    advance();
    return claimed;
  }

 private:
  void advance() {
    slot_ += skip_;
    if (slot_ >= ring_size_) slot_ -= ring_size_;
  }

  uint64_t slot_;
  uint64_t skip_;
  uint64_t ring_size_;
};

// Weighted turn-taking. Think of rounds: in every round each backend, in fill
// order, earns weight/max_weight of a turn and takes a turn whenever its
// earnings reach a whole one. With equal weights that is exactly the paper's
// round-robin; with unequal weights a backend's turns, and so its slots
// (one per turn), are proportional to its weight to within a slot or two.
//
// Rather than stepping through every backend in every round (costly when one
// weight dwarfs the rest), we compute when each backend's k-th turn falls:
// the first round r with r * weight >= k * max_weight, and take turns in
// (round, fill position) order from a heap.
class TurnSchedule {
 public:
  explicit TurnSchedule(const std::vector<Permutation>& weighted)
      : backend_count_(weighted.size()) {
    uint32_t min_weight = UINT32_MAX;
    for (const Permutation& p : weighted) {
      max_weight_ = std::max(max_weight_, p.weight);
      min_weight = std::min(min_weight, p.weight);
    }
    // With equal weights every backend's k-th turn is in round k, so the heap
    // would just yield 0, 1, ..., n-1 repeatedly. That is the usual case and
    // the heap costs more than the rest of the build, so skip it.
    equal_weights_ = min_weight == max_weight_;
    if (equal_weights_) return;
    for (size_t i = 0; i < weighted.size(); ++i) {
      weights_.push_back(weighted[i].weight);
      turns_taken_.push_back(0);
      queue_.emplace(round_of_turn(1, weights_[i]), i);
    }
  }

  // The fill position of the backend whose turn it is; schedules its next one.
  size_t next() {
    if (equal_weights_) {
      const size_t backend = round_robin_;
      round_robin_ = (round_robin_ + 1) % backend_count_;
      return backend;
    }
    const size_t backend = queue_.top().second;
    queue_.pop();
    const uint64_t turn = ++turns_taken_[backend];
    queue_.emplace(round_of_turn(turn + 1, weights_[backend]), backend);
    return backend;
  }

 private:
  // ceil(turn * max_weight / weight). turn <= ring size + 1 <= 2^32 and
  // max_weight < 2^32, so the numerator stays below 2^64.
  uint64_t round_of_turn(uint64_t turn, uint64_t weight) const {
    return (turn * max_weight_ + weight - 1) / weight;
  }

  using Entry = std::pair<uint64_t, size_t>;  // (round, fill position)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::vector<uint64_t> weights_;
  std::vector<uint64_t> turns_taken_;
  uint32_t max_weight_ = 0;
  size_t backend_count_;
  bool equal_weights_ = false;
  size_t round_robin_ = 0;
};

std::vector<uint32_t> populate(const std::vector<Permutation>& weighted, uint32_t ring_size) {
  std::vector<uint32_t> ring(ring_size, kNoBackend);
  if (weighted.empty()) return ring;

  std::vector<PreferenceCursor> cursors;
  cursors.reserve(weighted.size());
  for (const Permutation& p : weighted) cursors.emplace_back(p.offset, p.skip, ring_size);

  TurnSchedule schedule(weighted);
  for (uint32_t filled = 0; filled < ring_size; ++filled) {
    const size_t backend = schedule.next();
    ring[cursors[backend].claim_next_empty(ring)] = weighted[backend].id;
  }
  return ring;
}

}  // namespace

bool is_prime(uint32_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint64_t d = 3; d * d <= n; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

Permutation permutation_for(const Backend& backend, uint32_t ring_size) {
  // Not a usable ring; return something build_from_permutations will reject
  // rather than dividing by zero below.
  if (ring_size < 2) return Permutation{.id = backend.id, .weight = backend.weight};
  const uint64_t h1 = keyed_hash(backend.identity, kOffsetSeed);
  const uint64_t h2 = keyed_hash(backend.identity, kSkipSeed);
  return Permutation{
      .id = backend.id,
      .offset = static_cast<uint32_t>(h1 % ring_size),
      .skip = static_cast<uint32_t>(h2 % (ring_size - 1) + 1),
      .weight = backend.weight,
  };
}

Result<std::vector<uint32_t>> build_from_permutations(const std::vector<Permutation>& perms,
                                                      uint32_t ring_size) {
  std::vector<Permutation> weighted;
  std::unordered_set<uint32_t> ids;
  for (const Permutation& p : perms) {
    if (Status s = check_permutation(p, ring_size); !s) return s.error();
    if (!ids.insert(p.id).second) {
      return Error{"maglev backend id " + std::to_string(p.id) + " appears more than once"};
    }
    if (p.weight > 0) weighted.push_back(p);
  }
  if (Status s = check_ring_size(ring_size, weighted.size()); !s) return s.error();
  return populate(weighted, ring_size);
}

Result<std::vector<uint32_t>> build(std::vector<Backend> backends, uint32_t ring_size) {
  // Fill order is part of the result, so fix it from the set's contents.
  std::sort(backends.begin(), backends.end(), [](const Backend& a, const Backend& b) {
    return std::tie(a.identity, a.id) < std::tie(b.identity, b.id);
  });
  if (Status s = check_backends_sorted(backends); !s) return s.error();

  // Check the ring before hashing: permutation_for needs ring_size >= 2.
  const auto weighted = std::count_if(backends.begin(), backends.end(),
                                      [](const Backend& b) { return b.weight > 0; });
  if (Status s = check_ring_size(ring_size, static_cast<size_t>(weighted)); !s) return s.error();

  std::vector<Permutation> perms;
  perms.reserve(backends.size());
  for (const Backend& b : backends) perms.push_back(permutation_for(b, ring_size));
  return build_from_permutations(perms, ring_size);
}

std::map<uint32_t, uint32_t> fill_counts(const std::vector<uint32_t>& ring) {
  std::map<uint32_t, uint32_t> counts;
  for (uint32_t id : ring) {
    if (id != kNoBackend) ++counts[id];
  }
  return counts;
}

}  // namespace xlb::maglev
