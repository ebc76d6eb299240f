// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/benchmark_runner.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "o3lsm/statistics.h"
#include "tools/bench/progress_monitor.h"
#include "tools/bench/system_info.h"

#ifndef O3LSM_BENCH_VERSION
#define O3LSM_BENCH_VERSION "unknown"
#endif

namespace o3lsm::bench {
namespace {

// Per-thread seeds derived from the base by splitmix64, so that threads and
// consecutive benchmarks (seed base + 1, + 2, ...) draw unrelated sequences:
// readrandom must not replay fillrandom's keys.
uint64_t MixSeed(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Starts n threads together, like db_bench: each waits until all exist, so
// thread creation is not timed and no thread runs alone at the start.
class StartGate {
 public:
  explicit StartGate(int n) : waiting_for_(n) {}
  // Called by each benchmark thread.
  void ArriveAndWait() {
    std::unique_lock<std::mutex> l(mu_);
    if (--waiting_for_ == 0) cv_.notify_all();
    cv_.wait(l, [this] { return open_; });
  }
  // Called by the runner: waits for every thread, then lets them go.
  void OpenWhenAllArrived() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return waiting_for_ == 0; });
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_for_;    // guarded by mu_
  bool open_ = false;  // guarded by mu_
};

void PrintWarnings(const std::vector<std::string>& extra) {
#if defined(__GNUC__) && !defined(__OPTIMIZE__)
  fprintf(stdout,
          "WARNING: Optimization is disabled: benchmarks unnecessarily slow\n");
#endif
#ifndef NDEBUG
  fprintf(stdout,
          "WARNING: Assertions are enabled; benchmarks unnecessarily slow\n");
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  fprintf(stdout,
          "WARNING: Built with a sanitizer; benchmarks unnecessarily slow\n");
#endif
  for (const std::string& w : extra)
    fprintf(stdout, "WARNING: %s\n", w.c_str());
}

}  // namespace

BenchmarkRunner::BenchmarkRunner(const BenchFlags& flags, uint64_t seed_base)
    : flags_(flags), seed_base_(seed_base), ycsb_records_(flags.num) {}

BenchmarkRunner::~BenchmarkRunner() { CloseDb().PermitUncheckedError(); }

Status BenchmarkRunner::Start() {
  Status s = ParseBenchmarkList(flags_.benchmarks, &specs_);
  if (!s.ok()) return s;
  size_t max_value = static_cast<size_t>(flags_.value_size);
  for (const BenchmarkSpec& spec : specs_) {
    const BenchmarkDef* def = FindBenchmark(spec.name);
    if (def == nullptr) {
      return Status::InvalidArgument("unknown benchmark '" + spec.name + "'");
    }
    max_value =
        std::max(max_value, static_cast<size_t>(def->value_size_override));
    if (def->fn == MixGraph) {
      max_value = std::max(max_value,
                           static_cast<size_t>(flags_.mixgraph.max_value_size));
    }
  }
  s = MakeDbSettings(flags_, &settings_);
  if (!s.ok()) return s;
  // This process is the compute node: place it before any thread starts.
  if (!flags_.cn_cpus.empty()) {
    s = PinProcessToCpus(flags_.cn_cpus);
    if (!s.ok()) return Status::InvalidArgument("--cn_cpus", s.message());
  }
  if (flags_.cluster_workers > 0 && settings_.options.offload != 0 &&
      flags_.dm_pool.empty()) {
    s = cluster_.Start(flags_);
    if (!s.ok()) return s;
    settings_.options.dm_pool = cluster_.pool_uri();
  }
  // A fixed seed, as db_bench's RandomGenerator: every run writes the same
  // value bytes, whatever --seed says about the keys.
  values_ =
      std::make_unique<ValueSource>(flags_.compression_ratio, max_value, 301);
  if (flags_.report_interval_seconds > 0) {
    s = Env::Default()->NewWritableFile(flags_.report_file, &report_file_);
    if (s.ok()) s = report_file_->Append("secs_elapsed,interval_qps\n");
    if (s.ok()) s = report_file_->Flush();
    if (!s.ok()) return s;
  }
  if (!flags_.use_existing_db) {
    s = DestroyDb();
    if (!s.ok()) return s;
  }
  s = OpenDb();
  if (!s.ok()) return s;
  PrintHeader();
  return Status::OK();
}

Status BenchmarkRunner::OpenDb() {
  Status s = DB::Open(settings_.options, flags_.db, &db_);
  if (!s.ok()) return Status::IOError("open error", s.ToString());
  return s;
}

Status BenchmarkRunner::CloseDb() {
  if (db_ == nullptr) return Status::OK();
  Status s = db_->Close();
  db_.reset();
  return s;
}

Status BenchmarkRunner::DestroyDb() {
  Status s = DestroyDB(flags_.db, settings_.options);
  if (!s.ok())
    return Status::IOError("cannot destroy " + flags_.db, s.ToString());
  return s;
}

void BenchmarkRunner::PrintHeader() const {
  const CpuInfo cpu = ReadCpuInfo();
  fprintf(stderr, "o3lsm:      version %s\n", O3LSM_BENCH_VERSION);
  fprintf(stderr, "Date:       %s\n", CurrentDate().c_str());
  fprintf(stderr, "CPU:        %d * %s\n", cpu.count, cpu.model.c_str());
  fprintf(stderr, "CPUCache:   %s\n", cpu.cache.c_str());

  const int value_size = flags_.value_size;
  fprintf(stdout,
          "Keys:       %d bytes each (+ 0 bytes user-defined timestamp)\n",
          flags_.key_size);
  fprintf(stdout, "Values:     %d bytes each (%d bytes after compression)\n",
          value_size,
          static_cast<int>(value_size * flags_.compression_ratio + 0.5));
  fprintf(stdout, "Entries:    %" PRId64 "\n", flags_.num);
  fprintf(stdout, "Prefix:    0 bytes\n");
  fprintf(stdout, "Keys per prefix:    0\n");
  fprintf(stdout, "RawSize:    %.1f MB (estimated)\n",
          static_cast<double>(
              static_cast<int64_t>(flags_.key_size + value_size) * flags_.num) /
              1048576.0);
  fprintf(stdout, "FileSize:   %.1f MB (estimated)\n",
          ((flags_.key_size + value_size * flags_.compression_ratio) *
           static_cast<double>(flags_.num)) /
              1048576.0);
  fprintf(stdout, "Write rate: 0 bytes/second\n");
  fprintf(stdout, "Read rate: 0 ops/second\n");
  fprintf(stdout, "Compression: %s\n", settings_.compression_name.c_str());
  fprintf(stdout, "Compression sampling rate: 0\n");
  fprintf(stdout, "Memtablerep: o3lsm SkipList (offset-linked arena)\n");
  PrintWarnings(settings_.warnings);
  fprintf(stdout, "------------------------------------------------\n");
  fflush(stdout);
}

Status BenchmarkRunner::RunAll() {
  for (const BenchmarkSpec& spec : specs_) {
    Status s = RunBenchmark(spec);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

int64_t BenchmarkRunner::OpsPerThread(const BenchmarkDef& def) const {
  const int64_t num = flags_.num / def.num_divisor;
  switch (def.ops) {
    case OpsFrom::kWrites:
      return flags_.writes >= 0 ? flags_.writes : num;
    case OpsFrom::kReads:
      return flags_.reads >= 0 ? flags_.reads : num;
    case OpsFrom::kDeletes:
      return flags_.deletes >= 0 ? flags_.deletes : num;
    case OpsFrom::kReadWrites:
      if (flags_.writes < 0 && flags_.reads < 0) return num;
      return std::max(flags_.writes, flags_.reads);
    case OpsFrom::kNone:
      return 0;
  }
  return num;
}

Status BenchmarkRunner::RunBenchmark(const BenchmarkSpec& spec) {
  const BenchmarkDef& def = *FindBenchmark(spec.name);
  if (def.fn == nullptr) return RunMeta(def);
  if (def.fresh_db) {
    if (flags_.use_existing_db) {
      fprintf(stdout, "%-12s : skipped (--use_existing_db is true)\n",
              spec.name.c_str());
      fflush(stdout);
      return Status::OK();
    }
    Status s = CloseDb();
    if (s.ok()) s = DestroyDb();
    if (s.ok()) s = OpenDb();
    if (!s.ok()) return s;
  }
  fprintf(stdout, "DB path: [%s]\n", flags_.db.c_str());
  if (spec.warmup > 0) {
    fprintf(stdout, "Warming up benchmark by running %d times\n", spec.warmup);
  }
  for (int i = 0; i < spec.warmup; i++) {
    BenchRecord rec;
    rec.warmup = true;
    rec.run = i + 1;
    Status s = RunOnce(def, &rec.result);
    if (!s.ok()) return s;
    records_.push_back(rec);
  }
  if (spec.repeat > 1) {
    fprintf(stdout, "Running benchmark for %d times\n", spec.repeat);
  }
  std::vector<BenchResult> runs;
  for (int i = 0; i < spec.repeat; i++) {
    BenchRecord rec;
    rec.run = i + 1;
    Status s = RunOnce(def, &rec.result);
    if (!s.ok()) return s;
    runs.push_back(rec.result);
    records_.push_back(rec);
    fputs(FormatRepeatSummary(spec.name, runs, false).c_str(), stdout);
  }
  fputs(FormatRepeatSummary(spec.name, runs, true).c_str(), stdout);
  fflush(stdout);
  return Status::OK();
}

Status BenchmarkRunner::RunOnce(const BenchmarkDef& def, BenchResult* result) {
  RunContext ctx;
  ctx.db = db_.get();
  ctx.values = values_.get();
  ctx.read_options = settings_.read_options;
  ctx.write_options = settings_.write_options;
  if (def.force_sync) ctx.write_options.sync = true;
  ctx.num = std::max<int64_t>(1, flags_.num / def.num_divisor);
  ctx.ops = OpsPerThread(def);
  ctx.key_size = flags_.key_size + def.key_size_delta;
  ctx.value_size =
      static_cast<size_t>(def.value_size_override > 0 ? def.value_size_override
                                                      : flags_.value_size);
  ctx.batch_size = flags_.batch_size;
  ctx.duration_seconds = def.duration_bounded ? flags_.duration : 0;
  ctx.seek_nexts = flags_.seek_nexts;
  ctx.max_scan_distance = flags_.max_scan_distance;
  ctx.range_tombstone_width = flags_.range_tombstone_width;
  ctx.readwritepercent = flags_.readwritepercent;
  ctx.workers = flags_.threads;
  if (flags_.read_key_dist == "zipfian") {
    ctx.read_zipf = std::make_shared<const ScrambledZipfianGenerator>(
        static_cast<uint64_t>(ctx.num), flags_.ycsb_zipfian_constant);
  }

  std::unique_ptr<RateLimiter> write_limiter;
  if (flags_.benchmark_write_rate_limit > 0) {
    write_limiter = std::make_unique<RateLimiter>(
        static_cast<double>(flags_.benchmark_write_rate_limit));
    ctx.write_limiter = write_limiter.get();
  }
  std::unique_ptr<RateLimiter> read_limiter;
  if (flags_.benchmark_read_rate_limit > 0) {
    read_limiter = std::make_unique<RateLimiter>(
        static_cast<double>(flags_.benchmark_read_rate_limit));
    ctx.read_limiter = read_limiter.get();
  }
  std::unique_ptr<MixGraphModel> mixgraph;
  std::unique_ptr<RateLimiter> mixgraph_limiter;
  if (def.fn == MixGraph) {
    mixgraph = std::make_unique<MixGraphModel>(flags_.mixgraph,
                                               static_cast<uint64_t>(ctx.num));
    ctx.mixgraph = mixgraph.get();
    if (flags_.mixgraph.sine_mix_rate) {
      mixgraph_limiter = std::make_unique<RateLimiter>(mixgraph->RateAt(0));
      ctx.mixgraph_limiter = mixgraph_limiter.get();
    }
  }

  YcsbShared ycsb;
  if (def.ycsb_load || def.ycsb_run) {
    ycsb.hashed_keys = flags_.ycsb_insertorder == "hashed";
    ycsb.zipfian_constant = flags_.ycsb_zipfian_constant;
    ycsb.max_scan_length = flags_.ycsb_max_scan_length;
    ycsb.record_count =
        def.ycsb_load ? static_cast<uint64_t>(flags_.num) : ycsb_records_;
    if (ycsb.record_count == 0) {
      return Status::InvalidArgument(std::string(def.name) +
                                     " needs records: run ycsbload first");
    }
    if (def.ycsb_run) {
      Status s = GetYcsbWorkload(def.name, &ycsb.spec);
      if (!s.ok()) return s;
      ycsb.expected_inserts =
          static_cast<uint64_t>(ctx.ops * flags_.threads *
                                ycsb.spec.PercentOf(YcsbOp::kInsert) / 100);
    }
    ycsb.inserts = std::make_unique<AcknowledgedCounter>(ycsb.record_count);
    ctx.ycsb = &ycsb;
  }

  const int n = flags_.threads + (def.background_writer ? 1 : 0);
  std::vector<std::unique_ptr<ThreadContext>> threads;
  for (int i = 0; i < n; i++) {
    threads.push_back(std::make_unique<ThreadContext>(
        i, MixSeed(seed_base_ + ++threads_started_), &ctx));
  }

  ProgressOptions progress;
  progress.name = def.name;
  progress.expected_ops =
      static_cast<uint64_t>(std::max<int64_t>(0, ctx.ops)) * flags_.threads;
  if (def.ycsb_load) progress.expected_ops = ycsb.record_count;
  progress.duration_seconds = ctx.duration_seconds;
  progress.live_line = flags_.progress && isatty(STDOUT_FILENO) == 1;
  progress.stats_interval_seconds = flags_.stats_interval_seconds;
  progress.report_interval_seconds = flags_.report_interval_seconds;
  progress.report_file = report_file_.get();
  const int first_worker = def.background_writer ? 1 : 0;
  ProgressMonitor monitor(progress, [&threads, first_worker] {
    uint64_t done = 0;
    for (size_t i = first_worker; i < threads.size(); i++) {
      done += threads[i]->stats.published_done();
    }
    return done;
  });

  ResetPeakRss();
  std::string moved_before;
  db_->GetProperty("o3lsm.dm-bytes-moved", &moved_before);
  auto sampler = std::make_unique<PeakSampler>(db_.get());
  const ProcessUsage before = GetProcessUsage();
  StartGate gate(n);
  std::vector<std::thread> workers;
  for (int i = 0; i < n; i++) {
    ThreadContext* t = threads[i].get();
    const bool is_writer = def.background_writer && i == 0;
    workers.emplace_back([t, &gate, &def, is_writer] {
      gate.ArriveAndWait();
      t->stats.Start();
      def.fn(t);
      t->stats.Stop();
      if (!is_writer) {
        t->run->workers_done.fetch_add(1, std::memory_order_release);
      }
    });
  }
  // Before the gate opens: its mutex publishes the value to the threads.
  ctx.start_nanos = NowNanos();
  gate.OpenWhenAllArrived();
  monitor.Start();
  for (std::thread& w : workers) w.join();
  monitor.Stop();
  const ProcessUsage after = GetProcessUsage();
  const uint64_t local_peak = sampler->local_write_buffer_peak();
  const uint64_t dm_peak = sampler->dm_live_peak();
  const uint64_t anon_peak = sampler->anon_rss_peak();
  sampler.reset();

  *result = BenchResult();
  result->name = def.name;
  for (const auto& t : threads) MergeThreadStats(t->stats, result);
  result->message = BenchmarkMessage(def, *result, ctx.num);
  result->cpu_user_seconds = after.user_seconds - before.user_seconds;
  result->cpu_system_seconds = after.system_seconds - before.system_seconds;
  if (ctx.failed()) return Status::Aborted(ctx.error());
  if (def.ycsb_load) ycsb_records_ = ycsb.record_count;
  if (def.ycsb_run) ycsb_records_ = ycsb.inserts->LastAcknowledged() + 1;

  // The compute node's side of the run: what a disaggregated engine saves.
  const double cpu = result->cpu_user_seconds + result->cpu_system_seconds;
  std::string moved_after;
  const bool dm = db_->GetProperty("o3lsm.dm-bytes-moved", &moved_after);
  const uint64_t moved = dm ? strtoull(moved_after.c_str(), nullptr, 10) -
                                  strtoull(moved_before.c_str(), nullptr, 10)
                            : 0;
  result->counters["cn_cpu_ns_per_op"] =
      static_cast<int64_t>(cpu * 1e9 / static_cast<double>(result->ops()));
  result->counters["cn_peak_rss_kib"] = PeakRssKib();
  result->counters["cn_peak_anon_rss_bytes"] = static_cast<int64_t>(anon_peak);
  result->counters["local_write_buffer_peak_bytes"] =
      static_cast<int64_t>(local_peak);
  result->counters["dm_peak_live_bytes"] = static_cast<int64_t>(dm_peak);
  result->counters["dm_bytes_moved"] = static_cast<int64_t>(moved);

  fputs(FormatReportLine(*result).c_str(), stdout);
  if (settings_.options.offload != 0 || !flags_.profile.empty()) {
    fprintf(stdout,
            "o3lsm        : CN cpu %.3f micros/op, CN memory peak %.1f MiB "
            "(anon RSS), local write buffer peak %.1f MiB, DM peak %.1f MiB, "
            "DM moved %.1f MiB\n",
            cpu * 1e6 / static_cast<double>(result->ops()),
            anon_peak / 1048576.0, local_peak / 1048576.0,
            dm_peak / 1048576.0, moved / 1048576.0);
  }
  if (flags_.histogram) fputs(FormatHistograms(*result).c_str(), stdout);
  fflush(stdout);
  return Status::OK();
}

Status BenchmarkRunner::RunMeta(const BenchmarkDef& def) {
  std::string value;
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  switch (def.meta) {
    case MetaOp::kStats:
      if (!db_->GetProperty("o3lsm.stats", &value)) value = "(failed)";
      fprintf(stdout, "\n%s\n", value.c_str());
      break;
    case MetaOp::kSstables:
      if (!db_->GetProperty("o3lsm.sstables", &value)) value = "(failed)";
      fprintf(stdout, "\n%s\n", value.c_str());
      break;
    case MetaOp::kLevelStats:
      fprintf(stdout, "\nLevel Files\n-----------\n");
      for (int level = 0; level < flags_.num_levels; level++) {
        if (!db_->GetProperty(
                "o3lsm.num-files-at-level" + std::to_string(level), &value)) {
          value = "?";
        }
        fprintf(stdout, "%5d %5s\n", level, value.c_str());
      }
      fprintf(stdout, "\n");
      break;
    case MetaOp::kFlush: {
      Status s = db_->Flush(FlushOptions());
      if (!s.ok()) return Status::IOError("Flush failed", s.ToString());
      fprintf(stdout, "flush memtable (%.3f seconds)\n", seconds());
      break;
    }
    case MetaOp::kWait: {
      fprintf(stdout, "waitforcompaction(%s): started\n", flags_.db.c_str());
      fflush(stdout);
      Status s = WaitForCompaction();
      if (!s.ok()) return s;
      fprintf(stdout, "waitforcompaction(%s): finished (%.3f seconds)\n",
              flags_.db.c_str(), seconds());
      break;
    }
    case MetaOp::kNone:
      break;
  }
  fflush(stdout);
  return Status::OK();
}

// Polls "o3lsm.compaction-pending" until no flush or compaction is queued,
// running or due. Two idle polls in a row, so that work a finishing job
// schedules is seen.
Status BenchmarkRunner::WaitForCompaction() {
  constexpr int kIdlePollsNeeded = 2;
  constexpr int kPollMicros = 50000;
  int idle = 0;
  while (idle < kIdlePollsNeeded) {
    std::string pending;
    if (!db_->GetProperty("o3lsm.compaction-pending", &pending)) {
      return Status::NotSupported("o3lsm.compaction-pending property");
    }
    idle = pending == "0" ? idle + 1 : 0;
    if (idle < kIdlePollsNeeded) {
      Env::Default()->SleepForMicroseconds(kPollMicros);
    }
  }
  return Status::OK();
}

Status BenchmarkRunner::Finish() {
  // As db_bench prints them, so that RocksDB's result parsers find the
  // rocksdb.* tickers and histograms.
  if (settings_.options.statistics != nullptr) {
    fprintf(stdout, "STATISTICS:\n%s\n",
            settings_.options.statistics->ToString().c_str());
    fflush(stdout);
  }
  return CloseDb();
}

}  // namespace o3lsm::bench
