// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Options::metrics_listen: DB::Open serves the DB's statistics in the
// Prometheus text format, scraped with curl; a second DB on the same port
// fails to open naming the address; after Close nothing answers there.

#include "lsm/db/db_metrics.h"

#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "o3lsm/build_config.h"
#include "o3lsm/db.h"
#include "o3lsm/options.h"
#include "o3lsm/statistics.h"

#include "tests/metrics_test_util.h"
#include "tests/testutil.h"
#if O3LSM_WITH_METRICS
#include <limits>
#include <prometheus/metric_family.h>

#include "util/metrics_endpoint.h"
#endif

namespace o3lsm {
namespace {

TEST(DbMetricsEndpoint, PrometheusNameReplacesDots) {
  EXPECT_EQ("rocksdb_block_cache_miss",
            DbMetricsEndpoint::PrometheusName("rocksdb.block.cache.miss"));
  EXPECT_EQ("o3lsm_dm_bytes_read",
            DbMetricsEndpoint::PrometheusName("o3lsm.dm.bytes.read"));
}

#if O3LSM_WITH_METRICS

// The OpenMetrics text of every kind of family, byte for byte: counters
// named without "_total" (their samples keep it), escaped labels and help,
// summary and histogram samples, NaN and infinities, "# EOF" at the end.
TEST(OpenMetrics, SerializesEveryKindOfFamily) {
  std::vector<prometheus::MetricFamily> families;
  MetricFamilies f(&families);
  f.Counter("o3lsm_jobs_total", "Jobs \\ done\nso far", 3,
            {{"kind", "a\"b\\c\nd"}});
  f.Counter("o3lsm_jobs_total", "Jobs \\ done\nso far", 4.5,
            {{"kind", "flush"}});
  f.Gauge("o3lsm_load", "Load", std::numeric_limits<double>::quiet_NaN());
  f.Gauge("o3lsm_free", "", std::numeric_limits<double>::infinity());
  f.Summary("o3lsm_get_micros", "Get time", 10, 25.5, {{0.5, 2}, {0.99, 7}});
  prometheus::MetricFamily h{"o3lsm_sizes", "Sizes",
                             prometheus::MetricType::Histogram, {}};
  h.metric.emplace_back();
  h.metric.back().histogram.sample_count = 5;
  h.metric.back().histogram.sample_sum = 12;
  // {cumulative count, upper bound}
  h.metric.back().histogram.bucket = {{1, 2}, {3, 4}};
  families.push_back(h);
  EXPECT_EQ(
      "# TYPE o3lsm_jobs counter\n"
      "# HELP o3lsm_jobs Jobs \\\\ done\\nso far\n"
      "o3lsm_jobs_total{kind=\"a\\\"b\\\\c\\nd\"} 3\n"
      "o3lsm_jobs_total{kind=\"flush\"} 4.5\n"
      "# TYPE o3lsm_load gauge\n"
      "# HELP o3lsm_load Load\n"
      "o3lsm_load NaN\n"
      "# TYPE o3lsm_free gauge\n"
      "o3lsm_free +Inf\n"
      "# TYPE o3lsm_get_micros summary\n"
      "# HELP o3lsm_get_micros Get time\n"
      "o3lsm_get_micros{quantile=\"0.5\"} 2\n"
      "o3lsm_get_micros{quantile=\"0.99\"} 7\n"
      "o3lsm_get_micros_sum 25.5\n"
      "o3lsm_get_micros_count 10\n"
      "# TYPE o3lsm_sizes histogram\n"
      "# HELP o3lsm_sizes Sizes\n"
      "o3lsm_sizes_bucket{le=\"2\"} 1\n"
      "o3lsm_sizes_bucket{le=\"4\"} 3\n"
      "o3lsm_sizes_bucket{le=\"+Inf\"} 5\n"
      "o3lsm_sizes_sum 12\n"
      "o3lsm_sizes_count 5\n"
      "# EOF\n",
      SerializeOpenMetrics(families));
}

class DbMetricsTest : public ::testing::Test {
 protected:
  // Opens a DB at dir_/name serving metrics on a free port (port_); tries
  // a few ports in case another process takes one first.
  Status OpenServing(const std::string& name, std::unique_ptr<DB>* db) {
    Status s;
    for (int attempt = 0; attempt < 5; attempt++) {
      port_ = test::FreePort();
      if (port_ <= 0) continue;
      Options options;
      options.create_if_missing = true;
      options.statistics = CreateDBStatistics();
      options.metrics_listen = "127.0.0.1:" + std::to_string(port_);
      s = DB::Open(options, dir_.Child(name), db);
      if (s.ok()) return s;
    }
    return s;
  }

  test::ScratchDir dir_{"db_metrics"};
  int port_ = 0;
};

TEST_F(DbMetricsTest, ServesStatisticsUntilClose) {
  std::unique_ptr<DB> db;
  ASSERT_OK(OpenServing("db", &db));
  constexpr int kKeys = 100;
  for (int i = 0; i < kKeys; i++) {
    ASSERT_OK(db->Put(WriteOptions(), "key" + std::to_string(i), "value"));
  }
  std::string value;
  for (int i = 0; i < kKeys; i++) {
    ASSERT_OK(db->Get(ReadOptions(), "key" + std::to_string(i), &value));
  }

  const std::string text = test::Scrape(port_);
  EXPECT_NE(text.find("# TYPE rocksdb_number_keys_written_total counter"),
            std::string::npos)
      << text;
  EXPECT_EQ(kKeys, test::Sample(text, "rocksdb_number_keys_written_total"))
      << text;
  EXPECT_EQ(kKeys, test::Sample(text, "rocksdb_number_keys_read_total"))
      << text;
  EXPECT_NE(text.find("# TYPE rocksdb_db_get_micros summary"),
            std::string::npos)
      << text;
  EXPECT_EQ(kKeys, test::Sample(text, "rocksdb_db_get_micros_count")) << text;
  EXPECT_GE(test::Sample(text, "rocksdb_db_get_micros{quantile=\"0.99\"}"), 0)
      << text;
  EXPECT_EQ(0, test::Sample(text, "o3lsm_num_files{level=\"0\"}")) << text;
  EXPECT_GT(test::Sample(text, "o3lsm_local_write_buffer_bytes"), 0) << text;

  // The port is taken: a second DB fails to open, naming the address.
  Options options;
  options.create_if_missing = true;
  options.metrics_listen = "127.0.0.1:" + std::to_string(port_);
  std::unique_ptr<DB> second;
  const Status s = DB::Open(options, dir_.Child("second"), &second);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find(options.metrics_listen), std::string::npos)
      << s.ToString();
  EXPECT_EQ(nullptr, second);

  ASSERT_OK(db->Close());
  EXPECT_EQ("", test::Scrape(port_));
}

TEST_F(DbMetricsTest, CreatesStatisticsWhenNoneIsGiven) {
  const int port = test::FreePort();
  ASSERT_GT(port, 0);
  Options options;
  options.create_if_missing = true;
  options.metrics_listen = "127.0.0.1:" + std::to_string(port);
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir_.Child("db"), &db));
  ASSERT_OK(db->Put(WriteOptions(), "k", "v"));
  EXPECT_EQ(
      1, test::Sample(test::Scrape(port), "rocksdb_number_keys_written_total"));
}

TEST_F(DbMetricsTest, MalformedAddressIsInvalidArgument) {
  Options options;
  options.create_if_missing = true;
  options.metrics_listen = "no-port";
  std::unique_ptr<DB> db;
  const Status s = DB::Open(options, dir_.Child("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

#else  // !O3LSM_WITH_METRICS

TEST(DbMetricsEndpoint, NotSupportedWithoutMetrics) {
  test::ScratchDir dir("db_metrics");
  Options options;
  options.create_if_missing = true;
  options.metrics_listen = "127.0.0.1:9464";
  std::unique_ptr<DB> db;
  const Status s = DB::Open(options, dir.Child("db"), &db);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
}

#endif  // O3LSM_WITH_METRICS

}  // namespace
}  // namespace o3lsm
