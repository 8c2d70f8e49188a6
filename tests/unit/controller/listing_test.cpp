// Listing: filters, ?fields=, limit/marker pages (forward and reversed) and
// links that keep the filters.
#include "controller/listing.h"

#include <gtest/gtest.h>

namespace xlb::controller {
namespace {

std::vector<json> items(int n) {
  std::vector<json> out;
  for (int i = 0; i < n; ++i) {
    char id[8];
    std::snprintf(id, sizeof(id), "id%02d", i);
    out.push_back({{"id", id}, {"created_at", "2026-12-01T00:00:00"}, {"name", i % 2 ? "odd" : "even"},
                   {"admin_state_up", i % 3 != 0}, {"weight", i}, {"tags", json::array()}});
  }
  return out;
}

Outcome<json> run(const std::string& query, int n = 10) {
  auto q = Query::parse(query);
  EXPECT_TRUE(q.ok());
  return list_collection(items(n), items(1)[0], *q, "things", "http://h/v2/lbaas/things");
}

std::vector<std::string> ids(const json& page) {
  std::vector<std::string> out;
  for (const auto& i : page["things"]) out.push_back(i["id"]);
  return out;
}

TEST(Listing, FiltersAndFields) {
  auto r = run("name=odd&admin_state_up=True");
  ASSERT_TRUE(r.ok()) << r.fault().message;
  EXPECT_EQ(ids(*r), (std::vector<std::string>{"id01", "id05", "id07"}));
  EXPECT_EQ((*r)["things_links"], json::array());
  r = run("weight=2&weight=4");  // a repeated key matches any of its values
  EXPECT_EQ(ids(*r), (std::vector<std::string>{"id02", "id04"}));
  r = run("fields=id,name&weight=3");
  EXPECT_EQ((*r)["things"], json::parse(R"([{"id": "id03", "name": "odd"}])"));
  EXPECT_EQ(run("bogus=1").fault().message, "Invalid filter argument: bogus");
  EXPECT_EQ(run("fields=nope").fault().status, 400u);
  EXPECT_EQ(run("sort=name:asc").fault().status, 400u);
  EXPECT_EQ(run("limit=ten").fault().message, "Invalid limit: ten");
  EXPECT_EQ(run("marker=missing").fault().message, "Invalid marker: missing");
  // Filters that match nothing on an empty collection are still checked.
  EXPECT_EQ(run("bogus=1", 0).fault().status, 400u);
  EXPECT_TRUE(run("name=x", 0).ok());
}

TEST(Listing, PagesWithLinksThatKeepTheFilters) {
  auto first = run("name=even&limit=2");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(ids(*first), (std::vector<std::string>{"id00", "id02"}));
  EXPECT_EQ((*first)["things_links"],
            json::parse(R"([{"rel": "next", "href": "http://h/v2/lbaas/things?name=even&limit=2&marker=id02"}])"));
  auto second = run("name=even&limit=2&marker=id02");
  EXPECT_EQ(ids(*second), (std::vector<std::string>{"id04", "id06"}));
  EXPECT_EQ((*second)["things_links"].size(), 2u);
  EXPECT_EQ((*second)["things_links"][0]["href"],
            "http://h/v2/lbaas/things?name=even&limit=2&marker=id04&page_reverse=True");
  auto last = run("name=even&limit=2&marker=id06");
  EXPECT_EQ(ids(*last), (std::vector<std::string>{"id08"}));
  EXPECT_EQ((*last)["things_links"].size(), 1u);  // previous only
  EXPECT_EQ((*last)["things_links"][0]["rel"], "previous");
  auto back = run("name=even&limit=2&marker=id04&page_reverse=True");
  EXPECT_EQ(ids(*back), (std::vector<std::string>{"id00", "id02"}));
  // Values are encoded in links.
  auto spaced = run("name=a%20b&limit=1", 0);
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ((*spaced)["things"], json::array());
}

TEST(Listing, TagFilters) {
  std::vector<json> tagged = items(4);
  tagged[0]["tags"] = {"prod", "web"};
  tagged[1]["tags"] = {"prod"};
  tagged[2]["tags"] = {"web"};
  auto run_tags = [&](const std::string& query) {
    auto r = list_collection(tagged, tagged[0], *Query::parse(query), "things", "http://h/t");
    EXPECT_TRUE(r.ok()) << r.fault().message;
    return ids(*r);
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(run_tags("tags=prod,web"), (Ids{"id00"}));
  EXPECT_EQ(run_tags("tags=prod&tags=web"), (Ids{"id00"}));
  EXPECT_EQ(run_tags("tags-any=prod,web"), (Ids{"id00", "id01", "id02"}));
  EXPECT_EQ(run_tags("not-tags=prod,web"), (Ids{"id01", "id02", "id03"}));
  EXPECT_EQ(run_tags("not-tags-any=prod,web"), (Ids{"id03"}));
  EXPECT_EQ(run_tags("tags=prod&name=odd"), (Ids{"id01"}));
  auto r = list_collection(tagged, tagged[0], *Query::parse("tags=prod&limit=1"), "things", "http://h/t");
  EXPECT_EQ((*r)["things_links"][0]["href"], "http://h/t?tags=prod&limit=1&marker=id00");
}

TEST(Query, DecodesAndRefusesBadEscapes) {
  auto q = Query::parse("name=a+b%2Fc&x=&y");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->get("name"), "a b/c");
  EXPECT_EQ(*q->get("x"), "");
  EXPECT_EQ(*q->get("y"), "");
  EXPECT_FALSE(Query::parse("name=%zz").ok());
  EXPECT_FALSE(Query::parse("name=%2").ok());
  EXPECT_EQ(percent_encode("a b/c"), "a%20b%2Fc");
}

}  // namespace
}  // namespace xlb::controller
