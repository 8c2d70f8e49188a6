#include "capture/pcapng.h"

#include <cerrno>
#include <cstring>

namespace xlb::capture {

namespace {

constexpr uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
constexpr uint32_t kInterfaceDescriptionBlock = 1;
constexpr uint32_t kEnhancedPacketBlock = 6;
constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint16_t kLinkTypeEthernet = 1;
// Option codes.
constexpr uint16_t kOptEnd = 0;
constexpr uint16_t kOptComment = 1;
constexpr uint16_t kShbUserAppl = 4;
constexpr uint16_t kIfName = 2;
constexpr uint16_t kIfTsresol = 9;
constexpr uint16_t kEpbFlags = 2;

// "create FILE: No such file or directory": errno_error's hints are about
// BPF objects, and would mislead about an output file.
Error file_error(const std::string& what, int err) { return Error{what + ": " + std::strerror(err)}; }

// Little-endian appends; every block and option body is padded to 32 bits.
class Block {
 public:
  explicit Block(uint32_t type) {
    u32(type);
    u32(0);  // total length, set by done()
  }
  Block& u16(uint16_t v) { return raw(&v, 2); }
  Block& u32(uint32_t v) { return raw(&v, 4); }
  Block& raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
    return *this;
  }
  Block& pad() {
    while (bytes_.size() % 4) bytes_.push_back(0);
    return *this;
  }
  Block& option(uint16_t code, const void* p, size_t n) {
    u16(code).u16(static_cast<uint16_t>(n)).raw(p, n);
    return pad();
  }
  Block& option(uint16_t code, std::string_view text) { return option(code, text.data(), text.size()); }
  // Closes the block: the end-of-options marker when there were options,
  // and the total length at both ends.
  std::vector<uint8_t> done(bool had_options) {
    if (had_options) u16(kOptEnd).u16(0);
    const auto total = static_cast<uint32_t>(bytes_.size() + 4);
    u32(total);
    std::memcpy(bytes_.data() + 4, &total, 4);
    return std::move(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
};

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the blocks are written in host order");

}  // namespace

std::vector<uint8_t> pcapng_header(uint32_t snaplen, std::string_view interface, std::string_view application) {
  Block shb(kSectionHeaderBlock);
  shb.u32(kByteOrderMagic).u16(1).u16(0);  // version 1.0
  const uint64_t unknown_length = ~uint64_t{0};
  shb.raw(&unknown_length, 8);
  shb.option(kShbUserAppl, application);
  std::vector<uint8_t> out = shb.done(true);

  Block idb(kInterfaceDescriptionBlock);
  idb.u16(kLinkTypeEthernet).u16(0).u32(snaplen);
  idb.option(kIfName, interface);
  const uint8_t nanoseconds = 9;  // timestamps count 10^-9 s
  idb.option(kIfTsresol, &nanoseconds, 1);
  std::vector<uint8_t> idb_bytes = idb.done(true);
  out.insert(out.end(), idb_bytes.begin(), idb_bytes.end());
  return out;
}

std::vector<uint8_t> pcapng_packet(const PcapngPacket& p) {
  Block epb(kEnhancedPacketBlock);
  epb.u32(0);  // interface 0
  epb.u32(static_cast<uint32_t>(p.ts_ns >> 32)).u32(static_cast<uint32_t>(p.ts_ns));
  epb.u32(static_cast<uint32_t>(p.data.size())).u32(p.orig_len);
  epb.raw(p.data.data(), p.data.size()).pad();
  bool options = false;
  if (!p.comment.empty()) {
    epb.option(kOptComment, p.comment);
    options = true;
  }
  if (p.direction != Direction::Unknown) {
    const auto flags = static_cast<uint32_t>(p.direction);
    epb.option(kEpbFlags, &flags, 4);
    options = true;
  }
  return epb.done(options);
}

Result<PcapngFile> PcapngFile::create(const std::string& path, uint32_t snaplen, std::string_view interface,
                                      std::string_view application) {
  std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (!f) return file_error("create " + path, errno);
  PcapngFile file(f, path);
  if (auto st = file.put(pcapng_header(snaplen, interface, application)); !st) return st.error();
  return file;
}

PcapngFile::PcapngFile(PcapngFile&& other) noexcept : file_(other.file_), path_(std::move(other.path_)) {
  other.file_ = nullptr;
}

PcapngFile::~PcapngFile() { (void)close(); }

Status PcapngFile::put(const std::vector<uint8_t>& bytes) {
  if (!file_) return Error{"write " + path_ + ": already closed"};
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) return file_error("write " + path_, errno);
  if (file_ == stdout && std::fflush(file_) != 0) return file_error("write " + path_, errno);
  return {};
}

Status PcapngFile::write(const PcapngPacket& packet) { return put(pcapng_packet(packet)); }

Status PcapngFile::close() {
  if (!file_) return {};
  std::FILE* f = file_;
  file_ = nullptr;
  const int rc = f == stdout ? std::fflush(f) : std::fclose(f);
  if (rc != 0) return file_error("write " + path_, errno);
  return {};
}

}  // namespace xlb::capture
