// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/futex.h"

#include <climits>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace o3lsm::fabric {

void FutexWait(const uint32_t* word, uint32_t expected, uint64_t timeout_ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000u);
  ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000u);
  // FUTEX_WAIT without FUTEX_PRIVATE_FLAG: keyed on the shared page, so it
  // works across processes. The timeout is relative.
  syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void FutexWakeAll(const uint32_t* word) {
  syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace o3lsm::fabric
