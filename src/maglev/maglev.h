// Maglev consistent hashing (Eisenbud et al., NSDI 2016, section 3.4): build
// the lookup table the XDP program indexes with a flow hash. Every L4 node
// must build the same table from the same backend set, so the table depends
// only on the set (not on the order it was given in) and the hashes are fixed,
// portable functions of each backend's identity.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace xlb::maglev {

// Prime, and large enough that 1000 backends still get ~1% balance.
constexpr uint32_t kDefaultRingSize = 65537;

// A table entry of 0 means "no backend"; real ids start at 1.
constexpr uint32_t kNoBackend = 0;

struct Backend {
  uint32_t id = kNoBackend;  // what goes into the table
  std::string identity;      // what is hashed, e.g. "198.18.10.2"
  uint32_t weight = 1;       // 0 keeps the backend out of the table
};

// One backend's preference list: slot j of it is (offset + j * skip) % ring_size.
struct Permutation {
  uint32_t id = kNoBackend;
  uint32_t offset = 0;  // in [0, ring_size)
  uint32_t skip = 1;    // in [1, ring_size); coprime with a prime ring_size
  uint32_t weight = 1;

  bool operator==(const Permutation&) const = default;
};

// The table for a backend set. Errors: ring_size not prime, more weighted
// backends than slots, id 0, empty or duplicate identity, duplicate id.
// No backends (or all weight 0) gives a table of all kNoBackend.
Result<std::vector<uint32_t>> build(std::vector<Backend> backends,
                                    uint32_t ring_size = kDefaultRingSize);

// The population step on its own, with permutations in fill order (what
// build() derives from identities). Lets tests replay the paper's example.
Result<std::vector<uint32_t>> build_from_permutations(const std::vector<Permutation>& perms,
                                                      uint32_t ring_size);

// The offset and skip build() uses for a backend; ring_size must be prime.
Permutation permutation_for(const Backend& backend, uint32_t ring_size);

bool is_prime(uint32_t n);

// Slots held per backend id, for "ring fill" displays; empty slots are not
// counted.
std::map<uint32_t, uint32_t> fill_counts(const std::vector<uint32_t>& ring);

}  // namespace xlb::maglev
