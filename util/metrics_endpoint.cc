// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "util/metrics_endpoint.h"

#include <CivetServer.h>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <netdb.h>
#include <poll.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace o3lsm {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

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

constexpr char kOpenMetricsType[] =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
constexpr char kPrometheusTextType[] =
    "text/plain; version=0.0.4; charset=utf-8";

void AppendValue(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, r.ptr);
  }
}

// Escapes a label value (backslash, double quote, newline) or a help text
// (backslash, newline).
void AppendEscaped(std::string* out, const std::string& text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && quotes) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// name{labels[,extra_name="extra_value"]} value
void AppendSample(std::string* out, const std::string& name,
                  const std::vector<ClientMetric::Label>& labels,
                  const char* extra_name, double extra_value, double value) {
  out->append(name);
  if (!labels.empty() || extra_name != nullptr) {
    out->push_back('{');
    bool first = true;
    for (const ClientMetric::Label& l : labels) {
      if (!first) out->push_back(',');
      first = false;
      out->append(l.name).append("=\"");
      AppendEscaped(out, l.value, /*quotes=*/true);
      out->push_back('"');
    }
    if (extra_name != nullptr) {
      if (!first) out->push_back(',');
      out->append(extra_name).append("=\"");
      AppendValue(out, extra_value);
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  AppendValue(out, value);
  out->push_back('\n');
}

}  // namespace

std::string SerializeOpenMetrics(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& f : families) {
    std::string name = f.name;
    const char* type = "unknown";
    switch (f.type) {
      case MetricType::Counter:
        type = "counter";
        // The family is named without the suffix its samples carry.
        if (name.size() > 6 &&
            name.compare(name.size() - 6, 6, "_total") == 0) {
          name.resize(name.size() - 6);
        }
        break;
      case MetricType::Gauge:
        type = "gauge";
        break;
      case MetricType::Summary:
        type = "summary";
        break;
      case MetricType::Histogram:
        type = "histogram";
        break;
      default:
        break;
    }
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    if (!f.help.empty()) {
      out.append("# HELP ").append(name).append(" ");
      AppendEscaped(&out, f.help, /*quotes=*/false);
      out.push_back('\n');
    }
    for (const ClientMetric& m : f.metric) {
      switch (f.type) {
        case MetricType::Counter:
          AppendSample(&out, name + "_total", m.label, nullptr, 0,
                       m.counter.value);
          break;
        case MetricType::Gauge:
          AppendSample(&out, name, m.label, nullptr, 0, m.gauge.value);
          break;
        case MetricType::Summary:
          for (const ClientMetric::Quantile& q : m.summary.quantile) {
            AppendSample(&out, name, m.label, "quantile", q.quantile, q.value);
          }
          AppendSample(&out, name + "_sum", m.label, nullptr, 0,
                       m.summary.sample_sum);
          AppendSample(&out, name + "_count", m.label, nullptr, 0,
                       static_cast<double>(m.summary.sample_count));
          break;
        case MetricType::Histogram: {
          bool has_inf = false;
          for (const ClientMetric::Bucket& b : m.histogram.bucket) {
            has_inf = has_inf || std::isinf(b.upper_bound);
            AppendSample(&out, name + "_bucket", m.label, "le", b.upper_bound,
                         static_cast<double>(b.cumulative_count));
          }
          if (!has_inf) {
            AppendSample(&out, name + "_bucket", m.label, "le",
                         std::numeric_limits<double>::infinity(),
                         static_cast<double>(m.histogram.sample_count));
          }
          AppendSample(&out, name + "_sum", m.label, nullptr, 0,
                       m.histogram.sample_sum);
          AppendSample(&out, name + "_count", m.label, nullptr, 0,
                       static_cast<double>(m.histogram.sample_count));
          break;
        }
        default:
          AppendSample(&out, name, m.label, nullptr, 0, m.untyped.value);
          break;
      }
    }
  }
  out.append("# EOF\n");
  return out;
}

// Serves GET /metrics: the Collectable's families, serialized as the
// client's Accept header asks.
class MetricsEndpoint::Handler final : public CivetHandler {
 public:
  explicit Handler(std::shared_ptr<prometheus::Collectable> metrics)
      : metrics_(std::move(metrics)) {}

  bool handleGet(CivetServer*, struct mg_connection* conn) override {
    const std::vector<MetricFamily> families = metrics_->Collect();
    const char* accept = mg_get_header(conn, "Accept");
    const bool open_metrics =
        accept != nullptr &&
        strstr(accept, "application/openmetrics-text") != nullptr;
    const std::string body =
        open_metrics ? SerializeOpenMetrics(families)
                     : prometheus::TextSerializer().Serialize(families);
    mg_printf(conn,
              "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
              "Content-Length: %zu\r\nConnection: close\r\n\r\n",
              open_metrics ? kOpenMetricsType : kPrometheusTextType,
              body.size());
    mg_write(conn, body.data(), body.size());
    return true;
  }

 private:
  const std::shared_ptr<prometheus::Collectable> metrics_;
};

MetricsEndpoint::MetricsEndpoint() = default;

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
  endpoint->handler_ = std::make_unique<Handler>(endpoint->metrics_);
  // civetweb's C++ wrapper reports errors as exceptions; none leaves this
  // module.
  try {
    endpoint->server_ = std::make_unique<CivetServer>(
        std::vector<std::string>{"listening_ports", listen, "num_threads",
                                 "1"});
    endpoint->server_->addHandler("/metrics", endpoint->handler_.get());
    const std::vector<int> ports = endpoint->server_->getListeningPorts();
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
  server_.reset();
  stopped.store(true);
  waker.join();
}

}  // namespace o3lsm
