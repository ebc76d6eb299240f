// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// StressRunner's rounds: open, verify, run the workers, close.

#include "tools/stress/stress_runner.h"

#include <cinttypes>
#include <cstdio>
#include <thread>

namespace o3lsm::stress {

StressRunner::StressRunner(const StressOptions& options) : options_(options) {
  seed_ =
      options_.seed != 0
          ? options_.seed
          : static_cast<uint64_t>(
                std::chrono::system_clock::now().time_since_epoch().count());
  round_rnd_ = Random64(seed_ ^ 0x5eed);
}

StressRunner::~StressRunner() = default;

Options StressRunner::DbOptions() {
  Options o;
  o.create_if_missing = true;
  o.env = fault_env_ ? static_cast<Env*>(fault_env_.get()) : Env::Default();
  o.write_buffer_size = options_.write_buffer_size;
  o.max_write_buffer_number = options_.max_write_buffer_number;
  o.max_bytes_for_level_base = options_.max_bytes_for_level_base;
  o.target_file_size_base = options_.target_file_size_base;
  o.level0_file_num_compaction_trigger =
      options_.level0_file_num_compaction_trigger;
  o.block_size = options_.block_size;
  o.block_cache_size = options_.block_cache_size;
  o.max_open_files = options_.max_open_files;
  o.compression = options_.compression;
  o.offload = options_.offload;
  o.dm_pool = options_.dm_pool;
  o.memtable_shards = options_.memtable_shards;
  o.dm_segment_size = options_.dm_segment_size;
  o.dm_segment_layout = options_.dm_segment_layout;
  return o;
}

std::string StressRunner::StatsString() const {
  const StressStats& s = stats_;
  char buf[1024];
  snprintf(
      buf, sizeof(buf),
      "seed=%" PRIu64 " rounds=%" PRIu64 " puts=%" PRIu64 " deletes=%" PRIu64
      " batches=%" PRIu64 " gets=%" PRIu64 " iterations=%" PRIu64
      " snapshots=%" PRIu64 " flushes=%" PRIu64 " compactions=%" PRIu64
      " skipped_pending=%" PRIu64 " write_errors=%" PRIu64
      " read_errors=%" PRIu64 " faults_injected=%d disk_full_rounds=%" PRIu64
      " power_cuts=%" PRIu64 " verifications=%" PRIu64 " verified_keys=%" PRIu64
      " pending=%" PRIu64 " pending_landed=%" PRIu64 " lost=%" PRIu64,
      seed_, s.rounds.load(), s.puts.load(), s.deletes.load(), s.batches.load(),
      s.gets.load(), s.iterations.load(), s.snapshots.load(), s.flushes.load(),
      s.compactions.load(), s.skipped_pending.load(), s.write_errors.load(),
      s.read_errors.load(), faults_injected(), s.disk_full_rounds.load(),
      s.power_cuts.load(), s.verifications.load(), s.verified_keys.load(),
      s.pending_found.load(), s.pending_landed.load(), s.lost_found.load());
  return buf;
}

Status StressRunner::Run() {
  const std::string state_path = options_.expected_state.empty()
                                     ? options_.db + ".expected"
                                     : options_.expected_state;
  if (options_.destroy) {
    Options o;
    Status s = DestroyDB(options_.db, o);
    if (!s.ok() && Env::Default()->FileExists(options_.db)) return s;
    s = ExpectedState::Destroy(state_path);
    if (!s.ok()) return s;
  }
  if (faults_enabled()) {
    fault_env_ = std::make_unique<test::FaultInjectionEnv>();
  }
  Status s = ExpectedState::Open(state_path, options_.key_space,
                                 options_.value_sizes, &state_);
  if (!s.ok()) {
    outcome_ = Outcome::kEngineError;
    return s;
  }
  locks_ = std::make_unique<KeyLocks>(options_.key_space);
  ops_done_.assign(static_cast<size_t>(options_.threads), 0);
  next_report_ =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  deadline_ =
      options_.duration > 0
          ? start +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(options_.duration))
          : std::chrono::steady_clock::time_point::max();

  while (true) {
    s = OpenDatabase();
    if (s.ok()) {
      s = Verify(stats_.rounds.load() == 0 ? "at open" : "after reopen");
    }
    if (!s.ok()) return s;
    if (options_.verify || RunFinished()) break;
    // A crash from here on may lose writes the engine never logged.
    if (options_.disable_wal) state_->SetLossy(true);
    RunRound();
    if (failed_.load()) {
      db_.reset();
      return Status::Corruption("o3lsm-stress", failure_);
    }
    // The next iteration reopens and verifies: after the last round, that
    // checks recovery from a clean close.
    s = CloseAfterRound(fault_env_ && fault_env_->power_cut());
    if (!s.ok()) return s;
  }
  s = db_->Close();
  db_.reset();
  if (!s.ok()) outcome_ = Outcome::kEngineError;
  if (s.ok()) s = state_->Sync();
  return s;
}

uint64_t StressRunner::OpsPerThread() const {
  if (options_.ops_per_thread == 0 && options_.duration <= 0) return 10000;
  return options_.ops_per_thread;
}

bool StressRunner::RunFinished() const {
  if (stop_.load()) return true;
  if (std::chrono::steady_clock::now() >= deadline_) return true;
  const uint64_t per_thread = OpsPerThread();
  if (per_thread == 0) return false;
  for (uint64_t done : ops_done_) {
    if (done < per_thread) return false;
  }
  return true;
}

Status StressRunner::OpenDatabase() {
  DisarmFaults();
  db_.reset();
  Status s = DB::Open(DbOptions(), options_.db, &db_);
  if (!s.ok()) outcome_ = Outcome::kEngineError;
  return s;
}

Status StressRunner::Verify(const char* when) {
  VerifyResult r;
  Status s = VerifyDatabase(db_.get(), state_.get(), /*resolve=*/true, &r);
  stats_.verifications++;
  stats_.verified_keys += state_->key_space();
  stats_.pending_found += r.pending;
  stats_.pending_landed += r.pending_landed;
  stats_.lost_found += r.lost;
  if (!s.ok()) {
    outcome_ = s.IsCorruption() ? Outcome::kWrongData : Outcome::kEngineError;
    return Status::Corruption(std::string("verification ") + when + " failed",
                              s.ToString());
  }
  return s;
}

void StressRunner::ArmFaults() {
  if (fault_env_ == nullptr || options_.fault_prob <= 0) return;
  fault_env_->SetFaultProbability(options_.fault_prob, round_rnd_.Next());
  // By default, writes of every file of the database (their names contain
  // its path).
  const std::string& files =
      options_.fault_files.empty() ? options_.db : options_.fault_files;
  fault_env_->FailWrites(files);
  fault_env_->PartialWrites(files);
  fault_env_->FailSyncs(files);
  // One round in four, the disk also fills up after a few hundred KiB.
  if (round_rnd_.OneIn(4)) {
    fault_env_->DiskFullAfter(
        files, static_cast<int64_t>(round_rnd_.Uniform(1 << 20)));
    stats_.disk_full_rounds++;
  }
  if (!options_.read_faults) return;
  // Reads of tables only: a damaged WAL or MANIFEST read at reopen is
  // indistinguishable from a torn tail and would lose acknowledged writes
  // by design, and reads outside recovery touch tables only.
  fault_env_->FailReads(".sst");
  fault_env_->ShortReads(".sst");
  fault_env_->CorruptReads(".sst");
}

void StressRunner::DisarmFaults() {
  if (fault_env_ != nullptr) fault_env_->ClearFaults();
}

void StressRunner::RunRound() {
  using Clock = std::chrono::steady_clock;
  stats_.rounds++;
  round_stop_.store(false);
  ArmFaults();
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < options_.threads; i++) {
    workers.push_back(std::make_unique<Worker>(i, seed_, options_));
  }
  running_.store(options_.threads);
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([this, worker = w.get()] {
      WorkerLoop(worker);
      running_.fetch_sub(1);
    });
  }
  // With faults, a round lasts a random part of round_seconds, or until a
  // write fails; with power cuts it ends in one.
  Clock::time_point round_end = Clock::time_point::max();
  if (faults_enabled()) {
    round_end = Clock::now() +
                std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(options_.round_seconds *
                                                  round_rnd_.NextDouble()));
  }
  bool cut = false;
  auto end_round = [&] {
    if (options_.power_cut && !cut) {
      fault_env_->CutPower();
      stats_.power_cuts++;
      cut = true;
    }
    round_stop_.store(true);
  };
  // Progress goes to stdout twice a second: a killed run's last line says
  // how far it got.
  while (running_.load() > 0) {
    const Clock::time_point now = Clock::now();
    if (now >= round_end || (faults_enabled() && round_stop_.load())) {
      end_round();
    }
    if (now >= next_report_) {
      printf("o3lsm-stress: progress %s\n", StatsString().c_str());
      fflush(stdout);
      next_report_ = now + std::chrono::milliseconds(500);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& t : threads) t.join();
  if (options_.power_cut) end_round();
}

Status StressRunner::CloseAfterRound(bool power_was_cut) {
  Status s = db_->Close();
  db_.reset();
  if (power_was_cut) {
    // Writes acknowledged without sync were in the OS only; they are gone.
    if (!options_.sync) state_->SetLossy(true);
    Status r = fault_env_->RestorePower();
    if (!r.ok()) {
      outcome_ = Outcome::kEngineError;
      return r;
    }
    return Status::OK();
  }
  if (!s.ok() && !faults_enabled()) {
    outcome_ = Outcome::kEngineError;
    return s;
  }
  // A clean close flushes what the WAL did not hold.
  if (s.ok() && options_.disable_wal) state_->SetLossy(false);
  return Status::OK();
}

}  // namespace o3lsm::stress
