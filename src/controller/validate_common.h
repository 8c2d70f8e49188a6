// What the per-resource validators share: the fields every resource has and
// the read-then-merge step. Internal to the validate_*.cpp files.
#pragma once

#include <vector>

#include "controller/fields.h"
#include "controller/validate.h"

namespace xlb::controller::detail {

// name, description (when `with_description`), admin_state_up, tags, project_id.
void add_common_fields(std::vector<FieldSpec>& fields, bool with_description);

// Reads `body` against `fields` and merges it over `existing` on update.
Outcome<json> read_and_merge(const json& body, const json* existing, const std::vector<FieldSpec>& fields,
                             std::string_view kind);

// Rewrites an address field to its canonical text (so "2001:DB8::1" and
// "2001:db8::1" compare equal); leaves null alone.
void canonical_address(json& record, const char* field);

// Listener timeouts, in ms: up to 24 days, just under 2^31 ms, the largest
// timeout the L7 tier (HAProxy) will take, so one range serves both tiers.
inline constexpr int64_t kMaxTimeoutMs = 24LL * 24 * 60 * 60 * 1000;

}  // namespace xlb::controller::detail
