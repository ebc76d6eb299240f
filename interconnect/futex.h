// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Sleeping on a word of a shared mapping (Linux futex, not the private
// variant): a waiter in one process is woken by a Wake in another process
// that maps the same file or memfd. The kernel compares 32 bits; callers
// pass the low half of the 8-byte DM word they watch.
//
// Thread safety: system calls; safe from any thread.

#ifndef O3LSM_INTERCONNECT_FUTEX_H_
#define O3LSM_INTERCONNECT_FUTEX_H_

#include <cstdint>

namespace o3lsm::fabric {

// Sleeps while *word == expected, at most timeout_ns. Returns early on a
// wake-up, a signal, or when *word differs already; callers re-check.
void FutexWait(const uint32_t* word, uint32_t expected, uint64_t timeout_ns);
// Wakes every waiter on word.
void FutexWakeAll(const uint32_t* word);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_FUTEX_H_
