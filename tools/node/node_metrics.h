// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// What `o3lsm-node --metrics-listen=HOST:PORT` serves at
// http://HOST:PORT/metrics, as OpenMetrics or Prometheus text
// (util/metrics_endpoint.h; docs/cluster.md lists the metrics). Every value
// is read when Prometheus scrapes: the executor's counters, the load it
// last published, and for a memory node the pool's allocator and delegated
// search.
//
// Thread safety: Collect runs on the endpoint's threads, concurrently with
// the node; it only calls thread-safe methods of the sources.

#ifndef O3LSM_TOOLS_NODE_NODE_METRICS_H_
#define O3LSM_TOOLS_NODE_NODE_METRICS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <string>
#include <vector>

namespace o3lsm {
class JobExecutor;
class SearchServer;
namespace fabric {
class DmAllocator;
class Fabric;
}  // namespace fabric
}  // namespace o3lsm

namespace o3lsm::node {

class NodeMetrics final : public prometheus::Collectable {
 public:
  // What the metrics are read from. REQUIRES: each outlives the endpoint
  // that serves these metrics; allocator and search may be null (a worker
  // has neither, a memory node without search threads no search).
  struct Sources {
    std::string role;  // "memory" or "worker"
    std::string name;
    uint16_t node = 0;
    JobExecutor* executor = nullptr;
    fabric::Fabric* pool = nullptr;
    fabric::DmAllocator* allocator = nullptr;
    SearchServer* search = nullptr;
  };

  explicit NodeMetrics(Sources sources);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Sources sources_;
  const std::chrono::steady_clock::time_point started_;
};

// True if listen names an endpoint: not empty and its port is not 0.
bool MetricsWanted(const std::string& listen);

}  // namespace o3lsm::node

#endif  // O3LSM_TOOLS_NODE_NODE_METRICS_H_
