// What each `xlb <resource>` command knows about its Octavia resource: the
// API collection, the table columns, and the command-line flags with the
// request-body fields they fill. request_body() turns the flags a user gave
// into the body the API expects; references (--loadbalancer web) are turned
// into ids by the command before that, because that takes API calls.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace xlb::cli {

enum class FieldType { text, integer, number, boolean, list, reference };

struct FlagSpec {
  std::string flag;   // without dashes: "vip-address"
  std::string field;  // the body field: "vip_address"
  FieldType type = FieldType::text;
  std::string help;
  bool create_only = false;  // not offered by `set`
  bool required = false;     // on create
  std::string refers_to;     // for references: the resource command ("lb", "listener", "pool")
};

struct ResourceSpec {
  std::string command;   // "lb"
  std::string noun;      // "load balancer", for messages
  std::string singular;  // "loadbalancer": the body's wrapper key
  std::string plural;    // "loadbalancers": the collection
  bool in_pool = false;  // members live under /pools/{pool_id}/members
  std::vector<std::string> columns;  // of `list`
  std::vector<FlagSpec> flags;
};

const std::vector<ResourceSpec>& resource_specs();
// The spec of `command` ("lb", "listener", ...); throws std::out_of_range for another.
const ResourceSpec& resource_spec(const std::string& command);

enum class BodyMode { create, update };

// {"<singular>": {...}} from flag values (flag name -> text as typed, with
// references already ids). "none" for a reference in update mode clears it
// (null). A missing required flag, or a value of the wrong type, is an error
// naming the flag.
Result<nlohmann::json> request_body(const ResourceSpec& spec, const std::map<std::string, std::string>& values,
                                    BodyMode mode);

}  // namespace xlb::cli
