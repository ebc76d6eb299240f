// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The read path: the mutable memtable, sealed memtables newest first, then
// the SST files of the current version; iterators merge all of them.

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "lsm/db/db_impl.h"
#include "lsm/db/db_impl_internal.h"
#include "lsm/db/db_iter.h"
#include "lsm/db/merging_iterator.h"
#include "lsm/offload/dm_scan.h"

namespace o3lsm {

Status DBImpl::Get(const ReadOptions& options, const Slice& key,
                   std::string* value) {
  if (statistics_ == nullptr) return GetImpl(options, key, value, nullptr);
  StopWatch timer(env_, statistics_, kDbGet);
  bool in_memtable = false;
  Status s = GetImpl(options, key, value, &in_memtable);
  statistics_->recordTick(kNumberKeysRead);
  statistics_->recordTick(in_memtable ? kMemtableHit : kMemtableMiss);
  if (s.ok()) {
    statistics_->recordTick(kBytesRead, value->size());
    statistics_->recordInHistogram(kBytesPerRead, value->size());
  }
  return s;
}

// The sequence is read before the SuperVersion is pinned: a range
// tombstone joins the SuperVersion before its sequence is published, so the
// pinned one holds every tombstone at or below the sequence (and every
// entry: data only moves between the SuperVersion's parts).
Status DBImpl::GetImpl(const ReadOptions& options, const Slice& key,
                       std::string* value, bool* in_memtable) {
  const SequenceNumber sequence =
      options.snapshot != nullptr
          ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
          : versions_->LastSequence();
  SuperVersionCache::Pin sv(&super_versions_);
  LookupKey lkey(key, sequence);
  ApplyRangeTombstones(sv->range_tombstones.get(), &lkey);
  Status s;
  // A memtable (local or in DM) decides the lookup: s is its answer.
  auto in_a_memtable = [in_memtable] {
    if (in_memtable != nullptr) *in_memtable = true;
  };
  if (sv->mems[sv->router->ShardOf(key)]->Get(lkey, value, &s)) {
    in_a_memtable();
    return s;
  }
  // Sealed memtables newest first; only those whose range holds the key.
  // DM segments in a row that may hold it are read together by the DM
  // read path (one-sided or delegated).
  DmReadPath* dm_reads = node_ != nullptr ? node_->read_path() : nullptr;
  std::vector<const DmSegment*> run;
  auto read_dm = [&] {
    StopWatch timer(env_, statistics_, kDmGetMicros);
    return dm_reads->Get(lkey, run, value, &s);
  };
  for (const SealedView& imm : sv->imm) {
    if (key.compare(imm.smallest) < 0 || key.compare(imm.largest) > 0) {
      continue;
    }
    if (imm.dm != nullptr && dm_reads != nullptr) {
      if (imm.dm->MayContain(key)) run.push_back(imm.dm);
      continue;
    }
    if (!run.empty()) {
      if (read_dm()) {
        in_a_memtable();
        return s;
      }
      run.clear();
    }
    if (imm.mem->Get(lkey, value, &s)) {
      in_a_memtable();
      return s;
    }
  }
  if (!run.empty() && read_dm()) {
    in_a_memtable();
    return s;
  }
  return sv->current->Get(options, lkey, value, table_cache_.get());
}

std::vector<Status> DBImpl::MultiGet(const ReadOptions& options,
                                     const std::vector<Slice>& keys,
                                     std::vector<std::string>* values) {
  if (statistics_ == nullptr) return MultiGetImpl(options, keys, values);
  StopWatch timer(env_, statistics_, kDbMultiget);
  std::vector<Status> statuses = MultiGetImpl(options, keys, values);
  uint64_t bytes = 0;
  for (size_t k = 0; k < statuses.size(); k++) {
    if (statuses[k].ok()) bytes += (*values)[k].size();
  }
  statistics_->recordTick(kNumberMultigetCalls);
  statistics_->recordTick(kNumberMultigetKeysRead, keys.size());
  statistics_->recordTick(kNumberMultigetBytesRead, bytes);
  statistics_->recordInHistogram(kBytesPerMultiget, bytes);
  return statuses;
}

std::vector<Status> DBImpl::MultiGetImpl(const ReadOptions& options,
                                         const std::vector<Slice>& keys,
                                         std::vector<std::string>* values) {
  const SequenceNumber sequence =  // before the pin: see Get
      options.snapshot != nullptr
          ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
          : versions_->LastSequence();
  SuperVersionCache::Pin sv(&super_versions_);
  const size_t n = keys.size();
  values->assign(n, std::string());
  std::vector<Status> statuses(n);
  std::vector<char> decided(n, 0);
  std::vector<std::unique_ptr<LookupKey>> owned;
  std::vector<const LookupKey*> lkeys;
  owned.reserve(n);
  lkeys.reserve(n);
  for (size_t k = 0; k < n; k++) {
    owned.push_back(std::make_unique<LookupKey>(keys[k], sequence));
    ApplyRangeTombstones(sv->range_tombstones.get(), owned.back().get());
    lkeys.push_back(owned.back().get());
    if (sv->mems[sv->router->ShardOf(keys[k])]->Get(*lkeys[k], &(*values)[k],
                                                     &statuses[k])) {
      decided[k] = 1;
    }
  }
  const size_t views = sv->imm.size();
  std::vector<size_t> next(n, 0);  // the sealed memtable k tries next
  DmReadPath* dm_reads = node_ != nullptr ? node_->read_path() : nullptr;
  std::chrono::nanoseconds timeout{0};
  const bool delegate =
      dm_reads != nullptr && dm_reads->DelegateBatch(&timeout);
  if (delegate) {
    DelegateMultiGet(*sv, keys, lkeys, values, &statuses, &decided, &next,
                     timeout);
  }
  // Sealed memtables, newest first, as Get asks them: each key goes to
  // the newest one that may hold it (key range, bloom filter), and on to
  // the next only if that one has no version of it. Every sealed memtable
  // asked in a pass gets its keys in one lookup, and the reads of all of
  // them go out together, round by round, so their round trips overlap.
  const auto passes_start = std::chrono::steady_clock::now();
  bool read_dm = false;
  while (true) {
    std::vector<std::vector<char>> skip;  // per sealed memtable asked
    std::vector<size_t> asked;
    std::vector<int> slot(views, -1);
    for (size_t k = 0; k < n; k++) {
      if (decided[k]) continue;
      size_t i = next[k];
      for (; i < views; i++) {
        const SealedView& imm = sv->imm[i];
        if (keys[k].compare(imm.smallest) >= 0 &&
            keys[k].compare(imm.largest) <= 0 &&
            imm.mem->MayContain(keys[k])) {
          break;
        }
      }
      next[k] = i + 1;
      if (i >= views) continue;
      if (slot[i] < 0) {
        slot[i] = static_cast<int>(skip.size());
        skip.emplace_back(n, 1);
        asked.push_back(i);
      }
      skip[slot[i]][k] = 0;
    }
    if (asked.empty()) break;
    for (size_t i : asked) read_dm |= sv->imm[i].dm != nullptr;
    std::sort(asked.begin(), asked.end());  // newest first
    std::vector<std::unique_ptr<MemTableBatchLookup>> lookups;
    lookups.reserve(asked.size());
    for (size_t i : asked) {
      lookups.push_back(
          sv->imm[i].mem->NewBatchLookup(lkeys, std::move(skip[slot[i]])));
    }
    while (true) {
      std::vector<MemTableBatchLookup*> posted;
      for (auto& lookup : lookups) {
        if (lookup->PostRound()) posted.push_back(lookup.get());
      }
      if (posted.empty()) break;
      for (MemTableBatchLookup* lookup : posted) lookup->WaitRound();
    }
    for (auto& lookup : lookups) lookup->Finish(values, &statuses, &decided);
  }
  if (read_dm && !delegate) {
    dm_reads->NoteOneSidedBatch(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now() - passes_start)
            .count()));
  }
  for (size_t k = 0; k < n; k++) {
    if (!decided[k]) {
      statuses[k] = sv->current->Get(options, *lkeys[k], &(*values)[k],
                                     table_cache_.get());
    }
    if (!statuses[k].ok()) (*values)[k].clear();
  }
  return statuses;
}

void DBImpl::DelegateMultiGet(const SuperVersion& sv,
                              const std::vector<Slice>& keys,
                              const std::vector<const LookupKey*>& lkeys,
                              std::vector<std::string>* values,
                              std::vector<Status>* statuses,
                              std::vector<char>* decided,
                              std::vector<size_t>* next,
                              std::chrono::nanoseconds timeout) {
  // The keys whose sealed candidates are all DM segments go in one request
  // (or a few, if they do not fit one mailbox); a key with a local sealed
  // memtable among its candidates is left to the passes.
  std::vector<size_t> which;
  std::vector<std::vector<const DmSegment*>> candidates;
  for (size_t k = 0; k < keys.size(); k++) {
    if ((*decided)[k]) continue;
    std::vector<const DmSegment*> segs;
    bool local = false;
    for (const SealedView& imm : sv.imm) {
      if (keys[k].compare(imm.smallest) < 0 ||
          keys[k].compare(imm.largest) > 0 || !imm.mem->MayContain(keys[k])) {
        continue;
      }
      if (imm.dm == nullptr) {
        local = true;
        break;
      }
      segs.push_back(imm.dm);
    }
    if (local || segs.empty()) continue;
    which.push_back(k);
    candidates.push_back(std::move(segs));
  }
  if (which.empty()) return;
  std::vector<char> absent(keys.size(), 0);
  node_->read_path()->DelegateMany(lkeys, which, candidates, values, statuses,
                                   decided, &absent, timeout);
  for (size_t k : which) {
    if (absent[k]) (*next)[k] = sv.imm.size();  // on to the SSTs
  }
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  const SequenceNumber sequence =  // before the pin: see Get
      options.snapshot != nullptr
          ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
          : versions_->LastSequence();
  // Held by the iterator for its life (see SuperVersionCache).
  auto pin = std::make_unique<SuperVersionCache::Pin>(
      &super_versions_, SuperVersionCache::Use::kIterator);
  const SuperVersionCache::Pin& sv = *pin;
  std::vector<Iterator*> children;
  for (const MemTableRef& mem : sv->mems) {
    if (mem->num_entries() > 0) children.push_back(mem->NewIterator());
  }
  // The segments in DM go in as one iterator that seeks them all in the
  // same round trips.
  std::vector<DmSegmentRef> in_dm;
  for (const SealedView& imm : sv->imm) {
    if (imm.dm != nullptr) {
      in_dm.push_back(std::static_pointer_cast<DmSegment>(imm.mem));
    } else {
      children.push_back(imm.mem->NewIterator());
    }
  }
  if (in_dm.size() == 1) {
    children.push_back(in_dm[0]->NewBoundedIterator(
        options.iterate_lower_bound, options.iterate_upper_bound));
  } else if (!in_dm.empty()) {
    children.push_back(NewDmSegmentsIterator(std::move(in_dm),
                                             options.iterate_lower_bound,
                                             options.iterate_upper_bound));
  }
  sv->current->AddIterators(options, table_cache_.get(), &children);
  Iterator* internal = NewMergingIterator(std::move(children));
  SeekSampling sampling;
  if (seek_sampler_ != nullptr) {
    if (sv->current->SortedRuns() >= 2) sampling.version = sv->current.get();
    if (seek_sampler_->charges_memtables()) sampling.mems = &sv->mems;
    if (sampling.version != nullptr || sampling.mems != nullptr) {
      sampling.sampler = seek_sampler_.get();
    }
  }
  Iterator* it =
      NewDBIterator(internal, sequence, options.iterate_lower_bound,
                    options.iterate_upper_bound, sv->range_tombstones, env_,
                    statistics_, sampling);
  // The one pin of the whole tree: the version, memtables and DM segments
  // it reads stay alive with it.
  it->RegisterCleanup([held = pin.release()] { delete held; });
  return std::unique_ptr<Iterator>(it);
}

bool DBImpl::GetProperty(const Slice& property, std::string* value) {
  value->clear();
  Slice in = property;
  const Slice prefix("o3lsm.");
  if (!in.starts_with(prefix)) return false;
  in.remove_prefix(prefix.size());
  // What reads the pool (round trips) is gathered before taking mutex_.
  if (in == "statistics") {  // needs no DB lock
    if (statistics_ == nullptr) return false;
    *value = statistics_->ToString();
    return true;
  }
  if (in == "nodes") {
    if (node_ == nullptr) return false;
    *value = node_->DescribeNodes();
    return true;
  }
  if (in == "jobs") {
    if (node_ == nullptr) return false;
    *value = node_->DescribeJobs();
    return true;
  }
  std::string cluster_text;
  if (in == "stats" && node_ != nullptr) {
    cluster_text = "** Jobs **\n" + node_->DescribeJobs() + "** Nodes **\n" +
                   node_->DescribeNodes();
  }
  MutexLock l(&mutex_);

  const VersionRef v = versions_->current();
  // "<name><level>": the level of the version, or false.
  auto level_of = [&in, &v](const char* name, int* level) {
    return ParseLevelProperty(in, name, v->num_levels(), level);
  };
  int level;
  if (in.starts_with("num-files-at-level")) {
    if (!level_of("num-files-at-level", &level)) return false;
    *value = std::to_string(v->NumFiles(level));
    return true;
  }
  if (in == "stats") {
    *value = StatsString(cluster_text);
    return true;
  }
  if (in == "sstables") {
    *value = v->DebugString();
    return true;
  }
  if (in == "approximate-memory-usage") {
    size_t total = SealedLocalBytes() + block_cache_->TotalCharge();
    for (const Shard& shard : shards_) total += shard.mem->MemoryUsage();
    *value = std::to_string(total);
    return true;
  }
  if (in == "block-cache-usage") {
    *value = std::to_string(block_cache_->TotalCharge());
    return true;
  }
  if (in.starts_with("level-bytes")) {
    if (!level_of("level-bytes", &level)) return false;
    *value = std::to_string(v->LevelBytes(level));
    return true;
  }
  if (in == "num-running-flushes") {
    *value = std::to_string(running_flushes_);
    return true;
  }
  if (in == "num-running-compactions") {
    *value = std::to_string(running_compactions_ + manual_compactions_);
    return true;
  }
  if (in == "compaction-pending") {
    // 1 while any flush or compaction is queued, running or due.
    const bool pending = !imm_.empty() || running_flushes_ > 0 ||
                         running_compactions_ > 0 ||
                         (!options_.disable_auto_compactions &&
                          picker_->NeedsCompaction());
    *value = pending ? "1" : "0";
    return true;
  }
  if (in == "local-write-buffer-bytes") {
    // Memtables held in this process's memory: mutable and sealed.
    size_t bytes = SealedLocalBytes();
    for (const Shard& shard : shards_) bytes += shard.mem->MemoryUsage();
    *value = std::to_string(bytes);
    return true;
  }
  if (in == "dm-live-bytes" || in == "dm-bytes-moved") {
    if (dm_ == nullptr) return false;
    const DmCounters& c = dm_->counters();
    *value = std::to_string(in == "dm-live-bytes" ? c.live_bytes.load()
                                                  : c.bytes_moved.load());
    return true;
  }
  if (in == "segments") {
    if (dm_ == nullptr) return false;
    *value = DmString();
    return true;
  }
  if (in == "shards") {
    *value = ShardsString();
    return true;
  }
  if (in == "num-immutable-memtables") {
    *value = std::to_string(imm_.size());
    return true;
  }
  if (in == "last-sequence") {
    *value = std::to_string(versions_->LastSequence());
    return true;
  }
  if (in == "num-range-tombstones") {
    *value = std::to_string(versions_->range_tombstones().size() +
                            unpersisted_tombstones_.size());
    return true;
  }
  return false;
}

std::string DBImpl::DmString() {
  std::string reads = node_ != nullptr && node_->read_path() != nullptr
                          ? node_->read_path()->Describe()
                          : std::string();
  if (node_ != nullptr && node_->block_cache() != nullptr) {
    reads += node_->block_cache()->Describe();
  }
  std::string r;
  char buf[640];
  const DmCounters& c = dm_->counters();
  auto mib = [](uint64_t b) { return static_cast<double>(b) / 1048576.0; };
  size_t index_bytes = 0;
  int local = 0, moving = 0, in_dm = 0;
  for (const auto& entry : imm_) {
    if (entry.in_dm()) {
      index_bytes += entry.segment()->LocalMemoryUsage();
      in_dm++;
    } else if (entry.is(SealedMemTable::Phase::kMoving)) {
      moving++;
    } else {
      local++;
    }
  }
  snprintf(buf, sizeof(buf),
           "DM: %s pool %s, offload %s\n"
           "  segments: %d in DM (%.1f MiB of budget %.1f MiB), %d moving, "
           "%d sealed local; local index %.1f KiB\n"
           "  moved %llu segments, %.1f MiB (%.1f s); freed %llu; remote gets "
           "%llu (%.1f MiB); read back %.1f MiB\n",
           dm_->available() ? "" : "UNAVAILABLE",
           dm_->fabric()->Describe().c_str(),
           OffloadLayersToString(options_.offload).c_str(), in_dm,
           mib(c.live_bytes.load()), mib(dm_budget_), moving, local,
           index_bytes / 1024.0,
           static_cast<unsigned long long>(c.segments_moved.load()),
           mib(c.bytes_moved.load()), c.move_micros.load() / 1e6,
           static_cast<unsigned long long>(c.segments_freed.load()),
           static_cast<unsigned long long>(c.remote_gets.load()),
           mib(c.remote_get_bytes.load()), mib(c.bytes_read_back.load()));
  r += buf;
  r += reads;
  for (const auto& entry : imm_) {
    if (!entry.in_dm()) continue;
    const SegmentLocation loc = entry.segment()->location();
    snprintf(buf, sizeof(buf),
             "  memtable %llu: shard %d, %s, %.1f KiB, seq %llu..%llu\n",
             static_cast<unsigned long long>(entry.id()), entry.shard(),
             loc.addr.ToString().c_str(), loc.length / 1024.0,
             static_cast<unsigned long long>(
                 entry.segment()->header().smallest_seq),
             static_cast<unsigned long long>(
                 entry.segment()->header().largest_seq));
    r += buf;
  }
  return r;
}

std::string DBImpl::ShardsString() {
  std::string r;
  char buf[256];
  uint64_t total = 0;
  uint64_t max = 0;
  for (const Shard& shard : shards_) {
    total += shard.bytes;
    max = std::max(max, shard.bytes);
  }
  const double mean = shards_.empty() ? 0 : static_cast<double>(total) /
                                                shards_.size();
  snprintf(buf, sizeof(buf),
           "Shards: %d of target %d, generation %" PRIu64 " (%" PRIu64
           " re-splits), balance max/mean %.2f%s\n",
           router_->num_shards(), options_.memtable_shards,
           router_->generation(), resplits_, mean > 0 ? max / mean : 0.0,
           planner_.Trend() > 0   ? ", keys ascending"
           : planner_.Trend() < 0 ? ", keys descending"
                                  : "");
  r += buf;
  for (int i = 0; i < router_->num_shards(); i++) {
    const MemTable& mem = *shards_[i].mem;
    snprintf(buf, sizeof(buf),
             "  shard %d: %.1f MiB written this generation, memtable %.1f "
             "MiB (%" PRIu64 " entries)\n",
             i, static_cast<double>(shards_[i].bytes) / 1048576.0,
             static_cast<double>(mem.MemoryUsage()) / 1048576.0,
             mem.num_entries());
    r += buf;
  }
  if (router_->num_shards() > 1) r += "  ranges: " + router_->Describe() + "\n";
  return r;
}

std::string DBImpl::StatsString(const std::string& cluster_text) {
  const VersionRef v = versions_->current();
  std::string r;
  char buf[256];
  auto mib = [](uint64_t b) { return static_cast<double>(b) / 1048576.0; };

  r += "** Levels **\n";
  r += "Level  Files  Size(MiB)  Score  Jobs  Read(MiB)  Write(MiB)  "
       "Time(s)  RecordsIn  Dropped\n";
  uint64_t total_written = 0;
  for (int level = 0; level < v->num_levels(); level++) {
    const LevelIoStats& st = stats_.levels[level];
    total_written += st.bytes_written;
    if (v->NumFiles(level) == 0 && st.jobs == 0) continue;
    snprintf(buf, sizeof(buf),
             "L%-5d %5d %10.1f %6.2f %5" PRIu64 " %10.1f %11.1f %8.1f %10" PRIu64
             " %8" PRIu64 "\n",
             level, v->NumFiles(level), mib(v->LevelBytes(level)),
             level + 1 < v->num_levels() ? picker_->LevelScore(*v, level) : 0.0,
             st.jobs, mib(st.bytes_read), mib(st.bytes_written),
             static_cast<double>(st.micros) / 1e6, st.records_in,
             st.records_dropped);
    r += buf;
  }
  snprintf(buf, sizeof(buf),
           "Total  %5" PRIu64 " %10.1f  trivial moves: %" PRIu64
           "  split compactions: %" PRIu64 " (%" PRIu64 " sub-jobs, %" PRIu64
           " run here)\n",
           v->TotalFiles(), mib(v->TotalBytes()), stats_.trivial_moves,
           stats_.split_compactions, stats_.sub_jobs,
           stats_.sub_jobs_run_here);
  r += buf;

  const uint64_t flushed = stats_.levels[0].bytes_written;
  r += "** Writes **\n";
  snprintf(buf, sizeof(buf),
           "User: %" PRIu64 " updates, %.1f MiB in %" PRIu64
           " groups (%.2f updates/group)\n",
           stats_.user_writes, mib(stats_.user_bytes), stats_.write_groups,
           stats_.write_groups ? static_cast<double>(stats_.user_writes) /
                                     stats_.write_groups
                               : 0.0);
  r += buf;
  snprintf(buf, sizeof(buf), "WAL: %.1f MiB, %" PRIu64 " syncs\n",
           mib(stats_.wal_bytes), stats_.wal_syncs);
  r += buf;
  snprintf(buf, sizeof(buf),
           "Write amplification: %.2f (SST bytes written / bytes flushed), "
           "%.2f (WAL + SST bytes written / user bytes)\n",
           flushed ? static_cast<double>(total_written) / flushed : 0.0,
           stats_.user_bytes
               ? static_cast<double>(total_written + stats_.wal_bytes) /
                     stats_.user_bytes
               : 0.0);
  r += buf;
  r += "** Stalls **\n";
  snprintf(buf, sizeof(buf),
           "L0 slowdown: %" PRIu64 " (%.3f s), memtable stop: %" PRIu64
           " (%.3f s), L0 stop: %" PRIu64 " (%.3f s)\n",
           stats_.slowdown_l0.count, stats_.slowdown_l0.micros / 1e6,
           stats_.stop_memtables.count, stats_.stop_memtables.micros / 1e6,
           stats_.stop_l0.count, stats_.stop_l0.micros / 1e6);
  r += buf;
  r += "** Memory **\n";
  size_t active_bytes = 0;
  uint64_t active_entries = 0;
  for (const Shard& shard : shards_) {
    active_bytes += shard.mem->MemoryUsage();
    active_entries += shard.mem->num_entries();
  }
  snprintf(buf, sizeof(buf),
           "Memtables: active %.1f MiB (%" PRIu64 " entries), %zu sealed "
           "%.1f MiB, limit %d x %.1f MiB\n",
           mib(active_bytes), active_entries, imm_.size(),
           mib(SealedLocalBytes()), options_.max_write_buffer_number,
           mib(options_.write_buffer_size));
  r += buf;
  r += ShardsString();
  if (dm_ != nullptr) r += DmString();
  r += cluster_text;
  snprintf(buf, sizeof(buf),
           "Block cache: %.1f / %.1f MiB; table cache: %zu open files\n",
           mib(block_cache_->TotalCharge()), mib(block_cache_->Capacity()),
           table_cache_->OpenFiles());
  r += buf;
  snprintf(buf, sizeof(buf),
           "Background: %d flushes, %d compactions running; snapshots: %zu; "
           "last sequence %" PRIu64 "\n",
           running_flushes_, running_compactions_, snapshots_.size(),
           versions_->LastSequence());
  r += buf;
  if (!bg_error_.ok()) r += "Background error: " + bg_error_.ToString() + "\n";
  return r;
}

}  // namespace o3lsm
