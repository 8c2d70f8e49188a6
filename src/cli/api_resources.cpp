#include "cli/api_resources.h"

#include <charconv>
#include <stdexcept>

namespace xlb::cli {

using nlohmann::json;

namespace {

FlagSpec text(std::string flag, std::string field, std::string help) {
  return {std::move(flag), std::move(field), FieldType::text, std::move(help)};
}
FlagSpec integer(std::string flag, std::string field, std::string help) {
  return {std::move(flag), std::move(field), FieldType::integer, std::move(help)};
}
FlagSpec create_only(FlagSpec f, bool required = false) {
  f.create_only = true;
  f.required = required;
  return f;
}
FlagSpec required(FlagSpec f) {
  f.required = true;
  return f;
}
FlagSpec reference(std::string flag, std::string field, std::string refers_to, std::string help) {
  return {std::move(flag), std::move(field), FieldType::reference, std::move(help), false, false, std::move(refers_to)};
}

FlagSpec name_flag() { return text("name", "name", "name"); }
FlagSpec description_flag() { return text("description", "description", "free text"); }
FlagSpec tags_flag() { return {"tags", "tags", FieldType::list, "tags, comma-separated (empty: none)"}; }

std::vector<ResourceSpec> build_specs() {
  std::vector<ResourceSpec> specs;
  specs.push_back({"lb", "load balancer", "loadbalancer", "loadbalancers", false,
                   {"id", "name", "vip_address", "provisioning_status", "operating_status", "project_id"},
                   {name_flag(), description_flag(),
                    create_only(text("vip-address", "vip_address", "the VIP (allocated from --vip-subnet-id if omitted)")),
                    create_only(text("vip-subnet-id", "vip_subnet_id", "the subnet the VIP is in")),
                    create_only(text("project-id", "project_id", "owner project (admin only)")), tags_flag()}});
  specs.push_back(
      {"listener", "listener", "listener", "listeners", false,
       {"id", "name", "protocol", "protocol_port", "loadbalancers", "default_pool_id", "provisioning_status",
        "operating_status"},
       {name_flag(), description_flag(),
        create_only(reference("loadbalancer", "loadbalancer_id", "lb", "the load balancer (name or id)"), true),
        create_only(text("protocol", "protocol", "TCP or UDP"), true),
        create_only(integer("port", "protocol_port", "the port on the VIP"), true),
        reference("default-pool", "default_pool_id", "pool", "the pool traffic goes to (name or id; set: none clears)"),
        integer("connection-limit", "connection_limit", "most connections at once (-1: no limit)"),
        {"allowed-cidrs", "allowed_cidrs", FieldType::list, "client prefixes allowed, comma-separated"},
        integer("timeout-client-data", "timeout_client_data", "milliseconds"),
        integer("timeout-member-connect", "timeout_member_connect", "milliseconds"),
        integer("timeout-member-data", "timeout_member_data", "milliseconds"), tags_flag()}});
  specs.push_back(
      {"pool", "pool", "pool", "pools", false,
       {"id", "name", "protocol", "lb_algorithm", "listeners", "loadbalancers", "healthmonitor_id",
        "provisioning_status", "operating_status"},
       {name_flag(), description_flag(),
        create_only(reference("listener", "listener_id", "listener", "become this listener's default pool")),
        create_only(reference("loadbalancer", "loadbalancer_id", "lb", "the load balancer, without --listener")),
        create_only(text("protocol", "protocol", "TCP or UDP (the listener's)"), true),
        required(text("lb-algorithm", "lb_algorithm", "SOURCE_IP_PORT or SOURCE_IP")), tags_flag()}});
  specs.push_back({"member", "member", "member", "members", true,
                   {"id", "name", "address", "protocol_port", "weight", "backup", "admin_state_up",
                    "operating_status", "provisioning_status"},
                   {name_flag(), create_only(text("address", "address", "the backend's address"), true),
                    create_only(integer("port", "protocol_port", "the backend's port"), true),
                    integer("weight", "weight", "0-256 (0: no new flows)"),
                    {"backup", "backup", FieldType::boolean, "true: only used when no other member is up"},
                    text("monitor-address", "monitor_address", "health checks go here instead"),
                    integer("monitor-port", "monitor_port", "health checks go to this port instead"),
                    create_only(text("subnet-id", "subnet_id", "the member's subnet")), tags_flag()}});
  specs.push_back(
      {"healthmonitor", "health monitor", "healthmonitor", "healthmonitors", false,
       {"id", "name", "type", "delay", "timeout", "max_retries", "pools", "provisioning_status", "operating_status"},
       {name_flag(), create_only(reference("pool", "pool_id", "pool", "the pool to check (name or id)"), true),
        create_only(text("type", "type", "TCP, HTTP, HTTPS, UDP-CONNECT or PING"), true),
        required(integer("delay", "delay", "seconds between checks")),
        required(integer("timeout", "timeout", "seconds a check may take")),
        required(integer("max-retries", "max_retries", "successes before a member is up (1-10)")),
        integer("max-retries-down", "max_retries_down", "failures before a member is down (1-10)"),
        text("http-method", "http_method", "HTTP monitors: GET, HEAD, ..."),
        text("url-path", "url_path", "HTTP monitors: the path"),
        text("expected-codes", "expected_codes", "HTTP monitors: 200, 200,202 or 200-204"),
        {"http-version", "http_version", FieldType::number, "HTTP monitors: 1.0 or 1.1"},
        text("domain-name", "domain_name", "HTTP monitors: the Host header (HTTP 1.1)"), tags_flag()}});
  return specs;
}

Result<json> convert(const FlagSpec& f, const std::string& value, BodyMode mode) {
  const std::string where = "--" + f.flag + ": ";
  switch (f.type) {
    case FieldType::text:
      return json(value);
    case FieldType::reference:
      if (mode == BodyMode::update && value == "none") return json();
      return json(value);
    case FieldType::integer: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        return Error{where + "expected a whole number, got '" + value + "'"};
      return json(v);
    }
    case FieldType::number: {
      json v = json::parse(value, nullptr, false);
      if (v.is_discarded() || !v.is_number()) return Error{where + "expected a number, got '" + value + "'"};
      return v;
    }
    case FieldType::boolean:
      if (value == "true" || value == "yes" || value == "1") return json(true);
      if (value == "false" || value == "no" || value == "0") return json(false);
      return Error{where + "expected true or false, got '" + value + "'"};
    case FieldType::list: {
      json items = json::array();
      size_t start = 0;
      while (start < value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        if (comma > start) items.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
      return items;
    }
  }
  return Error{where + "unknown field type"};
}

}  // namespace

const std::vector<ResourceSpec>& resource_specs() {
  static const std::vector<ResourceSpec> specs = build_specs();
  return specs;
}

const ResourceSpec& resource_spec(const std::string& command) {
  for (const auto& s : resource_specs())
    if (s.command == command) return s;
  throw std::out_of_range("no resource command " + command);
}

Result<json> request_body(const ResourceSpec& spec, const std::map<std::string, std::string>& values, BodyMode mode) {
  json inner = json::object();
  for (const auto& f : spec.flags) {
    auto it = values.find(f.flag);
    if (it == values.end()) {
      if (mode == BodyMode::create && f.required) return Error{"--" + f.flag + " is required"};
      continue;
    }
    if (mode == BodyMode::update && f.create_only) return Error{"--" + f.flag + " cannot change after creation"};
    auto v = convert(f, it->second, mode);
    if (!v) return v.error();
    inner[f.field] = std::move(*v);
  }
  // --enable/--disable arrive as this pseudo-flag.
  if (auto it = values.find("admin-state-up"); it != values.end()) inner["admin_state_up"] = it->second == "true";
  if (mode == BodyMode::update && inner.empty()) return Error{"nothing to change: give at least one field flag"};
  return json{{spec.singular, std::move(inner)}};
}

}  // namespace xlb::cli
