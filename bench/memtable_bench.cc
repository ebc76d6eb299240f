// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Micro-benchmarks of the memtable: Seek and Get over a memtable of N
// random 16-byte keys with 100-byte values (db_bench's default shape),
// insertion, a full scan in key order, and building the image a sealed
// memtable moves into DM with (the compute node's share of a move). A
// search of a large memtable is bound by the cache misses of the skiplist
// descent, a scan by those of the walk; these isolate them from the rest
// of the engine.
//
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DO3LSM_BUILD_MICROBENCH=ON
//   cmake --build build-bench --target o3lsm_memtable_bench
//   build-bench/bin/o3lsm_memtable_bench --benchmark_repetitions=5

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/memtable/memtable.h"
#include "lsm/offload/segment_image.h"
#include "util/random.h"

namespace o3lsm {
namespace {

constexpr size_t kKeySize = 16;
constexpr size_t kValueSize = 100;

std::string KeyOf(uint64_t k) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(k));
  return std::string(buf, kKeySize);
}

// A memtable of n random keys out of a space of 2n (so half the lookups
// miss), built once per size and shared by the benchmarks.
std::shared_ptr<MemTable> FilledMemTable(size_t n) {
  static std::vector<std::pair<size_t, std::shared_ptr<MemTable>>> built;
  for (const auto& [size, mem] : built) {
    if (size == n) return mem;
  }
  auto mem = std::make_shared<MemTable>(1, size_t{1} << 30, size_t{1} << 30);
  Random64 rnd(301);
  const std::string value(kValueSize, 'v');
  for (size_t i = 0; i < n; i++) {
    if (!mem->Add(i + 1, kTypeValue, KeyOf(rnd.Uniform(2 * n)), value)) {
      return nullptr;
    }
  }
  built.emplace_back(n, mem);
  return mem;
}

void BM_MemTableSeek(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  auto mem = FilledMemTable(n);
  if (mem == nullptr) return state.SkipWithError("memtable full");
  std::unique_ptr<Iterator> it(mem->NewIterator());
  Random64 rnd(17);
  for (auto _ : state) {
    const LookupKey target(KeyOf(rnd.Uniform(2 * n)), kMaxSequenceNumber);
    it->Seek(target.internal_key());
    benchmark::DoNotOptimize(it->Valid());
  }
  state.counters["bytes_per_entry"] =
      static_cast<double>(mem->MemoryUsage()) / static_cast<double>(n);
}

void BM_MemTableGet(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  auto mem = FilledMemTable(n);
  if (mem == nullptr) return state.SkipWithError("memtable full");
  Random64 rnd(23);
  std::string value;
  for (auto _ : state) {
    const LookupKey key(KeyOf(rnd.Uniform(2 * n)), kMaxSequenceNumber);
    Status s;
    benchmark::DoNotOptimize(mem->Get(key, &value, &s));
  }
}

void BM_MemTableInsert(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::string value(kValueSize, 'v');
  for (auto _ : state) {
    state.PauseTiming();
    auto mem = std::make_unique<MemTable>(1, size_t{1} << 30, size_t{1} << 30);
    Random64 rnd(301);
    state.ResumeTiming();
    for (size_t i = 0; i < n; i++) {
      mem->Add(i + 1, kTypeValue, KeyOf(rnd.Uniform(2 * n)), value);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

void BM_MemTableScan(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  auto mem = FilledMemTable(n);
  if (mem == nullptr) return state.SkipWithError("memtable full");
  for (auto _ : state) {
    std::unique_ptr<Iterator> it(mem->NewIterator());
    size_t bytes = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) bytes += it->key().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(mem->num_entries()));
}

// What BackgroundMove computes before the copy: the order block, fences,
// per-entry checksums and the segment's filter (10 bits per key).
void BM_SegmentImageBuild(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  auto mem = FilledMemTable(n);
  if (mem == nullptr) return state.SkipWithError("memtable full");
  for (auto _ : state) {
    SegmentImage image;
    Status s = BuildSegmentImage(mem.get(), SegmentLayout::kArenaCopy, 10,
                                 &image);
    if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(image.checksum);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(mem->num_entries()));
}

BENCHMARK(BM_MemTableSeek)->Arg(80000)->Arg(500000);
BENCHMARK(BM_MemTableGet)->Arg(80000)->Arg(500000);
BENCHMARK(BM_MemTableInsert)->Arg(500000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MemTableScan)
    ->Arg(14000)
    ->Arg(500000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SegmentImageBuild)
    ->Arg(14000)
    ->Arg(500000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace o3lsm

BENCHMARK_MAIN();
