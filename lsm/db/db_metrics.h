// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DbMetricsEndpoint: what Options::metrics_listen serves at
// http://HOST:PORT/metrics, as OpenMetrics or Prometheus text
// (util/metrics_endpoint.h; docs/statistics.md, "Prometheus"). Every value
// is read when Prometheus scrapes: the tickers of the DB's Statistics as
// counters (rocksdb.block.cache.miss as rocksdb_block_cache_miss_total), its
// histograms as summaries (quantiles 0.5, 0.95, 0.99, _count and _sum),
// and a few gauges from the DB's properties (o3lsm_num_files{level},
// o3lsm_num_immutable_memtables, ...).
//
// Built without O3LSM_WITH_METRICS (no prometheus-cpp), Start returns
// NotSupported.
//
// Thread safety: the endpoint reads the statistics and the DB's properties
// on its own threads, concurrently with the DB; both are thread-safe.

#ifndef O3LSM_LSM_DB_DB_METRICS_H_
#define O3LSM_LSM_DB_DB_METRICS_H_

#include <memory>
#include <string>

#include "o3lsm/status.h"

namespace o3lsm {

class DB;
class Statistics;

class DbMetricsEndpoint {
 public:
  // Serves statistics and db's properties at listen ("HOST:PORT").
  // REQUIRES: statistics != nullptr; db outlives the endpoint (destroy it
  // before closing db). num_levels: the levels whose file counts are
  // served. InvalidArgument for a malformed address, IOError naming it
  // when it cannot listen there, NotSupported in a build without metrics.
  static Status Start(const std::string& listen,
                      std::shared_ptr<Statistics> statistics, DB* db,
                      int num_levels,
                      std::unique_ptr<DbMetricsEndpoint>* result);
  // OK if this build can serve metrics, else the NotSupported that Start
  // returns (so that DB::Open fails before it opens anything).
  static Status CheckSupported(const std::string& listen);

  // Stops serving; returns once no scrape reads the DB any more.
  ~DbMetricsEndpoint();

  // The port it listens on.
  int port() const;

  // The Prometheus name of a ticker or histogram named `name`: every
  // character that Prometheus does not allow in a name becomes '_'
  // ("rocksdb.db.get.micros" -> "rocksdb_db_get_micros").
  static std::string PrometheusName(const std::string& name);

 private:
  struct Rep;
  explicit DbMetricsEndpoint(std::unique_ptr<Rep> rep);

  std::unique_ptr<Rep> rep_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_DB_METRICS_H_
