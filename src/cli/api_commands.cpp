#include "cli/api_commands.h"

#include <charconv>
#include <iostream>

#include "cli/api_session.h"
#include "common/url.h"
#include "cli/revision_view.h"
#include "cli/status_view.h"
#include "cli/table.h"

namespace xlb::cli {

using nlohmann::json;

namespace {

const std::string kLbaas = "/v2/lbaas/";
const std::vector<std::string> kShowFirst = {"id", "name", "provisioning_status", "operating_status"};

std::string past_tense(const std::string& verb) { return verb == "create" ? "created" : verb == "set" ? "updated" : "deleted"; }

// The session, or the exit code; every action starts with it.
#define XLB_SESSION(options)                         \
  auto opened = open_session(options);               \
  if (auto* code = std::get_if<int>(&opened)) return *code; \
  const Session& s = std::get<Session>(opened)

// Runs `f` on the value of a variant<T, ApiError>, or reports the error.
#define XLB_TRY(var, expr)                                         \
  auto var##_result = (expr);                                      \
  if (auto* e = std::get_if<ApiError>(&var##_result)) return report(*e); \
  auto& var = std::get<0>(var##_result)

// The collection path of `spec`; members need their pool's id.
std::string collection(const ResourceSpec& spec, const std::string& pool_id) {
  return spec.in_pool ? kLbaas + "pools/" + pool_id + "/members" : kLbaas + spec.plural;
}

// Replaces reference flags (names or ids) by ids.
std::optional<ApiError> resolve_references(const Session& s, const ResourceSpec& spec,
                                           std::map<std::string, std::string>& values) {
  for (const auto& f : spec.flags) {
    if (f.type != FieldType::reference) continue;
    auto it = values.find(f.flag);
    if (it == values.end() || it->second == "none") continue;
    const ResourceSpec& target = resource_spec(f.refers_to);
    auto id = resolve(s, target, collection(target, ""), it->second);
    if (auto* e = std::get_if<ApiError>(&id)) return *e;
    it->second = std::get<std::string>(id);
  }
  return std::nullopt;
}

std::string change_line(const ResourceSpec& spec, const std::string& verb, const std::string& id,
                        const ApiReply& reply) {
  return past_tense(verb) + " " + spec.noun + " " + id +
         (reply.revision ? " (revision " + std::to_string(*reply.revision) + ")" : "") + "\n";
}

}  // namespace

ApiCommands::ApiCommands(CLI::App& app) {
  for (const auto& spec : resource_specs()) add_resource(app, spec);
  add_revisions(app);
  add_quotas(app);
  add_agents(app);
}

CLI::App* ApiCommands::group(CLI::App& app, const std::string& name, const std::string& help) {
  auto* g = app.add_subcommand(name, help);
  g->require_subcommand(1);
  auto& c = options_.connection;
  g->add_option_function<std::string>("--endpoint", [&c](const std::string& v) { c.endpoint = v; },
                                      "controller URL (else $XLB_ENDPOINT, the config file, http://127.0.0.1:9876)");
  g->add_option_function<std::string>("--token", [&c](const std::string& v) { c.token = v; },
                                      "X-Auth-Token (else $XLB_TOKEN, the config file)");
  g->add_option_function<std::string>("--cli-config", [&c](const std::string& v) { c.config_file = v; },
                                      "CLI config file (default ~/.config/xlb/cli.yaml)");
  g->add_flag("--json", options_.json, "print the API's JSON");
  g->add_option("--timeout", options_.timeout_s, "seconds to wait for the controller")->capture_default_str();
  return g;
}

CLI::App* ApiCommands::verb(CLI::App* g, const std::string& name, const std::string& help, std::function<int()> action) {
  auto* v = g->add_subcommand(name, help);
  v->fallthrough();  // group options (--json, --endpoint...) after the verb
  actions_.emplace_back(v, std::move(action));
  return v;
}

void ApiCommands::add_resource(CLI::App& app, const ResourceSpec& spec) {
  auto* g = group(app, spec.command, spec.noun + "s (Octavia " + spec.plural + ")");
  auto& values = values_.emplace_back();
  auto& target = strings_.emplace_back();
  auto& pool = strings_.emplace_back();
  auto& cascade = flags_.emplace_back(false);
  const Options& options = options_;

  auto add_pool = [&](CLI::App* v) {
    if (spec.in_pool) v->add_option("--pool", pool, "the pool (name or id)")->required();
  };
  auto add_target = [&](CLI::App* v) {
    v->add_option("target", target, "the " + spec.noun + "'s name or id")->required();
  };
  auto add_fields = [&](CLI::App* v, BodyMode mode) {
    for (const auto& f : spec.flags) {
      if (mode == BodyMode::update && f.create_only) continue;
      const std::string flag = f.flag;
      v->add_option_function<std::string>("--" + flag, [&values, flag](const std::string& x) { values[flag] = x; },
                                          f.help + (mode == BodyMode::create && f.required ? " (required)" : ""));
    }
    auto* enable = v->add_flag_callback("--enable", [&values] { values["admin-state-up"] = "true"; },
                                        "admin_state_up true");
    v->add_flag_callback("--disable", [&values] { values["admin-state-up"] = "false"; }, "admin_state_up false")
        ->excludes(enable);
  };
  // The pool's id for members ("" for others), or an error.
  auto pool_id = [&spec, &pool](const Session& s) -> std::variant<std::string, ApiError> {
    if (!spec.in_pool) return std::string();
    return resolve(s, resource_spec("pool"), kLbaas + "pools", pool);
  };
  auto send_change = [&spec, &values, &target, &options, pool_id](const std::string& verb_name) -> int {
    const BodyMode mode = verb_name == "create" ? BodyMode::create : BodyMode::update;
    // Checked before any call: a mistake on the command line sends nothing.
    if (auto checked = request_body(spec, values, mode); !checked)
      return report({ExitCode::local, 0, checked.error().message});
    XLB_SESSION(options);
    XLB_TRY(pid, pool_id(s));
    if (auto e = resolve_references(s, spec, values)) return report(*e);
    auto body = request_body(spec, values, mode);
    if (!body) return report({ExitCode::local, 0, body.error().message});
    std::string path = collection(spec, pid);
    if (mode == BodyMode::update) {
      XLB_TRY(id, resolve(s, spec, path, target));
      path += "/" + id;
    }
    XLB_TRY(reply, s.client.call(mode == BodyMode::create ? "POST" : "PUT", path, *body));
    const json& item = reply.body.value(spec.singular, json::object());
    print(s, reply.body, change_line(spec, verb_name, item.value("id", ""), reply) + render_fields(item, kShowFirst));
    return 0;
  };

  auto* create = verb(g, "create", "create a " + spec.noun, [send_change] { return send_change("create"); });
  add_pool(create);
  add_fields(create, BodyMode::create);

  auto* list = verb(g, "list", "list " + spec.noun + "s", [&spec, &values, &options, pool_id] {
    XLB_SESSION(options);
    XLB_TRY(pid, pool_id(s));
    if (auto e = resolve_references(s, spec, values)) return report(*e);
    std::string query;
    for (const auto& f : spec.flags) {
      auto it = values.find(f.flag);
      if (it != values.end()) query += (query.empty() ? "?" : "&") + f.field + "=" + percent_encode(it->second);
    }
    XLB_TRY(items, list_all(s, collection(spec, pid) + query, spec.plural));
    print(s, json{{spec.plural, items}}, render_items(spec.columns, items));
    return 0;
  });
  add_pool(list);
  list->add_option_function<std::string>("--name", [&values](const std::string& x) { values["name"] = x; },
                                         "only those with this name");
  for (const auto& f : spec.flags) {
    if (f.type != FieldType::reference || f.field == "default_pool_id") continue;
    const std::string flag = f.flag;
    list->add_option_function<std::string>("--" + flag, [&values, flag](const std::string& x) { values[flag] = x; },
                                           "only those of this " + resource_spec(f.refers_to).noun);
  }

  auto* show = verb(g, "show", "show one " + spec.noun, [&spec, &target, &options, pool_id] {
    XLB_SESSION(options);
    XLB_TRY(pid, pool_id(s));
    const std::string path = collection(spec, pid);
    XLB_TRY(id, resolve(s, spec, path, target));
    XLB_TRY(reply, s.client.call("GET", path + "/" + id));
    print(s, reply.body, render_fields(reply.body.value(spec.singular, json::object()), kShowFirst));
    return 0;
  });
  add_pool(show);
  add_target(show);

  auto* set = verb(g, "set", "change a " + spec.noun, [send_change] { return send_change("set"); });
  add_pool(set);
  add_target(set);
  add_fields(set, BodyMode::update);

  auto* del = verb(g, "delete", "delete a " + spec.noun, [&spec, &target, &options, &cascade, pool_id] {
    XLB_SESSION(options);
    XLB_TRY(pid, pool_id(s));
    std::string path = collection(spec, pid);
    XLB_TRY(id, resolve(s, spec, path, target));
    XLB_TRY(reply, s.client.call("DELETE", path + "/" + id + (cascade ? "?cascade=true" : "")));
    if (!s.json) std::cout << change_line(spec, "delete", id, reply);
    return 0;
  });
  add_pool(del);
  add_target(del);
  if (spec.command == "lb") del->add_flag("--cascade", cascade, "also delete its listeners, pools, members, monitors");
  if (spec.command == "lb" || spec.command == "listener") {
    auto* stats = verb(g, "stats", "traffic counters, summed over the L4 nodes (bytes_out and active_connections "
                                   "are 0: replies bypass the nodes)",
                       [&spec, &target, &options] {
                         XLB_SESSION(options);
                         const std::string path = collection(spec, "");
                         XLB_TRY(id, resolve(s, spec, path, target));
                         XLB_TRY(reply, s.client.call("GET", path + "/" + id + "/stats"));
                         print(s, reply.body, render_fields(reply.body.value("stats", json::object()),
                                                                   {"bytes_in", "bytes_out", "active_connections",
                                                                    "total_connections", "request_errors"}));
                         return 0;
                       });
    add_target(stats);
  }
  if (spec.command != "lb") return;
  auto* status = verb(g, "status", "the load balancer's status tree: listeners, pools, monitors, members",
                      [&spec, &target, &options] {
                        XLB_SESSION(options);
                        const std::string path = collection(spec, "");
                        XLB_TRY(id, resolve(s, spec, path, target));
                        XLB_TRY(reply, s.client.call("GET", path + "/" + id + "/status"));
                        print(s, reply.body, render_status_tree(reply.body));
                        return 0;
                      });
  add_target(status);
}

void ApiCommands::add_revisions(CLI::App& app) {
  auto* g = group(app, "revision", "the desired state's history (admin token)");
  const Options& options = options_;
  auto& first = strings_.emplace_back();
  auto& second = strings_.emplace_back();
  auto& limit = strings_.emplace_back();
  const std::string base = "/v2/xlb/revisions";

  auto* list = verb(g, "list", "revisions, newest first", [&options, &limit, base] {
    XLB_SESSION(options);
    XLB_TRY(items, list_all(s, base + (limit.empty() ? "" : "?limit=" + percent_encode(limit)), "revisions"));
    print(s, json{{"revisions", items}},
          render_items({"revision", "created_at", "actor", "project_id", "summary", "rollback_of"}, items));
    return 0;
  });
  list->add_option("--page-size", limit, "revisions per request");

  auto* show = verb(g, "show", "one revision and what it changed", [&options, &first, base] {
    XLB_SESSION(options);
    XLB_TRY(reply, s.client.call("GET", base + "/" + percent_encode(first)));
    json info = reply.body.value("revision", json::object());
    const json changes = info.value("diff", json::array());
    info.erase("diff");
    info.erase("state");
    print(s, reply.body, render_fields(info, {"revision"}) + "\n" + render_changes(changes));
    return 0;
  });
  show->add_option("revision", first, "revision number")->required();

  auto* diff = verb(g, "diff", "changes made by revision A, or from A to B", [&options, &first, &second, base] {
    XLB_SESSION(options);
    XLB_TRY(a, s.client.call("GET", base + "/" + percent_encode(first)));
    json changes;
    if (second.empty()) {
      changes = a.body.value("revision", json::object()).value("diff", json::array());
    } else {
      XLB_TRY(b, s.client.call("GET", base + "/" + percent_encode(second)));
      changes = state_changes(a.body.value("revision", json::object()).value("state", json::object()),
                              b.body.value("revision", json::object()).value("state", json::object()));
    }
    print(s, json{{"diff", changes}}, render_changes(changes));
    return 0;
  });
  diff->add_option("a", first, "revision A")->required();
  diff->add_option("b", second, "revision B (default: the changes A made to A-1)");

  auto* rollback = verb(g, "rollback", "make revision N's state current again (as a new revision)",
                        [&options, &first] {
                          XLB_SESSION(options);
                          int64_t n = 0;
                          try {
                            n = std::stoll(first);
                          } catch (const std::exception&) {
                            return report({ExitCode::local, 0, "revision: expected a number, got '" + first + "'"});
                          }
                          XLB_TRY(reply, s.client.call("POST", "/v2/xlb/rollback", json{{"revision", n}}));
                          const json info = reply.body.value("revision", json::object());
                          print(s, reply.body,
                                "revision " + cell_text(info.value("revision", json())) + ": " +
                                    info.value("summary", "") + "\n");
                          return 0;
                        });
  rollback->add_option("revision", first, "the revision to return to")->required();
}

void ApiCommands::add_quotas(CLI::App& app) {
  auto* g = group(app, "quota", "per-project quotas (-1: no limit; changes need the admin token)");
  const Options& options = options_;
  auto& project = strings_.emplace_back();
  auto& values = values_.emplace_back();
  const std::string base = kLbaas + "quotas";
  static const std::vector<std::string> kNames = {"loadbalancer", "listener", "pool", "member", "healthmonitor"};

  verb(g, "list", "projects with quotas of their own", [&options, base] {
    XLB_SESSION(options);
    XLB_TRY(items, list_all(s, base, "quotas"));
    std::vector<std::string> columns = {"project_id"};
    columns.insert(columns.end(), kNames.begin(), kNames.end());
    print(s, json{{"quotas", items}}, render_items(columns, items));
    return 0;
  });
  auto* show = verb(g, "show", "a project's quotas (default: the defaults)", [&options, &project, base] {
    XLB_SESSION(options);
    XLB_TRY(reply, s.client.call("GET", base + "/" + (project.empty() ? "defaults" : percent_encode(project))));
    print(s, reply.body, render_fields(reply.body.value("quota", json::object()), kNames));
    return 0;
  });
  show->add_option("project", project, "project id");
  auto* set = verb(g, "set", "change a project's quotas (a number, -1, or default)", [&options, &project, &values,
                                                                                        base] {
    json quota = json::object();
    for (const auto& [name, text] : values) {
      if (text == "default") {
        quota[name] = nullptr;
        continue;
      }
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return report({ExitCode::local, 0, "--" + name + ": expected a whole number or default, got '" + text + "'"});
      quota[name] = v;
    }
    if (quota.empty()) return report({ExitCode::local, 0, "nothing to change: give at least one quota flag"});
    XLB_SESSION(options);
    XLB_TRY(reply, s.client.call("PUT", base + "/" + percent_encode(project), json{{"quota", quota}}));
    print(s, reply.body, render_fields(reply.body.value("quota", json::object()), kNames));
    return 0;
  });
  set->add_option("project", project, "project id")->required();
  for (const auto& name : kNames)
    set->add_option_function<std::string>("--" + name, [&values, name](const std::string& x) { values[name] = x; },
                                          "most " + name + "s");
  auto* del = verb(g, "delete", "back to the defaults", [&options, &project, base] {
    XLB_SESSION(options);
    auto reply = s.client.call("DELETE", base + "/" + percent_encode(project));
    if (auto* e = std::get_if<ApiError>(&reply)) return report(*e);
    if (!s.json) std::cout << "quotas of " << project << " reset to the defaults\n";
    return 0;
  });
  del->add_option("project", project, "project id")->required();
}

void ApiCommands::add_agents(CLI::App& app) {
  auto* g = group(app, "agent", "the agents serving the desired state (admin token)");
  const Options& options = options_;
  verb(g, "list", "agents: role, group, capabilities, applied revision, status", [&options] {
    XLB_SESSION(options);
    XLB_TRY(reply, s.client.call("GET", "/v2/xlb/agents"));
    const json items = reply.body.value("agents", json::array());
    print(s, reply.body,
          render_items({"name", "role", "group", "capabilities", "version", "address", "applied_revision", "last_seen",
                        "status", "error"},
                       items));
    return 0;
  });
}

std::optional<int> ApiCommands::run() {
  for (auto& [app, action] : actions_) {
    if (*app) return action();
  }
  return std::nullopt;
}

}  // namespace xlb::cli
