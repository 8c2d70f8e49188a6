#include "bpf/map.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <numeric>

namespace xlb::bpf {

namespace {
std::string describe(const Map& m, const std::string& op) { return op + " in map " + m.name(); }
}  // namespace

Status Map::update(const void* key, const void* value, uint64_t flags) const {
  if (bpf_map_update_elem(fd_, key, value, flags) != 0) return errno_error(describe(*this, "update"), errno);
  return {};
}

Result<bool> Map::lookup(const void* key, void* value) const {
  if (bpf_map_lookup_elem(fd_, key, value) == 0) return true;
  if (errno == ENOENT) return false;
  return errno_error(describe(*this, "lookup"), errno);
}

Status Map::erase(const void* key) const {
  if (bpf_map_delete_elem(fd_, key) == 0 || errno == ENOENT) return {};
  return errno_error(describe(*this, "delete"), errno);
}

Status Map::update_u32_range(uint32_t first, const std::vector<uint32_t>& values) const {
  std::vector<uint32_t> keys(values.size());
  std::iota(keys.begin(), keys.end(), first);
  uint32_t count = static_cast<uint32_t>(values.size());
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  if (bpf_map_update_batch(fd_, keys.data(), values.data(), &count, &opts) == 0 && count == values.size())
    return {};
  // Older kernels lack batch updates on arrays: fall back to one at a time.
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto st = update(&keys[i], &values[i]); !st) return st;
  }
  return {};
}

Result<std::vector<uint32_t>> Map::read_u32_range(uint32_t first, uint32_t count) const {
  std::vector<uint32_t> out(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t key = first + i;
    if (bpf_map_lookup_elem(fd_, &key, &out[i]) != 0)
      return errno_error(describe(*this, "read index " + std::to_string(key)), errno);
  }
  return out;
}

Result<std::vector<std::vector<uint8_t>>> Map::keys(size_t key_size) const {
  std::vector<std::vector<uint8_t>> out;
  std::vector<uint8_t> cur(key_size), next(key_size);
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd_, prev, next.data()) == 0) {
    out.push_back(next);
    cur = next;
    prev = cur.data();
  }
  if (errno != ENOENT) return errno_error(describe(*this, "iterate"), errno);
  return out;
}

int possible_cpus() {
  static const int n = libbpf_num_possible_cpus();
  return n > 0 ? n : 1;
}

Result<PinnedMap> PinnedMap::open(const std::string& path) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return errno_error("open pinned map " + path, errno);
  auto slash = path.rfind('/');
  return PinnedMap(Map(fd, slash == std::string::npos ? path : path.substr(slash + 1)));
}

PinnedMap::PinnedMap(PinnedMap&& other) noexcept : map_(std::move(other.map_)) { other.map_ = Map(); }

PinnedMap& PinnedMap::operator=(PinnedMap&& other) noexcept {
  if (this != &other) {
    if (map_.fd() >= 0) ::close(map_.fd());
    map_ = std::move(other.map_);
    other.map_ = Map();
  }
  return *this;
}

PinnedMap::~PinnedMap() {
  if (map_.fd() >= 0) ::close(map_.fd());
}

}  // namespace xlb::bpf
