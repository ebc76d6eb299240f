// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/benchmark_registry.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace o3lsm::bench {
namespace {

BenchmarkDef Fill(const char* name, WorkloadFn fn, bool fresh) {
  BenchmarkDef d{name, fn};
  d.fresh_db = fresh;
  d.ops = OpsFrom::kWrites;
  return d;
}

BenchmarkDef Reads(const char* name, WorkloadFn fn) {
  BenchmarkDef d{name, fn};
  d.ops = OpsFrom::kReads;
  return d;
}

BenchmarkDef Meta(const char* name, MetaOp op) {
  BenchmarkDef d{name, nullptr};
  d.meta = op;
  d.ops = OpsFrom::kNone;
  return d;
}

const std::vector<BenchmarkDef>& Table() {
  static const std::vector<BenchmarkDef> table = [] {
    std::vector<BenchmarkDef> t;
    t.push_back(Fill("fillseq", FillSeq, true));
    t.back().duration_bounded = false;
    t.push_back(Fill("fillrandom", FillRandom, true));
    t.push_back(Fill("overwrite", FillRandom, false));
    t.push_back(Fill("fillsync", FillRandom, true));
    t.back().num_divisor = 1000;
    t.back().force_sync = true;
    t.push_back(Fill("fill100K", FillRandom, true));
    t.back().num_divisor = 1000;
    t.back().value_size_override = 100 * 1000;
    t.push_back(Reads("readseq", ReadSeq));
    t.back().duration_bounded = false;
    t.push_back(Reads("readreverse", ReadReverse));
    t.back().duration_bounded = false;
    t.push_back(Reads("readrandom", ReadRandom));
    t.push_back(Reads("readmissing", ReadRandom));
    t.back().key_size_delta = 1;
    t.push_back(Reads("multireadrandom", MultiReadRandom));
    t.push_back(Reads("seekrandom", SeekRandom));
    t.push_back(Reads("readwhilewriting", ReadWhileWriting));
    t.back().background_writer = true;
    t.push_back(Reads("seekrandomwhilewriting", SeekRandomWhileWriting));
    t.back().background_writer = true;
    t.push_back(Reads("mixgraph", MixGraph));
    t.push_back(Reads("readrandomwriterandom", ReadRandomWriteRandom));
    t.back().ops = OpsFrom::kReadWrites;
    t.push_back(Reads("updaterandom", UpdateRandom));
    t.back().ops = OpsFrom::kReadWrites;
    t.push_back(Reads("deleteseq", DeleteSeq));
    t.back().ops = OpsFrom::kDeletes;
    t.back().duration_bounded = false;
    t.push_back(Reads("deleterandom", DeleteRandom));
    t.back().ops = OpsFrom::kDeletes;
    t.push_back(Reads("deleterange", DeleteRange));
    t.back().ops = OpsFrom::kDeletes;
    t.back().duration_bounded = false;
    t.push_back(Reads("compact", CompactAll));
    t.back().ops = OpsFrom::kNone;
    t.push_back(Meta("stats", MetaOp::kStats));
    t.push_back(Meta("levelstats", MetaOp::kLevelStats));
    t.push_back(Meta("sstables", MetaOp::kSstables));
    t.push_back(Meta("flush", MetaOp::kFlush));
    t.push_back(Meta("waitforcompaction", MetaOp::kWait));
    t.push_back(Fill("ycsbload", YcsbLoad, true));
    t.back().ycsb_load = true;
    t.back().duration_bounded = false;
    for (const char* name :
         {"ycsba", "ycsbb", "ycsbc", "ycsbd", "ycsbe", "ycsbf"}) {
      t.push_back(Reads(name, YcsbRun));
      t.back().ycsb_run = true;
    }
    return t;
  }();
  return table;
}

}  // namespace

const BenchmarkDef* FindBenchmark(const std::string& name) {
  for (const BenchmarkDef& d : Table()) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

std::vector<std::string> BenchmarkNames() {
  std::vector<std::string> names;
  for (const BenchmarkDef& d : Table()) names.emplace_back(d.name);
  return names;
}

std::string BenchmarkMessage(const BenchmarkDef& def, const BenchResult& r,
                             int64_t key_range) {
  char buf[256];
  const std::string name = def.name;
  if (def.ycsb_run) {
    std::string m = "(";
    for (const char* kind :
         {"reads", "updates", "inserts", "scans", "readmodifywrites"}) {
      auto it = r.counters.find(kind);
      if (it == r.counters.end()) continue;
      snprintf(buf, sizeof(buf), "%s:%" PRId64 " ", kind, it->second);
      m += buf;
    }
    if (r.counter("lookups") > 0) {
      snprintf(buf, sizeof(buf), "found:%" PRId64 " of %" PRId64 " ",
               r.counter("found"), r.counter("lookups"));
      m += buf;
    }
    if (r.counters.count("scanned") != 0) {
      snprintf(buf, sizeof(buf), "scanned:%" PRId64 " ", r.counter("scanned"));
      m += buf;
    }
    m.back() = ')';
    return m;
  }
  if (def.ycsb_load) {
    snprintf(buf, sizeof(buf), "(%" PRId64 " records)", r.counter("inserts"));
    return buf;
  }
  if (def.fn == ReadRandom || def.fn == SeekRandom ||
      def.fn == MultiReadRandom || def.fn == ReadWhileWriting ||
      def.fn == SeekRandomWhileWriting) {
    // db_bench ends this message with a newline, which leaves an empty line
    // after the report line; scripts expect it.
    snprintf(buf, sizeof(buf), "(%" PRId64 " of %" PRId64 " found)\n",
             r.counter("found"), r.counter("reads"));
    return buf;
  }
  if (def.fn == ReadRandomWriteRandom) {
    snprintf(buf, sizeof(buf),
             "( reads:%" PRId64 " writes:%" PRId64 " total:%" PRId64
             " found:%" PRId64 ")",
             r.counter("reads"), r.counter("writes"),
             r.counter("reads") + r.counter("writes"), r.counter("found"));
    return buf;
  }
  if (def.fn == MixGraph) {
    const int64_t puts = r.counter("puts");
    const int64_t seeks = r.counter("seeks");
    snprintf(
        buf, sizeof(buf),
        "( Gets:%" PRId64 " Puts:%" PRId64 " Seek:%" PRId64 ", reads %" PRId64
        " in %" PRId64 " found, avg size: %.1f value, %.1f scan)\n",
        r.counter("gets"), puts, seeks, r.counter("found"), r.counter("gets"),
        puts > 0 ? static_cast<double>(r.counter("value_bytes")) / puts : 0.0,
        seeks > 0 ? static_cast<double>(r.counter("scanned")) / seeks : 0.0);
    return buf;
  }
  if (def.fn == UpdateRandom) {
    snprintf(buf, sizeof(buf), "( updates:%" PRId64 " found:%" PRId64 ")",
             r.counter("updates"), r.counter("found"));
    return buf;
  }
  if (def.num_divisor != 1) {
    snprintf(buf, sizeof(buf), "(%" PRId64 " ops)", key_range);
    return buf;
  }
  return "";
}

}  // namespace o3lsm::bench
