// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tools/bench/json_writer.h"

namespace o3lsm::bench {
namespace {

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

// Half-width of the 95% confidence interval of the mean, assuming normal
// samples (sample standard deviation, z = 1.96), as db_bench reports it.
double Confidence95(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double mean = Mean(v);
  double sq = 0;
  for (double x : v) sq += (x - mean) * (x - mean);
  const double sd = std::sqrt(sq / static_cast<double>(v.size() - 1));
  return 1.959964 * sd / std::sqrt(static_cast<double>(v.size()));
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid] + v[mid - 1]) / 2;
}

void WriteLatency(JsonWriter* w, const LatencyHistogram& h) {
  w->BeginObject();
  w->Key("count");
  w->Uint(h.count());
  w->Key("avg");
  w->Double(h.AverageMicros());
  w->Key("stddev");
  w->Double(h.StandardDeviationMicros());
  w->Key("min");
  w->Double(h.MinMicros());
  w->Key("max");
  w->Double(h.MaxMicros());
  const std::pair<const char*, double> percentiles[] = {{"p50", 50},
                                                        {"p75", 75},
                                                        {"p99", 99},
                                                        {"p99_9", 99.9},
                                                        {"p99_99", 99.99}};
  for (const auto& [key, p] : percentiles) {
    w->Key(key);
    w->Double(h.PercentileMicros(p));
  }
  w->EndObject();
}

}  // namespace

std::string FormatRepeatSummary(const std::string& name,
                                const std::vector<BenchResult>& runs,
                                bool final) {
  if (runs.size() < 2) return "";
  std::vector<double> ops, mbs;
  for (const BenchResult& r : runs) {
    ops.push_back(r.ops_per_second());
    if (r.bytes > 0) mbs.push_back(r.mb_per_second());
  }
  const bool with_mb = mbs.size() == ops.size();
  const int n = static_cast<int>(runs.size());
  char buf[512];
  std::string out;
  if (!final) {
    if (with_mb) {
      snprintf(buf, sizeof(buf),
               "%s [AVG %d runs] : %d (\xC2\xB1 %d) ops/sec; %6.1f (\xC2\xB1 "
               "%.1f) MB/sec\n",
               name.c_str(), n, static_cast<int>(Mean(ops)),
               static_cast<int>(Confidence95(ops)), Mean(mbs),
               Confidence95(mbs));
    } else {
      snprintf(buf, sizeof(buf),
               "%s [AVG %d runs] : %d (\xC2\xB1 %d) ops/sec\n", name.c_str(), n,
               static_cast<int>(Mean(ops)),
               static_cast<int>(Confidence95(ops)));
    }
    return buf;
  }
  if (with_mb) {
    snprintf(buf, sizeof(buf),
             "%s [AVG    %d runs] : %d (\xC2\xB1 %d) ops/sec; %6.1f (\xC2\xB1 "
             "%.1f) MB/sec\n%s [MEDIAN %d runs] : %d ops/sec; %6.1f MB/sec\n",
             name.c_str(), n, static_cast<int>(Mean(ops)),
             static_cast<int>(Confidence95(ops)), Mean(mbs), Confidence95(mbs),
             name.c_str(), n, static_cast<int>(Median(ops)), Median(mbs));
  } else {
    snprintf(buf, sizeof(buf),
             "%s [AVG    %d runs] : %d (\xC2\xB1 %d) ops/sec\n%s [MEDIAN %d "
             "runs] : %d ops/sec\n",
             name.c_str(), n, static_cast<int>(Mean(ops)),
             static_cast<int>(Confidence95(ops)), name.c_str(), n,
             static_cast<int>(Median(ops)));
  }
  out = buf;
  out += "\n";
  return out;
}

std::string BuildJsonReport(const RunInfo& info,
                            const std::vector<BenchRecord>& records) {
  JsonWriter w;
  w.BeginObject();
  w.Key("tool");
  w.String("o3lsm-bench");
  w.Key("version");
  w.String(info.version);
  w.Key("date");
  w.String(info.date);
  w.Key("seed");
  w.Uint(info.seed);
  w.Key("db");
  w.String(info.db_path);
  w.Key("compression");
  w.String(info.compression);
  w.Key("cpu");
  w.BeginObject();
  w.Key("count");
  w.Int(info.cpu.count);
  w.Key("model");
  w.String(info.cpu.model);
  w.Key("cache");
  w.String(info.cpu.cache);
  w.EndObject();

  w.Key("flags");
  w.BeginObject();
  if (info.flags != nullptr) {
    for (const auto& [name, value] : BenchFlagValues(*info.flags)) {
      w.Key(name);
      w.String(value);
    }
  }
  w.EndObject();

  w.Key("benchmarks");
  w.BeginArray();
  for (const BenchRecord& rec : records) {
    const BenchResult& r = rec.result;
    w.BeginObject();
    w.Key("name");
    w.String(r.name);
    w.Key("run");
    w.Int(rec.run);
    w.Key("warmup");
    w.Bool(rec.warmup);
    w.Key("threads");
    w.Int(r.threads);
    w.Key("ops");
    w.Uint(r.done);
    w.Key("ops_per_sec");
    w.Double(r.ops_per_second());
    w.Key("micros_per_op");
    w.Double(r.micros_per_op());
    w.Key("mb_per_sec");
    w.Double(r.mb_per_second());
    w.Key("seconds");
    w.Double(r.elapsed_seconds());
    w.Key("bytes");
    w.Uint(r.bytes);
    w.Key("cpu_user_seconds");
    w.Double(r.cpu_user_seconds);
    w.Key("cpu_system_seconds");
    w.Double(r.cpu_system_seconds);
    w.Key("message");
    std::string message = r.message;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    w.String(message);
    w.Key("counters");
    w.BeginObject();
    for (const auto& [name, n] : r.counters) {
      w.Key(name);
      w.Int(n);
    }
    w.EndObject();
    w.Key("latency_us");
    w.BeginObject();
    for (size_t i = 0; i < kNumOpTypes; i++) {
      if (r.hist[i].count() == 0) continue;
      w.Key(OpTypeName(static_cast<OpType>(i)));
      WriteLatency(&w, r.hist[i]);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();

  w.Key("process");
  w.BeginObject();
  w.Key("wall_seconds");
  w.Double(info.wall_seconds);
  w.Key("cpu_user_seconds");
  w.Double(info.usage.user_seconds);
  w.Key("cpu_system_seconds");
  w.Double(info.usage.system_seconds);
  w.Key("peak_rss_kib");
  w.Int(info.usage.peak_rss_kib);
  w.EndObject();
  w.EndObject();
  return w.str();
}

}  // namespace o3lsm::bench
