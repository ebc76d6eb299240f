// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/job_executor.h"

#include <sys/resource.h>
#include <unistd.h>

#include "lsm/offload/offload_job.h"
#include "lsm/version/filename.h"

namespace o3lsm {

namespace {

uint64_t ProcessCpuMicros() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto micros = [](const timeval& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1000000 +
           static_cast<uint64_t>(t.tv_usec);
  };
  return micros(ru.ru_utime) + micros(ru.ru_stime);
}

std::string DefaultName() {
  char host[256] = "host";
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

JobExecutor::JobExecutor(fabric::Fabric* fabric, cluster::JobBoard* board,
                         cluster::NodeTable* nodes, JobExecutorOptions options)
    : fabric_(fabric),
      board_(board),
      nodes_(nodes),
      options_(std::move(options)),
      env_(options_.env != nullptr ? options_.env : Env::Default()),
      stop_cv_(&mu_) {}

JobExecutor::~JobExecutor() { Stop(); }

std::string JobExecutor::name() const {
  return options_.name.empty() ? DefaultName() : options_.name;
}

Status JobExecutor::Start() {
  const std::string name = this->name();
  Status s = nodes_->Register(options_.role, name,
                              static_cast<uint32_t>(options_.threads),
                              &registration_);
  if (!s.ok()) return s;
  last_cpu_micros_ = ProcessCpuMicros();
  last_wall_micros_ = env_->NowMicros();
  const cluster::NodeLoad load = CurrentLoad();
  if (nodes_->Publish(registration_, load).ok()) Published(load);
  for (int i = 0; i < options_.threads; i++) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
  Log(options_.info_log.get(), "executor %s: node %u, %d threads",
      name.c_str(), registration_.node, options_.threads);
  return Status::OK();
}

void JobExecutor::Stop() {
  if (stop_.exchange(true)) return;
  {
    MutexLock l(&mu_);
    stop_cv_.SignalAll();
  }
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  if (heartbeat_.joinable()) heartbeat_.join();
  if (registration_.node != 0) {
    nodes_->Deregister(registration_).PermitUncheckedError();
  }
}

JobExecutor::Stats JobExecutor::stats() const {
  const uint64_t now = env_->NowMicros();
  MutexLock l(&mu_);
  Stats stats = stats_;
  if (last_publish_micros_ != 0) {
    stats.heartbeat_age_micros =
        now > last_publish_micros_ ? now - last_publish_micros_ : 0;
  }
  return stats;
}

void JobExecutor::Published(const cluster::NodeLoad& load) {
  const uint64_t now = env_->NowMicros();
  MutexLock l(&mu_);
  stats_.load = load;
  last_publish_micros_ = std::max<uint64_t>(now, 1);
}

cluster::NodeLoad JobExecutor::CurrentLoad() {
  cluster::NodeLoad load;
  const uint64_t cpu = ProcessCpuMicros();
  const uint64_t wall = env_->NowMicros();
  const uint64_t wall_delta = std::max<uint64_t>(1, wall - last_wall_micros_);
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  load.cpu_percent_x100 = static_cast<uint32_t>(
      std::min<uint64_t>(10000, (cpu - last_cpu_micros_) * 10000 /
                                    (wall_delta * static_cast<uint64_t>(cores))));
  last_cpu_micros_ = cpu;
  last_wall_micros_ = wall;
  MutexLock l(&mu_);
  load.running_jobs = static_cast<uint32_t>(stats_.running);
  load.capacity = static_cast<uint32_t>(options_.threads);
  load.jobs_done = stats_.done;
  load.io_bytes_per_sec = io_bytes_ * 1000000 / wall_delta;
  io_bytes_ = 0;
  return load;
}

void JobExecutor::HeartbeatLoop() {
  while (!stop_.load()) {
    {
      MutexLock l(&mu_);
      stop_cv_.WaitFor(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(
              options_.heartbeat_interval)
              .count()));
      if (stop_.load()) break;
      for (Running* r : running_) {
        // A revoked claim stops the job; other errors (a transient fabric
        // failure) are retried at the next beat.
        if (board_->Heartbeat(r->job).IsAborted()) r->revoked.store(true);
      }
    }
    const cluster::NodeLoad load = CurrentLoad();
    Status s = nodes_->Publish(registration_, load);
    if (s.ok()) Published(load);
    if (s.IsAborted()) {
      // Evicted (we looked dead to someone): come back as a new node.
      Log(InfoLogLevel::kWarn, options_.info_log.get(),
          "executor: node %u was evicted; "
          "registering again",
          registration_.node);
      cluster::NodeRegistration fresh;
      if (nodes_->Register(options_.role, name(),
                           static_cast<uint32_t>(options_.threads), &fresh)
              .ok()) {
        registration_ = fresh;
      }
    }
  }
}

void JobExecutor::WorkerLoop(int index) {
  if (options_.on_thread_start) options_.on_thread_start(index);
  uint64_t seen = 0;
  while (!stop_.load()) {
    auto running = std::make_unique<Running>();
    // Flushes before compactions: a late flush stalls writers, a late
    // compaction only costs read speed.
    const uint32_t flushes =
        options_.type_mask & cluster::JobTypeBit(cluster::JobType::kFlush);
    Status s = Status::NotFound("");
    const auto now = std::chrono::steady_clock::time_point(
        std::chrono::microseconds(env_->NowMicros()));
    if (flushes != 0) {
      s = board_->Claim(registration_.node, flushes, options_.steal_after,
                        &running->job, now);
    }
    if (s.IsNotFound()) {
      s = board_->Claim(registration_.node, options_.type_mask,
                        options_.steal_after, &running->job, now);
    }
    if (s.IsNotFound()) {
      board_->WaitForWork(&seen, std::chrono::milliseconds(100))
          .PermitUncheckedError();
      continue;
    }
    if (!s.ok()) {
      Log(InfoLogLevel::kWarn, options_.info_log.get(),
          "executor: claim failed: %s", s.ToString().c_str());
      env_->SleepForMicroseconds(20000);
      continue;
    }
    if (options_.statistics != nullptr) {
      options_.statistics->recordTick(kJobsClaimed);
    }
    {
      MutexLock l(&mu_);
      running_.push_back(running.get());
      stats_.running++;
    }
    RunJob(running.get());
    MutexLock l(&mu_);
    running_.remove(running.get());
    stats_.running--;
  }
}

void JobExecutor::RemoveOutputs(const std::string& db_path,
                                JobResult* result) {
  for (const auto& f : result->outputs) {
    env_->RemoveFile(TableFileName(db_path, f.number)).PermitUncheckedError();
  }
  result->outputs.clear();
}

void JobExecutor::RunJob(Running* r) {
  const cluster::ClaimedJob& job = r->job;
  // Board attempts count from 1; output numbers from 0.
  const uint32_t attempt = job.ticket.attempt > 0 ? job.ticket.attempt - 1 : 0;
  auto alive = [this, r] { return !r->revoked.load() && !stop_.load(); };
  const uint64_t until =
      env_->NowMicros() +
      std::chrono::duration_cast<std::chrono::microseconds>(
          options_.debug_job_delay)
          .count();
  while (alive() && env_->NowMicros() < until) {
    env_->SleepForMicroseconds(10000);
  }
  JobResult result;
  Status s;
  std::string db_path;
  switch (job.type) {
    case cluster::JobType::kFlush: {
      FlushJobSpec spec;
      s = spec.DecodeFrom(job.payload);
      if (s.ok()) {
        db_path = spec.db_path;
        s = ExecuteFlushJob(fabric_, env_, spec, attempt, alive, &result);
      }
      break;
    }
    case cluster::JobType::kCompaction: {
      CompactionJobSpec spec;
      s = spec.DecodeFrom(job.payload);
      if (s.ok()) {
        db_path = spec.db_path;
        s = ExecuteCompactionJob(env_, spec, attempt, alive, &result);
      }
      break;
    }
    default:
      s = Status::NotSupported("job type",
                               std::to_string(static_cast<int>(job.type)));
      break;
  }

  std::string payload;
  JobFailure failure;
  if (s.ok()) {
    result.EncodeTo(&payload);
    if (payload.size() > board_->max_result()) {
      // Every executor would produce the same: the owner runs it itself.
      failure.retry = false;
      s = Status::NotSupported(
          "job result", std::to_string(payload.size()) +
                            " bytes, more than a job slot holds (" +
                            std::to_string(board_->max_result()) + ")");
      RemoveOutputs(db_path, &result);
    }
  }
  if (!s.ok()) {
    failure.why = s.ToString();
    payload.clear();
    failure.EncodeTo(&payload);
  }
  const Status done = board_->Complete(job, s.ok(), payload);
  // The owner re-posted the job: this attempt's outputs are not going to be
  // installed.
  const bool revoked = done.IsAborted() || s.IsAborted();
  {
    MutexLock l(&mu_);
    io_bytes_ += result.bytes_read + result.bytes_written;
    stats_.bytes_read += result.bytes_read;
    stats_.bytes_written += result.bytes_written;
    JobCounts& of_type =
        job.type == cluster::JobType::kFlush ? stats_.flush : stats_.compaction;
    if (revoked) {
      stats_.revoked++;
      of_type.revoked++;
    } else if (s.ok()) {
      stats_.done++;
      of_type.done++;
    } else {
      stats_.failed++;
      of_type.failed++;
    }
  }
  const char* type =
      job.type == cluster::JobType::kFlush ? "flush" : "compaction";
  if (revoked) {
    RemoveOutputs(db_path, &result);
    Log(options_.info_log.get(), "executor: %s job in slot %u, attempt %u: "
        "revoked", type, job.ticket.slot, job.ticket.attempt);
  } else if (s.ok()) {
    Log(options_.info_log.get(),
        "executor: %s job in slot %u, attempt %u: done, %zu tables, %llu "
        "bytes written, %llu us",
        type, job.ticket.slot, job.ticket.attempt, result.outputs.size(),
        static_cast<unsigned long long>(result.bytes_written),
        static_cast<unsigned long long>(result.micros));
  } else {
    Log(InfoLogLevel::kError, options_.info_log.get(),
        "executor: %s job in slot %u, attempt %u "
        "failed: %s",
        type, job.ticket.slot, job.ticket.attempt, s.ToString().c_str());
  }
}

}  // namespace o3lsm
