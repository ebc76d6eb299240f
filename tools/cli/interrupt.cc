// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/interrupt.h"

#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace o3lsm::cli {

namespace {

volatile std::sig_atomic_t interrupted = 0;
int wake_read = -1;
int wake_write = -1;

void OnInterrupt(int) {
  interrupted = 1;
  if (wake_write >= 0) {
    const char byte = 1;
    // Non-blocking: a full pipe already says "interrupted".
    [[maybe_unused]] ssize_t n = write(wake_write, &byte, 1);
  }
}

}  // namespace

void InstallInterruptHandler() {
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
    wake_read = fds[0];
    wake_write = fds[1];
  }
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
  sigaction(SIGINT, &action, nullptr);
}

bool InterruptRequested() { return interrupted != 0; }

void ClearInterrupt() {
  interrupted = 0;
  if (wake_read < 0) return;
  char buf[64];
  while (read(wake_read, buf, sizeof(buf)) > 0) {
  }
}

int InterruptWakeFd() { return wake_read; }

}  // namespace o3lsm::cli
