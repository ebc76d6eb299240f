// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm_cluster_helper: the child process of the multi-process cluster
// tests. Each command attaches to an existing pool by URI:
//
//   executor <uri> <node> <job-ms> <idle-ms> <log-file>
//       claims jobs as <node>, "works" <job-ms> on each while heartbeating
//       every 5 ms, completes it with the result "done:<payload>:<node>",
//       and appends "claimed <slot> <serial> <attempt> <payload>" and
//       "completed <slot> <serial> <attempt> <payload> <status>" lines to
//       <log-file>; exits 0 after <idle-ms> without work
//   node <uri> <name> <period-ms> <id-file>
//       registers as a worker, writes "<node> <incarnation>" to <id-file>,
//       then publishes its load every <period-ms> forever (to be killed)
//
// Exit status 0 on success; 1 with a message on stderr otherwise.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "interconnect/fabric.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/node_table.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;

int Fail(const std::string& what, const Status& s) {
  fprintf(stderr, "o3lsm_cluster_helper: %s: %s\n", what.c_str(),
          s.ToString().c_str());
  return 1;
}

Status Attach(const char* uri, std::unique_ptr<fabric::Fabric>* f) {
  fabric::FabricOptions o;
  o.uri = uri;
  return fabric::OpenFabric(o, f);
}

// One line per write(2) on an O_APPEND file: a SIGKILL never leaves half.
void Log(int fd, const std::string& line) {
  const std::string l = line + "\n";
  if (write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) {
    perror("o3lsm_cluster_helper: log");
  }
}

int Executor(const char* uri, uint16_t node, int job_ms, int idle_ms,
             const char* log_path) {
  std::unique_ptr<fabric::Fabric> f;
  Status s = Attach(uri, &f);
  if (!s.ok()) return Fail("open pool", s);
  std::unique_ptr<JobBoard> board;
  s = JobBoard::Open(f.get(), &board);
  if (!s.ok()) return Fail("open job board", s);
  const int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) {
    perror(log_path);
    return 1;
  }
  uint64_t seen = 0;
  auto idle_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - idle_since <
         std::chrono::milliseconds(idle_ms)) {
    ClaimedJob job;
    s = board->Claim(node, kAnyJobType, 0ns, &job);
    if (s.IsNotFound()) {
      s = board->WaitForWork(&seen, 20ms);
      if (!s.ok() && !s.IsTimedOut()) return Fail("wait", s);
      continue;
    }
    if (!s.ok()) return Fail("claim", s);
    const std::string id = std::to_string(job.ticket.slot) + " " +
                           std::to_string(job.ticket.serial) + " " +
                           std::to_string(job.ticket.attempt) + " " +
                           job.payload;
    Log(fd, "claimed " + id);
    bool revoked = false;
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(job_ms);
    while (!revoked && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(5ms);
      s = board->Heartbeat(job);
      if (s.IsAborted())
        revoked = true;
      else if (!s.ok())
        return Fail("heartbeat", s);
    }
    if (!revoked) {
      s = board->Complete(job, true,
                          "done:" + job.payload + ":" + std::to_string(node));
      if (!s.ok() && !s.IsAborted()) return Fail("complete", s);
    } else {
      s = Status::Aborted("heartbeat");
    }
    Log(fd, "completed " + id + " " + (s.ok() ? "OK" : "Aborted"));
    idle_since = std::chrono::steady_clock::now();
  }
  close(fd);
  return 0;
}

int Node(const char* uri, const char* name, int period_ms,
         const char* id_path) {
  std::unique_ptr<fabric::Fabric> f;
  Status s = Attach(uri, &f);
  if (!s.ok()) return Fail("open pool", s);
  std::unique_ptr<NodeTable> table;
  s = NodeTable::Open(f.get(), &table);
  if (!s.ok()) return Fail("open node table", s);
  NodeRegistration reg;
  s = table->Register(NodeRole::kWorker, name, 2, &reg);
  if (!s.ok()) return Fail("register", s);
  {
    const std::string tmp = std::string(id_path) + ".tmp";
    std::ofstream out(tmp);
    out << reg.node << " " << reg.incarnation << "\n";
    out.close();
    if (rename(tmp.c_str(), id_path) != 0) {
      perror(id_path);
      return 1;
    }
  }
  for (uint64_t i = 0;; i++) {
    NodeLoad load;
    load.capacity = 2;
    load.jobs_done = i;
    s = table->Publish(reg, load);
    if (!s.ok()) return Fail("publish", s);
    std::this_thread::sleep_for(std::chrono::milliseconds(period_ms));
  }
}

}  // namespace
}  // namespace o3lsm::cluster

int main(int argc, char** argv) {
  using namespace o3lsm::cluster;
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "executor" && argc == 7) {
    return Executor(argv[2], static_cast<uint16_t>(atoi(argv[3])),
                    atoi(argv[4]), atoi(argv[5]), argv[6]);
  }
  if (cmd == "node" && argc == 6) {
    return Node(argv[2], argv[3], atoi(argv[4]), argv[5]);
  }
  fprintf(stderr,
          "usage: o3lsm_cluster_helper executor <uri> <node> <job-ms> "
          "<idle-ms> <log>\n"
          "       o3lsm_cluster_helper node <uri> <name> <period-ms> "
          "<id-file>\n");
  return 2;
}
