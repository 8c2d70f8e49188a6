#include "controller/subnets.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "controller/fields.h"

namespace xlb::controller {

namespace {

std::string at(const std::string& path, const YAML::Node& n) { return path + ":" + std::to_string(n.Mark().line + 1); }

// The address `offset` hosts into the prefix (offset < 2^32).
IpAddr nth(const Prefix& p, uint64_t offset) {
  IpAddr a = p.addr;
  const int last = a.is_v4() ? 3 : 15;
  for (int i = last; i >= 0 && offset; --i) {
    const uint64_t sum = a.bytes[i] + (offset & 0xff);
    a.bytes[i] = static_cast<uint8_t>(sum);
    offset = (offset >> 8) + (sum >> 8);
  }
  return a;
}

}  // namespace

bool prefix_contains(const Prefix& p, const IpAddr& a) {
  if (a.family != p.addr.family) return false;
  unsigned bits = p.length;
  for (size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (p.addr.bytes[i] & mask)) return false;
  }
  return true;
}

Result<Subnets> Subnets::load(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Error{path + ": cannot read the subnets file"};
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  Subnets out;
  if (!root.IsMap() || !root["subnets"] || !root["subnets"].IsSequence())
    return Error{at(path, root) + ": expected a mapping with a list `subnets`"};
  std::set<std::string> ids;
  for (const auto& item : root["subnets"]) {
    if (!item.IsMap()) return Error{at(path, item) + ": a subnet is a mapping with id, name, cidr"};
    Subnet s;
    for (const auto& kv : item) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (!v.IsScalar()) return Error{at(path, v) + ": " + key + " must be a string"};
      const std::string text = v.Scalar();
      if (key == "id" || key == "network_id") {
        if (!is_uuid(text)) return Error{at(path, v) + ": " + key + " must be a UUID"};
        (key == "id" ? s.id : s.network_id) = text;
      } else if (key == "name") {
        s.name = text;
      } else if (key == "cidr") {
        auto p = Prefix::parse(text);
        if (!p) return Error{at(path, v) + ": cidr: " + p.error().message};
        s.cidr = *p;
      } else if (key == "gateway_ip") {
        auto a = IpAddr::parse(text);
        if (!a) return Error{at(path, v) + ": gateway_ip: " + a.error().message};
        s.gateway = *a;
      } else {
        return Error{at(path, kv.first) + ": unknown key " + key + " (expected id, name, cidr, gateway_ip, network_id)"};
      }
    }
    if (s.id.empty() || s.cidr.addr.family == 0) return Error{at(path, item) + ": a subnet needs id and cidr"};
    if (s.gateway && !prefix_contains(s.cidr, *s.gateway))
      return Error{at(path, item["gateway_ip"]) + ": gateway_ip " + s.gateway->str() + " is not in " + s.cidr.str()};
    if (!ids.insert(s.id).second) return Error{at(path, item["id"]) + ": subnet " + s.id + " appears twice"};
    out.subnets_.push_back(std::move(s));
  }
  return out;
}

const Subnet* Subnets::find(const std::string& id) const {
  for (const auto& s : subnets_)
    if (s.id == id) return &s;
  return nullptr;
}

json subnet_json(const Subnet& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"network_id", s.network_id.empty() ? json() : json(s.network_id)},
          {"cidr", s.cidr.str()},
          {"ip_version", s.cidr.addr.is_v4() ? 4 : 6},
          {"gateway_ip", s.gateway ? json(s.gateway->str()) : json()},
          {"enable_dhcp", false},
          {"project_id", ""},
          {"tenant_id", ""},
          {"shared", true}};
}

Outcome<json> place_vip(json body, const Subnets& subnets, const State& state) {
  const json& subnet_id = body.value("vip_subnet_id", json());
  if (!subnet_id.is_string() || !is_uuid(subnet_id.get<std::string>())) return body;  // validation speaks
  const Subnet* s = subnets.find(subnet_id.get<std::string>());
  if (!s) return bad_request("Subnet " + subnet_id.get<std::string>() + " could not be found.");
  const json& vip = body.value("vip_address", json());
  if (vip.is_string()) {
    auto a = IpAddr::parse(vip.get<std::string>());
    if (a && !prefix_contains(s->cidr, *a))
      return bad_request("vip_address " + a->str() + " is not in subnet " + s->id + " (" + s->cidr.str() + ")");
    return body;
  }
  if (!vip.is_null()) return body;
  std::set<std::string> used;
  for (const auto& [id, lb] : state.collection(Kind::loadbalancer).items()) used.insert(lb.value("vip_address", ""));
  const unsigned host_bits = (s->cidr.addr.is_v4() ? 32 : 128) - s->cidr.length;
  // Hosts 1..size-2 (v4: no broadcast); at most 65536 tried.
  const uint64_t size = host_bits >= 32 ? (uint64_t{1} << 32) : (uint64_t{1} << host_bits);
  const bool tiny = size <= 2;  // a /31 or /32 (/127, /128): every address is a host
  const uint64_t last = std::min<uint64_t>(tiny ? size - 1 : s->cidr.addr.is_v4() ? size - 2 : size - 1, 65536);
  for (uint64_t i = tiny ? 0 : 1; i <= last; ++i) {
    const IpAddr a = nth(s->cidr, i);
    if ((s->gateway && a == *s->gateway) || used.count(a.str())) continue;
    body["vip_address"] = a.str();
    return body;
  }
  return conflict("No free address left in subnet " + s->id + " (" + s->cidr.str() + ")");
}

}  // namespace xlb::controller
