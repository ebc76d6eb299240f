// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "util/metrics_endpoint.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <netdb.h>
#include <poll.h>
#include <prometheus/exposer.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace o3lsm {

namespace {

// Opens and closes one connection to host:port, waiting at most 50 ms for
// it to be accepted. A wildcard host is reached through loopback.
void ConnectOnce(std::string host, int port) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) !=
      0) {
    return;
  }
  const int fd =
      socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    if (connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, /*timeout ms=*/50);
    }
    close(fd);
  }
  freeaddrinfo(found);
}

}  // namespace

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily& MetricFamilies::Family(const std::string& name,
                                     const std::string& help, MetricType type) {
  if (out_->empty() || out_->back().name != name) {
    out_->push_back(MetricFamily{name, help, type, {}});
  }
  return out_->back();
}

ClientMetric& MetricFamilies::Add(const std::string& name,
                                  const std::string& help, MetricType type,
                                  Labels labels) {
  MetricFamily& family = Family(name, help, type);
  family.metric.emplace_back();
  family.metric.back().label = std::move(labels);
  return family.metric.back();
}

void MetricFamilies::Gauge(const std::string& name, const std::string& help,
                           double value, Labels labels) {
  Add(name, help, MetricType::Gauge, std::move(labels)).gauge.value = value;
}

void MetricFamilies::Counter(const std::string& name, const std::string& help,
                             double value, Labels labels) {
  Add(name, help, MetricType::Counter, std::move(labels)).counter.value = value;
}

void MetricFamilies::Summary(
    const std::string& name, const std::string& help, uint64_t count,
    double sum, const std::vector<std::pair<double, double>>& quantiles,
    Labels labels) {
  ClientMetric::Summary& s =
      Add(name, help, MetricType::Summary, std::move(labels)).summary;
  s.sample_count = count;
  s.sample_sum = sum;
  for (const auto& [quantile, value] : quantiles) {
    s.quantile.push_back(ClientMetric::Quantile{quantile, value});
  }
}

Status MetricsEndpoint::Start(const std::string& what,
                              const std::string& listen,
                              std::shared_ptr<prometheus::Collectable> metrics,
                              std::unique_ptr<MetricsEndpoint>* result) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size() ||
      listen.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    return Status::InvalidArgument(what + " " + listen,
                                   "expected HOST:PORT, e.g. 127.0.0.1:9464");
  }
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  endpoint->metrics_ = std::move(metrics);
  endpoint->host_ = listen.substr(0, colon);
  // prometheus-cpp reports errors as exceptions; none leaves this module.
  try {
    endpoint->exposer_ =
        std::make_unique<prometheus::Exposer>(listen, /*num_threads=*/1);
    endpoint->exposer_->RegisterCollectable(endpoint->metrics_);
    const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
    endpoint->port_ = ports.empty() ? 0 : ports.front();
  } catch (const std::exception& e) {
    return Status::IOError(what + " " + listen,
                           std::string("cannot listen: ") + e.what());
  }
  *result = std::move(endpoint);
  return Status::OK();
}

MetricsEndpoint::~MetricsEndpoint() {
  // Once it has served a request, civetweb's stop waits until a thread of
  // its own wakes from a 2-second poll (measured: every close of a
  // database or node that had been scraped took 2.0 s). A connection to
  // the port wakes it at once (0.02 s).
  std::atomic<bool> stopped{false};
  std::thread waker([this, &stopped] {
    while (!stopped.load()) {
      ConnectOnce(host_, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  exposer_.reset();
  stopped.store(true);
  waker.join();
}

}  // namespace o3lsm
