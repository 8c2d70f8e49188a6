// Per-resource validation of request bodies, without looking at other
// resources (references, conflicts and ownership are checked by the
// service, which sees the whole state). Each function takes the inner
// object of the body ({"listener": {...}} -> {...}) and, for an update, the
// stored record; it returns the record's accepted fields: on create every
// field with defaults filled in, on update the stored record with the
// body's changes applied. Rules between fields (a monitor's timeout within
// its delay) are checked on that result, so an update cannot break them.
#pragma once

#include "controller/fault.h"
#include "controller/state.h"

namespace xlb::controller {

Outcome<json> validate_loadbalancer(const json& body, const json* existing);
Outcome<json> validate_listener(const json& body, const json* existing);
Outcome<json> validate_pool(const json& body, const json* existing);
Outcome<json> validate_member(const json& body, const json* existing);
Outcome<json> validate_healthmonitor(const json& body, const json* existing);

// Dispatches on kind.
Outcome<json> validate(Kind kind, const json& body, const json* existing);

}  // namespace xlb::controller
