// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A Prometheus endpoint serving one Collectable at http://HOST:PORT/metrics
// (civetweb's CivetServer; prometheus-cpp's types): the OpenMetrics text
// format to a client whose Accept header asks for
// application/openmetrics-text (Prometheus does), else the Prometheus text
// format 0.0.4. MetricFamilies builds the families a Collectable returns. Shared by o3lsm-node --metrics-listen
// (tools/node/node_metrics.h) and Options::metrics_listen
// (lsm/db/db_metrics.h). Compiled into the engine library only when it is
// built with O3LSM_WITH_METRICS; prometheus-cpp stays a private dependency:
// no public header names it.
//
// Thread safety: MetricFamilies is not thread-safe (one per scrape); a
// MetricsEndpoint calls its Collectable on its own threads until it is
// destroyed.

#ifndef O3LSM_UTIL_METRICS_ENDPOINT_H_
#define O3LSM_UTIL_METRICS_ENDPOINT_H_

#include <cstdint>
#include <memory>
#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <string>
#include <utility>
#include <vector>

#include "o3lsm/status.h"

class CivetServer;

namespace o3lsm {

// Appends the families of one scrape to *out; one call per sample. Samples
// of one family must be added one after another.
class MetricFamilies {
 public:
  using Labels = std::vector<prometheus::ClientMetric::Label>;

  explicit MetricFamilies(std::vector<prometheus::MetricFamily>* out)
      : out_(out) {}

  void Gauge(const std::string& name, const std::string& help, double value,
             Labels labels = {});
  void Counter(const std::string& name, const std::string& help, double value,
               Labels labels = {});
  // A summary: quantiles as (quantile, value) pairs, e.g. {0.5, 3.1}.
  void Summary(const std::string& name, const std::string& help, uint64_t count,
               double sum,
               const std::vector<std::pair<double, double>>& quantiles,
               Labels labels = {});

 private:
  // The family `name`, added if it is not the last one.
  prometheus::MetricFamily& Family(const std::string& name,
                                   const std::string& help,
                                   prometheus::MetricType type);
  prometheus::ClientMetric& Add(const std::string& name,
                                const std::string& help,
                                prometheus::MetricType type, Labels labels);

  std::vector<prometheus::MetricFamily>* const out_;
};

// The OpenMetrics 1.0 text exposition of families, ending in "# EOF": a
// counter family's name loses its "_total" suffix, which its samples keep;
// summaries and histograms get their _sum and _count samples; label values
// and help texts are escaped.
std::string SerializeOpenMetrics(
    const std::vector<prometheus::MetricFamily>& families);

// The HTTP endpoint: serves a Collectable at /metrics until destroyed.
class MetricsEndpoint {
 public:
  // Listens on listen ("HOST:PORT"; "[::1]:PORT" for IPv6; port 0: any
  // free port). `what` names the setting in messages, e.g.
  // "--metrics-listen". InvalidArgument for a malformed address, IOError
  // naming the address when it cannot listen there (the port is taken).
  static Status Start(const std::string& what, const std::string& listen,
                      std::shared_ptr<prometheus::Collectable> metrics,
                      std::unique_ptr<MetricsEndpoint>* result);
  // Stops serving: joins the threads that call Collect, so that the
  // metrics' sources may go away after it.
  ~MetricsEndpoint();

  // The port it listens on.
  int port() const { return port_; }

 private:
  class Handler;
  MetricsEndpoint();

  std::shared_ptr<prometheus::Collectable> metrics_;
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<CivetServer> server_;  // stopped before handler_ goes
  std::string host_;  // as listen named it, to wake the server at stop
  int port_ = 0;
};

}  // namespace o3lsm

#endif  // O3LSM_UTIL_METRICS_ENDPOINT_H_
