// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/db_metrics.h"

#include <cmath>
#include <cstdlib>

#include "o3lsm/build_config.h"
#include "o3lsm/db.h"
#include "o3lsm/statistics.h"

#if O3LSM_WITH_METRICS
#include <prometheus/collectable.h>

#include "util/metrics_endpoint.h"
#endif

namespace o3lsm {

std::string DbMetricsEndpoint::PrometheusName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == ':';
    if (!ok) c = '_';
  }
  return out;
}

#if O3LSM_WITH_METRICS

namespace {

class DbMetrics final : public prometheus::Collectable {
 public:
  DbMetrics(std::shared_ptr<Statistics> statistics, DB* db, int num_levels)
      : statistics_(std::move(statistics)), db_(db), num_levels_(num_levels) {
    for (uint32_t t = 0; t < kTickerCount; t++) {
      const char* name = TickerName(static_cast<Tickers>(t));
      ticker_names_.push_back(DbMetricsEndpoint::PrometheusName(name) +
                              "_total");
    }
    for (uint32_t h = 0; h < kHistogramCount; h++) {
      const char* name = HistogramName(static_cast<Histograms>(h));
      histogram_names_.push_back(DbMetricsEndpoint::PrometheusName(name));
    }
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    MetricFamilies f(&out);
    for (uint32_t t = 0; t < kTickerCount; t++) {
      const auto ticker = static_cast<Tickers>(t);
      f.Counter(ticker_names_[t], TickerName(ticker),
                static_cast<double>(statistics_->getTickerCount(ticker)));
    }
    for (uint32_t h = 0; h < kHistogramCount; h++) {
      const auto histogram = static_cast<Histograms>(h);
      HistogramData d;
      statistics_->getHistogramData(histogram, &d);
      f.Summary(
          histogram_names_[h], HistogramName(histogram), d.count,
          static_cast<double>(d.sum),
          {{0.5, d.median}, {0.95, d.percentile95}, {0.99, d.percentile99}});
    }
    for (int level = 0; level < num_levels_; level++) {
      const std::string level_name = std::to_string(level);
      f.Gauge(
          "o3lsm_num_files", "SST files per level (o3lsm.num-files-at-levelN)",
          Property("num-files-at-level" + level_name), {{"level", level_name}});
    }
    f.Gauge("o3lsm_num_immutable_memtables",
            "Sealed memtables not yet flushed (o3lsm.num-immutable-memtables)",
            Property("num-immutable-memtables"));
    f.Gauge("o3lsm_local_write_buffer_bytes",
            "Memtables held in this process's memory, mutable and sealed "
            "(o3lsm.local-write-buffer-bytes)",
            Property("local-write-buffer-bytes"));
    f.Gauge("o3lsm_approximate_memory_usage_bytes",
            "Memtables and block cache (o3lsm.approximate-memory-usage)",
            Property("approximate-memory-usage"));
    f.Gauge("o3lsm_num_running_flushes",
            "Flushes running now (o3lsm.num-running-flushes)",
            Property("num-running-flushes"));
    f.Gauge("o3lsm_num_running_compactions",
            "Compactions running now (o3lsm.num-running-compactions)",
            Property("num-running-compactions"));
    return out;
  }

 private:
  // The numeric property o3lsm.<name>; NaN if the DB has none.
  double Property(const std::string& name) const {
    std::string value;
    if (!db_->GetProperty("o3lsm." + name, &value)) return std::nan("");
    return std::strtod(value.c_str(), nullptr);
  }

  const std::shared_ptr<Statistics> statistics_;
  DB* const db_;
  const int num_levels_;
  std::vector<std::string> ticker_names_;
  std::vector<std::string> histogram_names_;
};

}  // namespace

struct DbMetricsEndpoint::Rep {
  std::unique_ptr<MetricsEndpoint> endpoint;
};

Status DbMetricsEndpoint::Start(const std::string& listen,
                                std::shared_ptr<Statistics> statistics, DB* db,
                                int num_levels,
                                std::unique_ptr<DbMetricsEndpoint>* result) {
  auto rep = std::make_unique<Rep>();
  Status s = MetricsEndpoint::Start(
      "Options::metrics_listen", listen,
      std::make_shared<DbMetrics>(std::move(statistics), db, num_levels),
      &rep->endpoint);
  if (!s.ok()) return s;
  result->reset(new DbMetricsEndpoint(std::move(rep)));
  return Status::OK();
}

int DbMetricsEndpoint::port() const { return rep_->endpoint->port(); }

Status DbMetricsEndpoint::CheckSupported(const std::string& listen) {
  return Status::OK();
}

#else  // !O3LSM_WITH_METRICS

struct DbMetricsEndpoint::Rep {};

Status DbMetricsEndpoint::Start(const std::string& listen,
                                std::shared_ptr<Statistics> statistics, DB* db,
                                int num_levels,
                                std::unique_ptr<DbMetricsEndpoint>* result) {
  return CheckSupported(listen);
}

Status DbMetricsEndpoint::CheckSupported(const std::string& listen) {
  return Status::NotSupported(
      "Options::metrics_listen " + listen,
      "o3lsm was built without O3LSM_WITH_METRICS (prometheus-cpp)");
}

int DbMetricsEndpoint::port() const { return 0; }

#endif  // O3LSM_WITH_METRICS

DbMetricsEndpoint::DbMetricsEndpoint(std::unique_ptr<Rep> rep)
    : rep_(std::move(rep)) {}

DbMetricsEndpoint::~DbMetricsEndpoint() = default;

}  // namespace o3lsm
