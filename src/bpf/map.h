// A BPF map reached by file descriptor, with errors that name the map and the
// operation. Does not own the fd: the skeleton (or PinnedMap) does.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/result.h"
#include "xlb/abi.h"

namespace xlb::bpf {

class Map {
 public:
  Map() = default;
  Map(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

  Status update(const void* key, const void* value, uint64_t flags = 0) const;
  // Ok(false) when the key is absent.
  Result<bool> lookup(const void* key, void* value) const;
  // Ok even when the key was already absent.
  Status erase(const void* key) const;
  // Writes `count` consecutive u32 values of an ARRAY map starting at index `first`.
  Status update_u32_range(uint32_t first, const std::vector<uint32_t>& values) const;
  Result<std::vector<uint32_t>> read_u32_range(uint32_t first, uint32_t count) const;
  // All keys of a hash map, each `key_size` bytes.
  Result<std::vector<std::vector<uint8_t>>> keys(size_t key_size) const;

 private:
  int fd_ = -1;
  std::string name_;
};

// A map opened from its pin in bpffs; owns (and closes) the fd.
class PinnedMap {
 public:
  static Result<PinnedMap> open(const std::string& path);
  PinnedMap(PinnedMap&& other) noexcept;
  PinnedMap& operator=(PinnedMap&& other) noexcept;
  PinnedMap(const PinnedMap&) = delete;
  PinnedMap& operator=(const PinnedMap&) = delete;
  ~PinnedMap();
  const Map& map() const { return map_; }

 private:
  explicit PinnedMap(Map m) : map_(std::move(m)) {}
  Map map_;
};

int possible_cpus();

// Every CPU's copy of a per-CPU ARRAY entry (value sizes that are multiples of 8).
template <class T>
Result<std::vector<T>> read_percpu(const Map& map, uint32_t index) {
  static_assert(sizeof(T) % 8 == 0, "the kernel pads per-CPU values to 8 bytes");
  std::vector<T> per_cpu(possible_cpus());
  if (auto found = map.lookup(&index, per_cpu.data()); !found) return found.error();
  return per_cpu;
}

// A per-CPU ARRAY entry summed over CPUs, field by field (T: a struct of __u64 only).
template <class T>
Result<T> sum_percpu(const Map& map, uint32_t index) {
  auto per_cpu = read_percpu<T>(map, index);
  if (!per_cpu) return per_cpu.error();
  constexpr size_t kWords = sizeof(T) / sizeof(uint64_t);
  uint64_t sum[kWords] = {};
  for (const T& v : *per_cpu) {
    uint64_t words[kWords];
    std::memcpy(words, &v, sizeof(T));
    for (size_t i = 0; i < kWords; ++i) sum[i] += words[i];
  }
  T out;
  std::memcpy(&out, sum, sizeof(T));
  return out;
}

// Zero an entry on every CPU.
template <class T>
Status zero_percpu(const Map& map, uint32_t index) {
  std::vector<T> zeros(possible_cpus());
  return map.update(&index, zeros.data());
}

// One counter of a per-CPU counter map, summed over CPUs.
inline Result<xlb_counter> read_percpu_counter(const Map& map, uint32_t index) {
  return sum_percpu<xlb_counter>(map, index);
}

}  // namespace xlb::bpf
