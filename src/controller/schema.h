// The store's schema as a numbered list of migrations. Migration i (1-based)
// takes a database at user_version i-1 to i; each runs in its own
// transaction together with the version bump, so a failure leaves the
// database at the last version that fully applied.
#pragma once

#include <span>
#include <string>

#include "common/result.h"
#include "controller/sqlite.h"

namespace xlb::controller {

struct Migration {
  std::string description;
  std::string sql;
};

// The migrations this build knows, in order.
std::span<const Migration> schema_migrations();

// Brings `db` up to migrations.size(). A database newer than this build
// (user_version above the list) is refused: we would not understand it.
Status migrate(sqlite::Database& db, std::span<const Migration> migrations);

}  // namespace xlb::controller
