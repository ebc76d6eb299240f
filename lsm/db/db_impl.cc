// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DBImpl: opening (recovery), closing, obsolete-file clean-up, snapshots of
// state for readers.

#include "lsm/db/db_impl.h"

#include <algorithm>
#include <thread>

#include "o3lsm/statistics.h"

#include "lsm/compaction/flush_job.h"
#include "lsm/db/auto_roll_logger.h"
#include "lsm/db/db_impl_internal.h"
#include "lsm/db/db_impl_readonly.h"
#include "lsm/version/filename.h"
#include "lsm/wal/log_reader.h"
#include "lsm/wal/wal_replay.h"
#include "lsm/wal/write_batch_internal.h"

namespace o3lsm {

namespace {

// Default dm_segment_size: measured in docs/benchmarks.md (smaller shard
// memtables insert faster; below about 1 MiB the per-seal costs win).
constexpr size_t kDefaultDmSegmentSize = 2 << 20;

template <typename T>
void ClipToRange(T* v, T lo, T hi) {
  if (*v < lo) *v = lo;
  if (*v > hi) *v = hi;
}

}  // namespace

Options SanitizeOptions(const Options& src) {
  Options r = src;
  if (r.env == nullptr) r.env = Env::Default();
  ClipToRange<size_t>(&r.write_buffer_size, 64 << 10, size_t{2} << 30);
  if (r.dm_segment_size != 0) {
    ClipToRange<size_t>(&r.dm_segment_size, 64 << 10, size_t{2} << 30);
  }
  ClipToRange(&r.max_write_buffer_number, 2, 64);
  ClipToRange(&r.memtable_shards, 1, 64);
  if (!(r.memtable_bloom_size_ratio >= 0)) r.memtable_bloom_size_ratio = 0;
  ClipToRange(&r.memtable_bloom_size_ratio, 0.0, 0.25);
  ClipToRange(&r.num_levels, 2, 20);
  ClipToRange(&r.level0_file_num_compaction_trigger, 1, 1 << 20);
  ClipToRange(&r.level0_slowdown_writes_trigger,
              r.level0_file_num_compaction_trigger, 1 << 20);
  ClipToRange(&r.level0_stop_writes_trigger, r.level0_slowdown_writes_trigger,
              1 << 20);
  ClipToRange<size_t>(&r.block_size, 256, 16 << 20);
  ClipToRange(&r.block_restart_interval, 1, 1024);
  ClipToRange(&r.bloom_bits_per_key, 0, 64);
  ClipToRange(&r.max_open_files, 20, 1 << 20);
  ClipToRange<uint64_t>(&r.target_file_size_base, 64 << 10, 1ull << 40);
  ClipToRange<uint64_t>(&r.max_bytes_for_level_base, 64 << 10, 1ull << 50);
  if (!(r.max_bytes_for_level_multiplier >= 1)) {
    r.max_bytes_for_level_multiplier = 10;
  }
  ClipToRange(&r.max_background_flushes, 1, 64);
  ClipToRange(&r.max_background_compactions, 1, 64);
  ClipToRange(&r.max_subcompactions, 1, 64);
  if (r.delayed_write_rate == 0) r.delayed_write_rate = 16ull << 20;
  if (!r.metrics_listen.empty() && r.statistics == nullptr) {
    r.statistics = CreateDBStatistics();  // what the endpoint serves
  }
  return r;
}

namespace {

// Slots of the SuperVersion cache: enough for a reader per hardware thread
// and then some, so that threads rarely share one.
size_t ReaderSlots() {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<size_t>(4 * cores, 16, 1024);
}

}  // namespace

DBImpl::DBImpl(const Options& options, const std::string& dbname)
    : dbname_(dbname),
      options_(SanitizeOptions(options)),
      env_(options_.env),
      statistics_(options_.statistics.get()),
      info_log_(options_.info_log),
      block_cache_(NewLRUCache(options_.block_cache_size)),
      table_options_(TableOptionsFrom(
          options_, block_cache_.get(),
          options_.offload != 0 ? &dm_block_tier_ : nullptr)),
      table_cache_(std::make_unique<TableCache>(dbname_, env_, table_options_,
                                                options_.max_open_files - 10)),
      obsolete_files_(std::make_shared<ObsoleteFiles>()),
      // Flush slots also carry moves into DM, one per shard at a time.
      scheduler_(NewTbbScheduler(
          options_.max_background_flushes +
              ((options_.offload & kOffloadMemtable) ? options_.memtable_shards
                                                     : 0),
          options_.max_background_compactions)),
      bg_cv_(&mutex_),
      planner_(options_.memtable_shards),
      super_versions_(ReaderSlots()),
      versions_(
          std::make_unique<VersionSet>(dbname_, &options_, obsolete_files_)) {
  stats_.levels.resize(options_.num_levels);
  if (options_.seek_compaction_bytes_per_seek > 0) {
    // Memtables are charged only where they are flushed here: a sealed
    // memtable with offloading moves into DM, where seeks cost more.
    SeekSampler::MemTableBudgetSpent on_mem_spent;
    if (options_.offload == 0) {
      on_mem_spent = [this](const MemTableRef& mem) {
        OnMemTableSeekBudgetSpent(mem);
      };
    }
    // A memtable under a quarter of the write buffer is not worth an L0
    // file of its own.
    seek_sampler_ = std::make_unique<SeekSampler>(
        options_.seek_compaction_bytes_per_seek,
        [this](FileRef file, int level) {
          OnSeekBudgetSpent(std::move(file), level);
        },
        options_.write_buffer_size / 4, std::move(on_mem_spent));
  }
  MutexLock l(&mutex_);
  picker_ = std::make_unique<CompactionPicker>(&options_, versions_.get());
}

DBImpl::~DBImpl() {
  if (!closed_) CloseImpl().PermitUncheckedError();
}

Status DBImpl::Close() { return CloseImpl(); }

void DBImpl::DumpStats() {
  std::string stats;
  if (!GetProperty("o3lsm.stats", &stats)) return;
  Log(info_log_.get(), "------- DUMPING STATS -------\n%s", stats.c_str());
}

Status DBImpl::CloseImpl() {
  if (closed_) return Status::OK();
  closed_ = true;
  // Before anything they read goes away; they take mutex_, so not under it.
  metrics_.reset();
  stats_dumper_.reset();
  Status s;
  {
    MutexLock l(&mutex_);
    // Writes that skipped the WAL live only in memtables: flush them, as a
    // clean close must not lose acknowledged data.
    if (has_unpersisted_data_ && bg_error_.ok() && db_lock_ != nullptr) {
      uint64_t last_id = 0;
      s = SealShards(nullptr, 0);
      for (const auto& entry : imm_) last_id = std::max(last_id, entry.id());
      if (s.ok()) s = WaitForFlush(last_id);
    }
    if (s.ok() && bg_error_.ok() && db_lock_ != nullptr) {
      s = PersistUnloggedRangeTombstones();
    }
    shutting_down_.store(true, std::memory_order_release);
  }
  // Running jobs notice shutting_down_ (compactions abort early).
  scheduler_->WaitForIdle();
  {
    MutexLock l(&mutex_);
    // Remote jobs finish on their executors, or are handed back when none
    // is left (the coordinator's timeouts bound this wait).
    while (running_flushes_ > 0 || running_compactions_ > 0 ||
           running_moves_ > 0 || remote_flushes_ > 0 || rebuilding_ > 0 ||
           manual_compactions_ > 0) {
      bg_cv_.Wait();
    }
  }
  CloseDm();
  scheduler_->WaitForIdle();  // hand-backs of stopped jobs may schedule work
  MutexLock l(&mutex_);
  if (log_ != nullptr) {
    Status sync = log_->Sync();
    Status close = log_->Close();
    if (s.ok()) s = sync.ok() ? close : sync;
    log_.reset();
  }
  if (db_lock_ != nullptr) {
    Status unlock = env_->UnlockFile(std::move(db_lock_));
    if (s.ok()) s = unlock;
  }
  Log(info_log_.get(), "closed: %s", s.ToString().c_str());
  return s;
}

size_t DBImpl::ShardMemTableSize() const {
  const size_t local = std::max<size_t>(
      64 << 10, options_.write_buffer_size / options_.memtable_shards);
  if (!OffloadMemtables()) return local;
  const size_t wanted = options_.dm_segment_size != 0
                            ? options_.dm_segment_size
                            : std::min<size_t>(local, kDefaultDmSegmentSize);
  // A segment takes whole DM chunks (or a power-of-two block): seal a
  // little short of that footprint, so that the image, its header and the
  // last write group fit in it.
  const size_t footprint = node_->FootprintOf(wanted);
  return footprint - std::max<size_t>(footprint / 32, 4 << 10);
}

MemTableRef DBImpl::NewMemTable(size_t seal_bytes, size_t min_room) {
  // Capacity is address space, not memory (see MemArena): leave room for a
  // whole write group past the seal threshold, so admission never fails.
  constexpr size_t kSlack = 4 << 20;
  const size_t capacity = seal_bytes + std::max(min_room, kSlack) + (64 << 10);
  // A memtable that moves into DM as an arena copy takes an order record
  // per entry there too: count it against the segment's size.
  const size_t reserve =
      OffloadMemtables() &&
              options_.dm_segment_layout == SegmentLayout::kArenaCopy
          ? kOrderRecordSize
          : 0;
  const auto bloom_bytes = static_cast<size_t>(
      static_cast<double>(seal_bytes) * options_.memtable_bloom_size_ratio);
  auto mem = std::make_shared<MemTable>(
      next_mem_id_++, seal_bytes, std::min(capacity, MemArena::kMaxCapacity),
      reserve, bloom_bytes);
  if (!mem->ok()) return nullptr;
  return mem;
}

void DBImpl::InstallSuperVersion() {
  auto sv = std::make_shared<SuperVersion>();
  sv->router = router_;
  sv->mems.reserve(shards_.size());
  for (const Shard& shard : shards_) sv->mems.push_back(shard.mem);
  for (auto it = imm_.rbegin(); it != imm_.rend(); ++it) {
    sv->imm.push_back(SealedView{it->reader(), it->smallest(), it->largest(),
                                 it->segment().get()});
  }
  sv->current = versions_->current();
  sv->range_tombstones = range_tombstones_;
  super_versions_.Install(std::move(sv));
}

size_t DBImpl::SealedLocalBytes() const {
  size_t bytes = 0;
  for (const auto& entry : imm_) {
    if (entry.mem() != nullptr) bytes += entry.mem()->MemoryUsage();
  }
  return bytes;
}

uint64_t DBImpl::MinLogNumberInUse() const {
  uint64_t min_log = logfile_number_;
  for (const Shard& shard : shards_) {
    min_log = std::min(min_log, shard.mem->log_number());
  }
  for (const auto& entry : imm_) {
    if (!entry.is(SealedMemTable::Phase::kInstalling)) {
      min_log = std::min(min_log, entry.log_number());
    }
  }
  return min_log;
}

Status DBImpl::OpenImpl() {
  if (options_.create_if_missing) {
    Status s = env_->CreateDir(dbname_);
    if (!s.ok()) return s;
  } else if (!env_->FileExists(dbname_)) {
    return Status::InvalidArgument(
        dbname_, "does not exist (create_if_missing is false)");
  }
  Status s = env_->LockFile(LockFileName(dbname_), &db_lock_);
  if (!s.ok()) {
    if (s.IsBusy()) {
      return Status::Busy(dbname_, "database is in use by another process "
                                   "or already open in this one");
    }
    return s;
  }
  if (info_log_ == nullptr) {
    AutoRollLogger::Open(env_, dbname_, options_.max_log_file_size,
                         options_.keep_log_file_num, options_.info_log_level,
                         &info_log_)
        .PermitUncheckedError();  // no LOG is no reason to refuse to open
  }

  // The pool is opened (round trips) before taking the mutex.
  s = OpenDm();
  if (!s.ok()) return s;
  MutexLock l(&mutex_);
  VersionEdit edit;
  s = Recover(&edit);
  if (!s.ok()) return s;

  const uint64_t new_log_number = versions_->NewFileNumber();
  std::unique_ptr<WritableFile> logfile;
  s = env_->NewWritableFile(LogFileName(dbname_, new_log_number), &logfile);
  if (!s.ok()) return s;
  edit.SetLogNumber(new_log_number);
  if (node_ != nullptr) {
    // The first block of job file numbers, recorded by the open's edit.
    node_->job_file_numbers()->Reserve();
  }
  s = versions_->LogAndApply(&edit, &mutex_);
  if (!s.ok()) return s;
  RebuildRangeTombstones();
  log_ = std::make_unique<log::Writer>(std::move(logfile), new_log_number);
  logfile_number_ = new_log_number;
  live_logs_.push_back(new_log_number);
  // Start with one shard; the planner splits once it has seen keys.
  router_ = std::make_shared<ShardRouter>();
  shards_.resize(1);
  shards_[0].mem = NewMemTable(ShardMemTableSize(), 0);
  if (shards_[0].mem == nullptr) {
    return Status::NoSpace(dbname_, "cannot reserve memtable address space");
  }
  shards_[0].mem->set_log_number(new_log_number);
  InstallSuperVersion();
  DeleteObsoleteFiles(/*at_open=*/true);
  MaybeScheduleWork();
  Log(info_log_.get(), "opened %s: %s, last sequence %llu", dbname_.c_str(),
      versions_->current()->LevelSummary().c_str(),
      static_cast<unsigned long long>(versions_->LastSequence()));
  if (options_.stats_dump_period_sec > 0 && info_log_ != nullptr) {
    stats_dumper_ = std::make_unique<PeriodicTask>(
        std::chrono::seconds(options_.stats_dump_period_sec),
        [this] { DumpStats(); });
  }
  return Status::OK();
}

Status DBImpl::Recover(VersionEdit* edit) {
  if (!env_->FileExists(CurrentFileName(dbname_))) {
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(
          dbname_, "is not an o3lsm database (no CURRENT file) and "
                   "create_if_missing is false");
    }
    Log(info_log_.get(), "creating new database %s", dbname_.c_str());
    Status s = versions_->CreateNew();
    if (!s.ok()) return s;
  } else if (options_.error_if_exists) {
    return Status::InvalidArgument(dbname_,
                                   "exists (error_if_exists is true)");
  }

  Status s = versions_->Recover();
  if (!s.ok()) return s;

  // Replay every WAL from the oldest one a memtable still needed.
  std::vector<std::string> children;
  s = env_->GetChildren(dbname_, &children);
  if (!s.ok()) return s;
  std::vector<uint64_t> logs;
  for (const std::string& name : children) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type)) {
      versions_->MarkFileNumberUsed(number);
      if (type == FileType::kLogFile && number >= versions_->log_number()) {
        logs.push_back(number);
      }
    }
  }
  std::sort(logs.begin(), logs.end());
  SequenceNumber max_sequence = versions_->LastSequence();
  MemTableRef mem;
  for (uint64_t number : logs) {
    s = ReplayLogFile(number, &max_sequence, &mem, edit);
    if (!s.ok()) return s;
  }
  if (mem != nullptr && mem->num_entries() > 0) {
    s = WriteLevel0Table(mem.get(), edit);
    if (!s.ok()) return s;
  }
  versions_->SetLastSequence(max_sequence);
  return Status::OK();
}

Status DBImpl::ReplayLogFile(uint64_t number, SequenceNumber* max_sequence,
                             MemTableRef* mem, VersionEdit* edit) {
  const std::string fname = LogFileName(dbname_, number);
  Log(info_log_.get(), "recovering WAL %s", fname.c_str());
  WalReplay replay;
  Status s = ReplayWal(
      env_, fname, number, options_.paranoid_checks,
      [&](WriteBatch* batch) -> Status {
        if (*mem == nullptr) {
          *mem = NewMemTable(options_.write_buffer_size,
                             WriteBatchInternal::ByteSize(batch) * 2);
          if (*mem == nullptr) {
            return Status::NoSpace(fname, "no memtable space");
          }
        }
        // A batch bigger than the room left goes into a fresh memtable.
        const size_t bound = BatchBound(*batch);
        if (!(*mem)->HasRoomFor(bound)) {
          Status fs = WriteLevel0Table(mem->get(), edit);
          if (!fs.ok()) return fs;
          *mem = NewMemTable(options_.write_buffer_size, bound);
          if (*mem == nullptr) return Status::NoSpace(fname, "memtable");
        }
        // The WAL's range tombstones are persisted by the open's edit,
        // which makes every replayed WAL obsolete.
        std::vector<RangeTombstone> tombstones;
        Status is = InsertBatchIntoMemTable(batch, mem->get(), &tombstones);
        if (!is.ok()) return is;
        for (const RangeTombstone& t : tombstones) edit->AddRangeTombstone(t);
        if ((*mem)->ShouldSeal()) {
          Status fs = WriteLevel0Table(mem->get(), edit);
          if (!fs.ok()) return fs;
          mem->reset();
        }
        return Status::OK();
      },
      &replay);
  if (!s.ok()) return s;
  *max_sequence = std::max(*max_sequence, replay.last_sequence);
  if (replay.torn) {
    // A crash while appending: the torn record was never acknowledged.
    Log(InfoLogLevel::kWarn, info_log_.get(),
        "%s: truncating torn tail at offset %llu", fname.c_str(),
        static_cast<unsigned long long>(replay.good_length));
    s = env_->TruncateFile(fname, replay.good_length);
    if (!s.ok()) return s;
  }
  Log(info_log_.get(), "%s: replayed %llu records", fname.c_str(),
      static_cast<unsigned long long>(replay.records));
  return Status::OK();
}

Status DBImpl::WriteLevel0Table(MemTable* mem, VersionEdit* edit) {
  FileMetaData meta;
  FlushJobStats job_stats;
  std::vector<Iterator*> inputs;
  inputs.push_back(mem->NewIterator());
  // Recovery runs alone: no snapshot exists yet.
  Status s = RunFlushJob(
      std::move(inputs), env_, dbname_, table_options_, kMaxSequenceNumber,
      [this] { return versions_->NewFileNumber(); }, &meta, &job_stats);
  if (s.ok() && meta.number != 0) {
    edit->AddFile(0, meta);
    AddJobStats(0, {.jobs = 1,
                    .micros = job_stats.micros,
                    .bytes_written = meta.file_size,
                    .files_out = 1,
                    .records_in = job_stats.input_records,
                    .records_dropped = job_stats.dropped_records});
  }
  Log(info_log_.get(), "recovery flush: table %llu, %llu bytes: %s",
      static_cast<unsigned long long>(meta.number),
      static_cast<unsigned long long>(meta.file_size), s.ToString().c_str());
  return s;
}

void DBImpl::DeleteObsoleteFiles(bool at_open) {
  std::vector<std::string> doomed;
  // SSTs no version references any more (the last FileRef went away).
  for (uint64_t number : obsolete_files_->Take()) {
    if (pending_outputs_.count(number) == 0) {
      table_cache_->Evict(number);
      doomed.push_back(TableFileName(dbname_, number));
    }
  }
  // WALs and MANIFESTs retire by number. SSTs and temporary files are only
  // swept at open: while the database runs, a reader may hold an older
  // version whose files the current one no longer lists, and a MANIFEST
  // switch may be writing its temporary CURRENT.
  if (bg_error_.ok()) {
    std::set<uint64_t> live = pending_outputs_;
    versions_->AddLiveFiles(&live);
    std::vector<std::string> children;
    if (env_->GetChildren(dbname_, &children).ok()) {
      for (const std::string& name : children) {
        uint64_t number;
        FileType type;
        if (!ParseFileName(name, &number, &type)) continue;
        bool keep = true;
        switch (type) {
          case FileType::kLogFile:
            keep = number >= versions_->log_number() ||
                   number == logfile_number_;
            if (!keep) {
              live_logs_.erase(
                  std::remove(live_logs_.begin(), live_logs_.end(), number),
                  live_logs_.end());
            }
            break;
          case FileType::kDescriptorFile:
            keep = number >= versions_->live_manifest_number();
            break;
          case FileType::kTableFile:
            keep = !at_open || live.count(number) > 0;
            if (!keep) table_cache_->Evict(number);
            break;
          case FileType::kTempFile:
            keep = !at_open;
            break;
          default:
            break;
        }
        if (!keep) doomed.push_back(dbname_ + "/" + name);
      }
    }
  }
  if (doomed.empty()) return;
  std::sort(doomed.begin(), doomed.end());
  doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
  mutex_.Unlock();
  for (const std::string& f : doomed) {
    Status s = env_->RemoveFile(f);
    Log(s.ok() ? InfoLogLevel::kInfo : InfoLogLevel::kWarn, info_log_.get(),
        "delete %s: %s", f.c_str(), s.ToString().c_str());
  }
  mutex_.Lock();
}

const Snapshot* DBImpl::GetSnapshot() {
  MutexLock l(&mutex_);
  return snapshots_.New(versions_->LastSequence());
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  MutexLock l(&mutex_);
  snapshots_.Delete(static_cast<const SnapshotImpl*>(snapshot));
}

SequenceNumber DBImpl::OldestSnapshot() {
  return snapshots_.empty() ? versions_->LastSequence() : snapshots_.oldest();
}

VersionRef DBImpl::TEST_current() {
  MutexLock l(&mutex_);
  return versions_->current();
}

void DBImpl::TEST_PauseFlushes(bool paused) {
  MutexLock l(&mutex_);
  flushes_paused_ = paused;
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

void DBImpl::TEST_BeforeFlushFromDmReads(std::function<void()> hook) {
  MutexLock l(&mutex_);
  before_flush_from_dm_reads_ = std::move(hook);
}

size_t DBImpl::TEST_SealedLocalBytes() {
  MutexLock l(&mutex_);
  return SealedLocalBytes();
}

uint64_t DBImpl::TEST_DmLiveBytes() {
  return dm_ == nullptr ? 0 : dm_->counters().live_bytes.load();
}

int DBImpl::TEST_NumImmutableMemTables() {
  MutexLock l(&mutex_);
  return static_cast<int>(imm_.size());
}

Status DBImpl::StartMetrics() {
  if (options_.metrics_listen.empty()) return Status::OK();
  Status s =
      DbMetricsEndpoint::Start(options_.metrics_listen, options_.statistics,
                               this, options_.num_levels, &metrics_);
  if (s.ok()) {
    Log(info_log_.get(), "metrics at http://%s/metrics (port %d)",
        options_.metrics_listen.c_str(), metrics_->port());
  }
  return s;
}

Status DB::Open(const Options& options, const std::string& path,
                std::unique_ptr<DB>* db) {
  db->reset();
  if (!options.metrics_listen.empty()) {
    Status s = DbMetricsEndpoint::CheckSupported(options.metrics_listen);
    if (!s.ok()) return s;
  }
  auto impl = std::make_unique<DBImpl>(options, path);
  Status s = impl->OpenImpl();
  if (s.ok()) s = impl->StartMetrics();
  if (!s.ok()) return s;  // ~DBImpl closes what OpenImpl opened
  *db = std::move(impl);
  return Status::OK();
}

Status DB::OpenForReadOnly(const Options& options, const std::string& path,
                           std::unique_ptr<DB>* db,
                           bool error_if_wal_file_exists) {
  db->reset();
  auto impl = std::make_unique<DBImplReadOnly>(options, path);
  Status s = impl->OpenImpl(error_if_wal_file_exists);
  if (!s.ok()) return s;
  *db = std::move(impl);
  return Status::OK();
}

Status DestroyDB(const std::string& path, const Options& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  std::vector<std::string> children;
  Status s = env->GetChildren(path, &children);
  if (!s.ok()) {
    return s.IsNotFound() ? Status::OK() : s;  // nothing to destroy
  }
  std::unique_ptr<FileLock> lock;
  const std::string lockname = LockFileName(path);
  s = env->LockFile(lockname, &lock);
  if (!s.ok()) return s;
  for (const std::string& name : children) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && type != FileType::kLockFile) {
      Status del = env->RemoveFile(path + "/" + name);
      if (s.ok() && !del.ok()) s = del;
    }
  }
  env->UnlockFile(std::move(lock)).PermitUncheckedError();
  env->RemoveFile(lockname).PermitUncheckedError();
  env->RemoveDir(path).PermitUncheckedError();  // fails if foreign files remain
  return s;
}

}  // namespace o3lsm
