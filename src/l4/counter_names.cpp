#include "l4/counter_names.h"

namespace xlb::l4 {

const char* drop_reason_name(uint32_t reason) {
  switch (static_cast<xlb_drop_reason>(reason)) {
    case XLB_DROP_TRUNCATED_L2: return "truncated_l2";
    case XLB_DROP_TRUNCATED_L3: return "truncated_l3";
    case XLB_DROP_BAD_L3: return "bad_l3";
    case XLB_DROP_TRUNCATED_L4: return "truncated_l4";
    case XLB_DROP_FRAGMENT: return "fragment";
    case XLB_DROP_UNKNOWN_L4: return "unknown_l4";
    case XLB_DROP_NO_SERVICE: return "no_service";
    case XLB_DROP_NO_BACKEND: return "no_backend";
    case XLB_DROP_BAD_BACKEND: return "bad_backend";
    case XLB_DROP_NO_ENCAP_SOURCE: return "no_encap_source";
    case XLB_DROP_UNSUPPORTED_ENCAP: return "unsupported_encap";
    case XLB_DROP_ENCAP_FAILED: return "encap_failed";
    case XLB_DROP_NO_ROUTE: return "no_route";
    case XLB_DROP_NO_TX_PORT: return "no_tx_port";
    case XLB_DROP_ICMP_TO_VIP: return "icmp_to_vip";
    case XLB_DROP_RATE_LIMITED: return "rate_limited";
    case XLB_DROP_TOO_BIG_NO_DF: return "too_big_no_df";
    case XLB_DROP_ICMP_RATE_LIMITED: return "icmp_rate_limited";
    case XLB_DROP_TOO_BIG_UNANSWERED: return "too_big_unanswered";
    case XLB_DROP_ICMP_ERROR_MALFORMED: return "icmp_error_malformed";
    case XLB_DROP_ICMP_ERROR_UNKNOWN_FLOW: return "icmp_error_unknown_flow";
    case XLB_DROP_ACL_DENIED: return "acl_denied";
    case XLB_DROP_REASON_COUNT: break;
  }
  return "unknown";
}

std::string counter_name(uint32_t id) {
  switch (id) {
    case XLB_CNT_PASS: return "pass";
    case XLB_CNT_TX: return "tx";
    case XLB_CNT_REDIRECT: return "redirect";
    case XLB_CNT_DROP: return "drop";
    case XLB_CNT_FIB_HIT: return "fib_hit";
    case XLB_CNT_FIB_FALLBACK: return "fib_fallback";
    case XLB_CNT_FIB_NO_NEIGH: return "fib_no_neigh";
    case XLB_CNT_SESSION_HIT: return "session_hit";
    case XLB_CNT_SESSION_MISS: return "session_miss";
    case XLB_CNT_SESSION_INSERT: return "session_insert";
    case XLB_CNT_NEW_FLOW: return "new_flow";
    case XLB_CNT_INSERT_SKIPPED: return "session_insert_skipped";
    case XLB_CNT_STATELESS_ENTER: return "stateless_enter";
    case XLB_CNT_STATELESS_LEAVE: return "stateless_leave";
    case XLB_CNT_RESET_NO_BACKEND: return "reset_no_backend";
    case XLB_CNT_ICMP_TOO_BIG: return "icmp_too_big";
    case XLB_CNT_NEXTHOP_CACHED: return "nexthop_cached";
    case XLB_CNT_ICMP_ECHO_REPLY: return "icmp_echo_reply";
    case XLB_CNT_ICMP_ERROR_FORWARDED: return "icmp_error_forwarded";
    case XLB_CNT_FRAGMENT_FORWARDED: return "fragment_forwarded";
    case XLB_CNT_CAPTURE_RECORD: return "capture_record";
    case XLB_CNT_CAPTURE_RING_FULL: return "capture_ring_full";
    default: break;
  }
  if (id >= XLB_CNT_DROP_REASON_BASE && id < XLB_CNT_COUNT)
    return std::string("drop_") + drop_reason_name(id - XLB_CNT_DROP_REASON_BASE);
  return "unknown_" + std::to_string(id);
}

std::vector<uint32_t> counter_ids() {
  std::vector<uint32_t> ids;
  for (uint32_t id = 0; id < XLB_CNT_NODE_END; ++id) ids.push_back(id);
  for (uint32_t id = XLB_CNT_DROP_REASON_BASE; id < XLB_CNT_COUNT; ++id) ids.push_back(id);
  return ids;
}

}  // namespace xlb::l4
