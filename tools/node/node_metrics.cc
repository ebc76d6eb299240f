// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/node/node_metrics.h"

#include <map>

#include "o3lsm/version.h"

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/offload/job_executor.h"
#include "lsm/offload/search_server.h"
#include "util/metrics_endpoint.h"

namespace o3lsm::node {

namespace {

using prometheus::MetricFamily;

void AddJobCounts(MetricFamilies* f, const char* kind,
                  const JobExecutor::JobCounts& c) {
  const char* kHelp = "Jobs this node finished, by kind and outcome";
  f->Counter("o3lsm_node_jobs_total", kHelp, static_cast<double>(c.done),
             {{"kind", kind}, {"outcome", "done"}});
  f->Counter("o3lsm_node_jobs_total", kHelp, static_cast<double>(c.failed),
             {{"kind", kind}, {"outcome", "failed"}});
  f->Counter("o3lsm_node_jobs_total", kHelp, static_cast<double>(c.revoked),
             {{"kind", kind}, {"outcome", "revoked"}});
}

}  // namespace

NodeMetrics::NodeMetrics(Sources sources)
    : sources_(std::move(sources)),
      started_(std::chrono::steady_clock::now()) {}

std::vector<MetricFamily> NodeMetrics::Collect() const {
  std::vector<MetricFamily> out;
  MetricFamilies f(&out);
  f.Gauge("o3lsm_node_info",
          "The node: its role, name, node id and o3lsm version (value 1)", 1,
          {{"role", sources_.role},
           {"name", sources_.name},
           {"node", std::to_string(sources_.node)},
           {"version", O3LSM_VERSION_STRING}});
  f.Gauge(
      "o3lsm_node_uptime_seconds", "Seconds since the node started",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
          .count());

  const JobExecutor::Stats s = sources_.executor->stats();
  if (s.heartbeat_age_micros != UINT64_MAX) {
    f.Gauge("o3lsm_node_heartbeat_age_seconds",
            "Seconds since the node last published its liveness and load in "
            "the node table (others reap it after --liveness-ms)",
            static_cast<double>(s.heartbeat_age_micros) / 1e6);
  }
  AddJobCounts(&f, "flush", s.flush);
  AddJobCounts(&f, "compaction", s.compaction);
  f.Gauge("o3lsm_node_jobs_running", "Jobs running now",
          static_cast<double>(s.running));
  f.Gauge("o3lsm_node_job_threads", "Jobs the node runs at once",
          static_cast<double>(s.load.capacity));
  f.Counter("o3lsm_node_job_read_bytes_total",
            "Storage bytes the finished jobs read",
            static_cast<double>(s.bytes_read));
  f.Counter("o3lsm_node_job_written_bytes_total",
            "Storage bytes the finished jobs wrote",
            static_cast<double>(s.bytes_written));
  f.Gauge("o3lsm_node_cpu_ratio",
          "CPU use of the host as last published in the node table (1 = "
          "every core busy)",
          s.load.cpu_percent_x100 / 10000.0);
  f.Gauge("o3lsm_node_io_bytes_per_second",
          "Storage bytes per second of jobs as last published in the node "
          "table",
          static_cast<double>(s.load.io_bytes_per_sec));

  if (sources_.pool != nullptr) {
    f.Gauge("o3lsm_pool_capacity_bytes", "Size of the DM pool",
            static_cast<double>(sources_.pool->pool_size()));
  }
  fabric::AllocatorStats a;
  if (sources_.allocator != nullptr && sources_.allocator->GetStats(&a).ok()) {
    f.Gauge("o3lsm_pool_heap_bytes",
            "Bytes of the pool's allocator heap (the pool less its tables)",
            static_cast<double>(a.chunk_count * a.chunk_size));
    f.Gauge(
        "o3lsm_pool_used_bytes",
        "Bytes of the heap in chunks that are not free",
        static_cast<double>((a.chunk_count - a.free_chunks) * a.chunk_size));
    const char* kHelp =
        "Chunks of the heap by state: free, run (DM segments and other large "
        "allocations), slab (small allocations), transient";
    f.Gauge("o3lsm_pool_chunks", kHelp, static_cast<double>(a.free_chunks),
            {{"state", "free"}});
    f.Gauge("o3lsm_pool_chunks", kHelp, static_cast<double>(a.run_chunks),
            {{"state", "run"}});
    f.Gauge("o3lsm_pool_chunks", kHelp, static_cast<double>(a.slab_chunks),
            {{"state", "slab"}});
    f.Gauge("o3lsm_pool_chunks", kHelp, static_cast<double>(a.transient_chunks),
            {{"state", "transient"}});
    f.Gauge("o3lsm_pool_largest_free_bytes",
            "The largest run of free chunks: the largest allocation that can "
            "succeed now",
            static_cast<double>(a.largest_free_run * a.chunk_size));
    std::map<uint16_t, HeldSegments> held;
    if (sources_.pool != nullptr &&
        CountHeldSegments(sources_.pool, sources_.allocator, &held).ok()) {
      // One family after the other, as MetricFamilies wants them.
      for (const auto& [owner, h] : held) {
        f.Gauge("o3lsm_pool_segments",
                "DM memtable segments the pool holds, by the node that "
                "wrote them (awaiting or in a flush)",
                static_cast<double>(h.count),
                {{"owner", std::to_string(owner)}});
      }
      for (const auto& [owner, h] : held) {
        f.Gauge("o3lsm_pool_segment_bytes",
                "Bytes of the DM memtable segments the pool holds, by the "
                "node that wrote them",
                static_cast<double>(h.bytes),
                {{"owner", std::to_string(owner)}});
      }
    }
  }
  if (sources_.search != nullptr) {
    const SearchServer::Stats ss = sources_.search->stats();
    f.Gauge("o3lsm_node_search_threads", "Threads serving delegated lookups",
            static_cast<double>(sources_.search->threads()));
    f.Counter("o3lsm_node_search_requests_total",
              "Delegated lookup requests served",
              static_cast<double>(ss.requests));
    f.Counter("o3lsm_node_search_keys_total", "Keys of the requests served",
              static_cast<double>(ss.keys));
    f.Counter("o3lsm_node_search_busy_seconds_total",
              "Time the search threads spent serving",
              static_cast<double>(ss.busy_micros) / 1e6);
  }
  return out;
}

bool MetricsWanted(const std::string& listen) {
  if (listen.empty()) return false;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return true;  // Start says what is wrong
  const std::string port = listen.substr(colon + 1);
  return !(port.empty() || port.find_first_not_of('0') == std::string::npos);
}

}  // namespace o3lsm::node
