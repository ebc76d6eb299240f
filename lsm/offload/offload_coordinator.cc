// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/offload_coordinator.h"

#include <cinttypes>
#include <cstdio>

#include "util/stop_watch.h"

namespace o3lsm {

namespace {

uint64_t KeyOf(const cluster::JobTicket& t) {
  return (static_cast<uint64_t>(t.slot) << 32) | t.serial;
}

// Roles that execute jobs.
constexpr uint32_t kExecutorRoles =
    cluster::NodeRoleBit(cluster::NodeRole::kWorker) |
    cluster::NodeRoleBit(cluster::NodeRole::kMemory) |
    cluster::NodeRoleBit(cluster::NodeRole::kCompute);

// How often the node table is read.
constexpr uint64_t kRefreshMicros = 100000;
// How often the watcher looks at leases and unclaimed jobs when no
// completion rings the board's doorbell; and how long the poster waits
// for a slot of a full board to free before trying again.
constexpr uint64_t kPollMicros = 20000;

}  // namespace

OffloadCoordinator::OffloadCoordinator(cluster::JobBoard* board,
                                       cluster::NodeTable* nodes,
                                       OffloadCoordinatorOptions options)
    : board_(board),
      nodes_(nodes),
      options_(std::move(options)),
      env_(options_.env != nullptr ? options_.env : Env::Default()),
      cv_(&mu_),
      liveness_(options_.liveness_timeout),
      leases_(options_.lease_timeout) {}

OffloadCoordinator::~OffloadCoordinator() { Stop(); }

cluster::LeaseWatch::Clock::time_point OffloadCoordinator::Now() const {
  return cluster::LeaseWatch::Clock::time_point(
      std::chrono::microseconds(NowMicros()));
}

void OffloadCoordinator::Start() {
  RefreshNodes();
  poster_ = std::thread([this] { PostLoop(); });
  watcher_ = std::thread([this] { WatchLoop(); });
}

void OffloadCoordinator::Stop() {
  if (stop_.exchange(true)) return;
  {
    MutexLock l(&mu_);
    cv_.SignalAll();
  }
  if (poster_.joinable()) poster_.join();
  if (watcher_.joinable()) watcher_.join();
  // Hand back what is still out, so callers do not wait forever.
  {
    MutexLock l(&mu_);
    for (Job& job : incoming_) {
      const uint64_t key = KeyOf(job.ticket);
      jobs_.emplace(key, std::move(job));
    }
    incoming_.clear();
  }
  for (auto& [key, job] : jobs_) {
    board_->Cancel(job.ticket).PermitUncheckedError();
  }
  HandBackAll(Status::Aborted("offloaded job", "coordinator stopped"));
}

void OffloadCoordinator::HandBackAll(const Status& status) {
  std::vector<Callback> pending;
  {
    MutexLock l(&mu_);
    for (Job& job : queued_) pending.push_back(std::move(job.done));
    for (Job& job : incoming_) pending.push_back(std::move(job.done));
    queued_.clear();
    incoming_.clear();
  }
  // jobs_ belongs to the watcher: this runs on it, or after it stopped.
  for (auto& [key, job] : jobs_) pending.push_back(std::move(job.done));
  jobs_.clear();
  watched_.store(0);
  for (auto& done : pending) done(status, JobResult());
}

void OffloadCoordinator::RefreshNodes() {
  if (options_.self.node != 0 && !evicted_.load()) {
    cluster::NodeLoad load;  // the compute node executes nothing itself
    if (nodes_->Publish(options_.self, load).IsAborted()) {
      evicted_.store(true);
      Log(InfoLogLevel::kWarn, options_.info_log.get(),
          "offload: this compute node (node %u) was "
          "evicted from the node table; DM is no longer used",
          options_.self.node);
      // Its segments and jobs are being reclaimed: for this node the pool
      // is as good as lost.
      memory_lost_.store(true);
    }
  }
  std::vector<cluster::NodeInfo> snapshot;
  const bool read = nodes_->Snapshot(&snapshot).ok();
  const uint64_t now = NowMicros();
  MutexLock l(&mu_);
  if (read) {
    liveness_.Update(snapshot, Now());
    nodes_seen_ = std::move(snapshot);
  } else {
    // An unreadable table is a silent one: no heartbeat moves, so a memory
    // node whose pool cannot be reached (its process is gone, and with it
    // a pool exported over the network) goes dead after the same timeout.
    liveness_.Update(nodes_seen_, Now());
  }
  last_refresh_micros_ = now;
  // The memory node exports the pool: once seen alive, its silence means
  // the pool is gone (a pool with no memory node, a CPU-less CXL expander,
  // has nothing to lose this way).
  for (const auto& n : nodes_seen_) {
    if (n.role == cluster::NodeRole::kMemory && liveness_.Alive(n.node)) {
      memory_nodes_.insert(n.node);
    }
  }
  for (uint16_t m : memory_nodes_) {
    if (!liveness_.Alive(m) && !memory_lost_.exchange(true)) {
      Log(InfoLogLevel::kError, options_.info_log.get(),
          "offload: memory node %u stopped "
          "heartbeating: the DM pool is lost",
          m);
    }
  }
}

void OffloadCoordinator::MarkMemoryLost() {
  if (memory_lost_.exchange(true)) return;
  Log(InfoLogLevel::kError, options_.info_log.get(),
      "offload: the DM pool is lost: handing back every job out");
  MutexLock l(&mu_);
  cv_.SignalAll();
}

bool OffloadCoordinator::HaveExecutors() const {
  MutexLock l(&mu_);
  return HaveExecutorsLocked();
}

bool OffloadCoordinator::HaveExecutorsLocked() const {
  if (memory_lost_.load()) return false;
  for (const auto& n : nodes_seen_) {
    if (n.node != options_.self.node && liveness_.Alive(n.node) &&
        n.registered_capacity > 0 &&
        (kExecutorRoles & cluster::NodeRoleBit(n.role)) != 0) {
      return true;
    }
  }
  return false;
}

uint16_t OffloadCoordinator::PickExecutor(uint16_t exclude) {
  MutexLock l(&mu_);
  return PickExecutorLocked(exclude);
}

uint16_t OffloadCoordinator::PickExecutorLocked(uint16_t exclude) {
  uint16_t node = liveness_.PickLeastLoaded(kExecutorRoles, exclude);
  if (node == options_.self.node) node = 0;
  if (node != 0) liveness_.NoteOffered(node);
  return node;  // 0: anyone may take it
}

Status OffloadCoordinator::Submit(cluster::JobType type,
                                  const std::string& payload,
                                  uint32_t max_attempts, Callback done) {
  MutexLock l(&mu_);
  if (stop_.load()) return Status::Aborted("offload", "coordinator stopped");
  if (memory_lost_.load()) {
    return Status::Unavailable("offload", "the memory node is lost");
  }
  Job job;
  job.type = type;
  job.payload = payload;
  job.max_attempts = max_attempts;
  job.done = std::move(done);
  job.submitted_micros = NowMicros();
  queued_.push_back(std::move(job));
  cv_.SignalAll();
  return Status::OK();
}

void OffloadCoordinator::PostLoop() {
  while (true) {
    Job job;
    uint16_t offer = 0;
    {
      MutexLock l(&mu_);
      while (!stop_.load() && queued_.empty()) cv_.Wait();
      if (stop_.load()) return;
      job = std::move(queued_.front());
      queued_.pop_front();
      offer = PickExecutorLocked(options_.self.node);
      posting_++;
    }
    Status s;
    if (memory_lost_.load()) {
      s = Status::Unavailable("offloaded job", "memory node lost");
    } else {
      s = board_->Post(options_.self.node, job.type, job.payload, offer,
                       &job.ticket);
    }
    const uint64_t now = NowMicros();
    if (s.IsBusy() &&
        now - job.submitted_micros <=
            static_cast<uint64_t>(options_.unclaimed_timeout.count()) * 1000) {
      // Every slot is taken (by this node's jobs or another's): wait for
      // one to free.
      MutexLock l(&mu_);
      posting_--;
      queued_.push_front(std::move(job));
      cv_.WaitFor(kPollMicros);
      continue;
    }
    if (!s.ok()) {
      {
        MutexLock l(&mu_);
        posting_--;
        stats_.handed_back++;
      }
      RecordTick(options_.statistics, kJobsFailed);
      if (s.IsBusy()) {
        s = Status::Unavailable("offloaded job",
                                "the job board stayed full");
      }
      job.done(s, JobResult());
      continue;
    }
    job.payload.clear();
    job.posted_micros = now;
    MutexLock l(&mu_);
    posting_--;
    stats_.posted++;
    RecordTick(options_.statistics, job.type == cluster::JobType::kFlush
                                        ? kFlushJobsPosted
                                        : kCompactionJobsPosted);
    incoming_.push_back(std::move(job));
  }
}

bool OffloadCoordinator::Check(Job* job, Status* status, JobResult* result) {
  cluster::JobView view;
  Status s = board_->Inspect(job->ticket, &view);
  if (!s.ok()) {
    if (s.retryable()) return false;  // a transient fabric error: look again
    *status = s;  // the slot is damaged or gone
    return true;
  }
  switch (view.state) {
    case cluster::JobState::kDone:
    case cluster::JobState::kFailed: {
      bool success = false;
      std::string payload;
      s = board_->ReadResult(job->ticket, &success, &payload);
      if (s.ok() && success) s = result->DecodeFrom(payload);
      if (s.ok() && success) {
        *status = Status::OK();
        MutexLock l(&mu_);
        stats_.done++;
        RecordTick(options_.statistics, kJobsSucceeded);
        return true;
      }
      // A failure, or a result that does not validate (a revoked
      // executor's late write): try again, elsewhere if possible, unless
      // the executor says no attempt can succeed.
      JobFailure failure;
      if (s.ok()) {
        failure.DecodeFrom(payload);
      } else {
        failure.why = s.ToString();
      }
      const std::string& why = failure.why;
      if (failure.retry && view.attempt < job->max_attempts &&
          board_->Retry(&job->ticket, PickExecutor(view.executor)).ok()) {
        {
          MutexLock l(&mu_);
          stats_.retried++;
          RecordTick(options_.statistics, kJobsRetried);
        }
        job->posted_micros = NowMicros();
        Log(InfoLogLevel::kWarn, options_.info_log.get(),
            "offload: job in slot %u failed on node "
            "%u (%s); attempt %u",
            job->ticket.slot, view.executor, why.c_str(), job->ticket.attempt);
        return false;
      }
      *status = Status::Aborted("offloaded job", why);
      return true;
    }
    case cluster::JobState::kClaimed:
      if (leases_.Expired(view, Now())) {
        if (view.attempt < job->max_attempts &&
            board_->Repost(&job->ticket, PickExecutor(view.executor)).ok()) {
          {
            MutexLock l(&mu_);
            stats_.reposted++;
            RecordTick(options_.statistics, kJobsReposted);
          }
          job->posted_micros = NowMicros();
          Log(InfoLogLevel::kWarn, options_.info_log.get(),
              "offload: node %u stopped heartbeating "
              "job in slot %u; re-posted as attempt %u",
              view.executor, job->ticket.slot, job->ticket.attempt);
          return false;
        }
        if (view.attempt >= job->max_attempts) {
          // The last attempt's executor is gone: the caller's Release
          // revokes its claim (a late heartbeat or result is refused), and
          // the job comes back to be run here.
          Log(InfoLogLevel::kWarn, options_.info_log.get(),
              "offload: node %u stopped heartbeating "
              "job in slot %u, its last attempt (%u): handing it back",
              view.executor, job->ticket.slot, view.attempt);
          *status = Status::TimedOut("offloaded job", "attempts exhausted");
          return true;
        }
      }
      return false;
    case cluster::JobState::kPosted: {
      const bool nobody = !HaveExecutors();
      const uint64_t waited = NowMicros() - job->posted_micros;
      if (nobody || waited > static_cast<uint64_t>(
                                 options_.unclaimed_timeout.count()) * 1000) {
        if (board_->Cancel(job->ticket).ok()) {
          *status = Status::Unavailable(
              "offloaded job", nobody ? "no live executor" : "not claimed in time");
          return true;
        }
      }
      return false;
    }
    default:
      *status = Status::Corruption("offloaded job", "unexpected slot state");
      return true;
  }
}

void OffloadCoordinator::WatchLoop() {
  uint64_t seen = 0;
  while (!stop_.load()) {
    if (memory_lost_.load()) {
      // Idle until stopped: the board lives in the lost pool. A job the
      // poster was posting meanwhile comes back here.
      HandBackAll(Status::Unavailable("offloaded job", "memory node lost"));
      MutexLock l(&mu_);
      if (!stop_.load()) cv_.WaitFor(100000);
      continue;
    }
    // Completions ring the board's doorbell; leases and unclaimed jobs are
    // checked at least every kPollMicros.
    board_->WaitForCompletion(&seen, std::chrono::microseconds(kPollMicros))
        .PermitUncheckedError();
    if (NowMicros() - last_refresh_micros_ >= kRefreshMicros) {
      RefreshNodes();
      if (memory_lost_.load()) {
        // Hand every job back; nothing in the pool can be trusted.
        HandBackAll(Status::Unavailable("offloaded job", "memory node lost"));
        if (options_.on_memory_node_lost) options_.on_memory_node_lost();
        continue;
      }
    }
    {
      MutexLock l(&mu_);
      for (Job& job : incoming_) {
        const uint64_t key = KeyOf(job.ticket);
        jobs_.emplace(key, std::move(job));
      }
      incoming_.clear();
    }
    std::vector<std::pair<Callback, Outcome>> finished;
    bool freed = false;
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      Status status;
      JobResult result;
      if (Check(&it->second, &status, &result)) {
        board_->Release(it->second.ticket).PermitUncheckedError();
        leases_.Forget(it->second.ticket);
        finished.push_back({std::move(it->second.done),
                            {std::move(status), std::move(result)}});
        it = jobs_.erase(it);
        freed = true;
      } else if (KeyOf(it->second.ticket) != it->first) {
        // Retry/Repost moved to a new serial: re-key.
        Job moved = std::move(it->second);
        it = jobs_.erase(it);
        jobs_.emplace(KeyOf(moved.ticket), std::move(moved));
      } else {
        ++it;
      }
    }
    watched_.store(jobs_.size());
    if (freed) {
      MutexLock l(&mu_);
      for (const auto& [done, outcome] : finished) {
        if (!outcome.first.ok()) {
          stats_.handed_back++;
          RecordTick(options_.statistics, kJobsFailed);
        }
      }
      cv_.SignalAll();  // a poster waiting for a free slot
    }
    for (auto& [done, outcome] : finished) done(outcome.first, outcome.second);
  }
}

OffloadCoordinator::Stats OffloadCoordinator::stats() const {
  MutexLock l(&mu_);
  Stats s = stats_;
  s.outstanding = queued_.size() + static_cast<uint64_t>(posting_) +
                  incoming_.size() + watched_.load();
  return s;
}

std::string OffloadCoordinator::DescribeNodes() const {
  MutexLock l(&mu_);
  std::string r;
  char buf[320];
  for (const auto& n : nodes_seen_) {
    if (n.state == cluster::NodeState::kFree) continue;
    snprintf(buf, sizeof(buf),
             "node %u: %-7s %-24s %s  jobs %u/%u  cpu %.1f%%  io %.1f MiB/s  "
             "done %" PRIu64 "%s\n",
             n.node, cluster::NodeRoleName(n.role), n.name.c_str(),
             liveness_.Alive(n.node) ? "alive" : "DEAD ", n.load.running_jobs,
             n.load.capacity, n.load.cpu_percent_x100 / 100.0,
             n.load.io_bytes_per_sec / 1048576.0, n.load.jobs_done,
             n.node == options_.self.node ? "  (this compute node)" : "");
    r += buf;
  }
  return r;
}

}  // namespace o3lsm
