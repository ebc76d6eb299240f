// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Helpers for tests of Prometheus endpoints (o3lsm-node --metrics-listen,
// Options::metrics_listen): a free port, a scrape with curl, one sample of
// the text served.

#ifndef O3LSM_TESTS_METRICS_TEST_UTIL_H_
#define O3LSM_TESTS_METRICS_TEST_UTIL_H_

#include <string>

namespace o3lsm::test {

// A port nobody listens on now: bind port 0 and ask which one the kernel
// gave. Another process may take it before the test uses it; the test then
// tries another.
int FreePort();

// GET http://127.0.0.1:port/metrics with curl; "" on failure (nothing
// listens there). open_metrics: asking for OpenMetrics, as Prometheus does.
std::string Scrape(int port, bool open_metrics = false);

// The value of the sample whose line starts with `series` (the metric name
// and labels exactly as served), or -1 if there is none.
double Sample(const std::string& text, const std::string& series);

}  // namespace o3lsm::test

#endif  // O3LSM_TESTS_METRICS_TEST_UTIL_H_
