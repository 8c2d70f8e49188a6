// The Prometheus text format writer: escaping, one HELP/TYPE per family,
// sorted and stable output, exact integers, and refusal of bad names.
#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace xlb::metrics {
namespace {

TEST(MetricsExposition, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
  EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
  EXPECT_EQ(escape_label_value("\\\"\n"), "\\\\\\\"\\n");
}

TEST(MetricsExposition, EscapesHelpButNotQuotes) {
  EXPECT_EQ(escape_help("say \"hi\"\\now\nthen"), "say \"hi\"\\\\now\\nthen");
}

TEST(MetricsExposition, RendersEscapedLabelsInALine) {
  Exposition e;
  e.declare("x_total", MetricType::Counter, "help");
  e.add("x_total", {{"name", "a\"b\\c\nd"}}, uint64_t{3});
  EXPECT_EQ(e.render(), "# HELP x_total help\n# TYPE x_total counter\nx_total{name=\"a\\\"b\\\\c\\nd\"} 3\n");
}

TEST(MetricsExposition, HelpAndTypeOncePerFamilySortedStable) {
  Exposition e;
  e.declare("zeta", MetricType::Gauge, "last family");
  e.declare("alpha_total", MetricType::Counter, "first family");
  e.add("zeta", {}, uint64_t{1});
  e.add("alpha_total", {{"verdict", "tx"}}, uint64_t{20});
  e.add("alpha_total", {{"verdict", "drop"}}, uint64_t{5});
  e.add("alpha_total", {{"verdict", "pass"}}, uint64_t{7});
  e.declare("alpha_total", MetricType::Counter, "first family");  // the same again is fine
  const std::string expected =
      "# HELP alpha_total first family\n"
      "# TYPE alpha_total counter\n"
      "alpha_total{verdict=\"drop\"} 5\n"
      "alpha_total{verdict=\"pass\"} 7\n"
      "alpha_total{verdict=\"tx\"} 20\n"
      "# HELP zeta last family\n"
      "# TYPE zeta gauge\n"
      "zeta 1\n";
  EXPECT_EQ(e.render(), expected);
  EXPECT_EQ(e.render(), expected);  // stable
  EXPECT_EQ(e.family_count(), 2u);
}

TEST(MetricsExposition, SamplesSortByLabelsInOrder) {
  Exposition e;
  e.declare("b", MetricType::Gauge, "h");
  e.add("b", {{"vip", "198.51.100.2"}, {"port", "80"}}, uint64_t{2});
  e.add("b", {{"vip", "198.51.100.1"}, {"port", "443"}}, uint64_t{1});
  e.add("b", {{"vip", "198.51.100.1"}, {"port", "22"}}, uint64_t{0});
  EXPECT_EQ(e.render(),
            "# HELP b h\n# TYPE b gauge\n"
            "b{vip=\"198.51.100.1\",port=\"22\"} 0\n"
            "b{vip=\"198.51.100.1\",port=\"443\"} 1\n"
            "b{vip=\"198.51.100.2\",port=\"80\"} 2\n");
}

TEST(MetricsExposition, AFamilyWithNoSamplesStillSaysWhatItIs) {
  Exposition e;
  e.declare("empty_total", MetricType::Counter, "nothing yet");
  EXPECT_EQ(e.render(), "# HELP empty_total nothing yet\n# TYPE empty_total counter\n");
}

TEST(MetricsExposition, ValuesAreExactIntegersOrShortestFloats) {
  EXPECT_EQ(format_value(uint64_t{0}), "0");
  EXPECT_EQ(format_value(std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(format_value(0.5), "0.5");
  EXPECT_EQ(format_value(14.2), "14.2");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(MetricsExposition, NamesFollowThePrometheusRules) {
  EXPECT_TRUE(valid_metric_name("xlb_packets_total"));
  EXPECT_TRUE(valid_metric_name("a:b_c9"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_FALSE(valid_metric_name("9lives"));
  EXPECT_FALSE(valid_metric_name("has-dash"));
  EXPECT_TRUE(valid_label_name("verdict"));
  EXPECT_FALSE(valid_label_name("__reserved"));
  EXPECT_FALSE(valid_label_name("with:colon"));
  EXPECT_FALSE(valid_label_name("1st"));
}

TEST(MetricsExposition, MisuseIsRefused) {
  Exposition e;
  EXPECT_THROW(e.declare("bad-name", MetricType::Counter, "h"), std::logic_error);
  EXPECT_THROW(e.add("undeclared", {}, uint64_t{1}), std::logic_error);
  e.declare("x_total", MetricType::Counter, "h");
  EXPECT_THROW(e.declare("x_total", MetricType::Gauge, "h"), std::logic_error);
  EXPECT_THROW(e.add("x_total", {{"bad label", "v"}}, uint64_t{1}), std::logic_error);
  EXPECT_THROW(e.add("x_total", {{"a", "1"}, {"a", "2"}}, uint64_t{1}), std::logic_error);
  e.add("x_total", {{"a", "1"}}, uint64_t{1});
  e.add("x_total", {{"a", "1"}}, uint64_t{2});
  EXPECT_THROW(e.render(), std::logic_error);  // the same series twice
}

}  // namespace
}  // namespace xlb::metrics
