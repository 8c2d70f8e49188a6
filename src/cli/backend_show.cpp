#include "cli/backend_show.h"

#include <cstring>
#include <sstream>

#include "bpf/map.h"
#include "common/net.h"

namespace xlb::cli {

using nlohmann::json;

namespace {

const char* decap_counter_name(xlb_decap_counter_id id) {
  switch (id) {
    case XLB_DCNT_DECAP_V4: return "decap_v4";
    case XLB_DCNT_DECAP_V6: return "decap_v6";
    case XLB_DCNT_PASS: return "pass";
    case XLB_DCNT_DROP_MALFORMED: return "drop_malformed";
    case XLB_DCNT_DROP_ADJUST: return "drop_adjust";
    case XLB_DCNT_CE_MARKED: return "ce_marked";
    case XLB_DCNT_DROP_CE_NOT_ECT: return "drop_ce_not_ect";
    case XLB_DCNT_DROP_SOURCE: return "drop_source";
    case XLB_DCNT_COUNT: break;
  }
  return "unknown";
}

const char* mss_counter_name(xlb_mss_counter_id id) {
  switch (id) {
    case XLB_MSS_CLAMPED: return "clamped";
    case XLB_MSS_FITS: return "fits";
    case XLB_MSS_UNPARSED: return "unparsed";
    case XLB_MSS_COUNT: break;
  }
  return "unknown";
}

Result<bpf::PinnedMap> open_map(const std::string& pin_dir, const char* name) {
  auto m = bpf::PinnedMap::open(pin_dir + "/" + name);
  if (!m) return m.error().context("is this host an xlb backend? ('xlb backend prepare')");
  return m;
}

template <class Id, class NameOf>
Result<json> counters(const std::string& pin_dir, const char* map_name, Id count, NameOf name_of) {
  auto map = open_map(pin_dir, map_name);
  if (!map) return map.error();
  json out = json::object();
  for (uint32_t id = 0; id < static_cast<uint32_t>(count); id++) {
    auto c = bpf::read_percpu_counter(map->map(), id);
    if (!c) return c.error();
    out[name_of(static_cast<Id>(id))] = json{{"packets", c->packets}, {"bytes", c->bytes}};
  }
  return out;
}

}  // namespace

Result<json> backend_state(const std::string& pin_dir) {
  json state;
  auto vips = open_map(pin_dir, "xlb_dvips_v2");
  if (!vips) return vips.error();
  auto keys = vips->map().keys(sizeof(xlb_vip_addr_key));
  if (!keys) return keys.error();
  state["vips"] = json::array();
  for (const auto& raw : *keys) {
    xlb_vip_addr_key k;
    std::memcpy(&k, raw.data(), sizeof(k));
    state["vips"].push_back(IpAddr::from_abi(k.addr, static_cast<uint8_t>(k.family)).str());
  }

  auto clamp_map = open_map(pin_dir, "xlb_dmss_v2");
  if (!clamp_map) return clamp_map.error();
  xlb_mss_clamp clamp{};
  uint32_t zero = 0;
  if (auto found = clamp_map->map().lookup(&zero, &clamp); !found) return found.error();
  state["mss_clamp"] = json{{"mss4", clamp.mss4}, {"mss6", clamp.mss6}};

  auto decap = counters(pin_dir, "xlb_dcounters_v2", XLB_DCNT_COUNT, decap_counter_name);
  if (!decap) return decap.error();
  state["decap"] = *decap;
  auto mss = counters(pin_dir, "xlb_dmsscnt_v2", XLB_MSS_COUNT, mss_counter_name);
  if (!mss) return mss.error();
  state["mss"] = *mss;
  return state;
}

std::string render_backend_state(const json& state) {
  std::ostringstream out;
  out << "VIPs served:";
  for (const auto& v : state["vips"]) out << " " << v.get<std::string>();
  out << "\nMSS clamp: ";
  auto mss4 = state["mss_clamp"]["mss4"].get<unsigned>(), mss6 = state["mss_clamp"]["mss6"].get<unsigned>();
  if (mss4 == 0 && mss6 == 0)
    out << "off";
  else
    out << "IPv4 " << mss4 << ", IPv6 " << mss6;
  out << "\n";
  for (const char* section : {"decap", "mss"}) {
    out << section << ":\n";
    for (const auto& [name, c] : state[section].items())
      out << "  " << name << " " << c["packets"].get<uint64_t>() << " packets, " << c["bytes"].get<uint64_t>()
          << " bytes\n";
  }
  return out.str();
}

}  // namespace xlb::cli
