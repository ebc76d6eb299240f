// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Ctrl-C in the interactive shell: it stops the running command (a long
// scan, count or dump returns Aborted at its next entry) or discards the
// line being typed, and never ends the shell or leaves the database
// half-written (a command is stopped only between single reads).
//
// A flag alone would race with a blocking read: a SIGINT that lands just
// before read() is entered is seen only after the next key. So the handler
// also writes to a pipe (the self-pipe trick), which the line editor polls
// together with the terminal.
//
// Thread safety: call from the shell's thread; the handler only sets the
// flag and writes to the pipe (both async-signal-safe).

#ifndef O3LSM_TOOLS_CLI_INTERRUPT_H_
#define O3LSM_TOOLS_CLI_INTERRUPT_H_

namespace o3lsm::cli {

// Routes SIGINT to the flag and pipe below instead of ending the process.
// Call at most once.
void InstallInterruptHandler();

// True once SIGINT arrived since the last ClearInterrupt.
bool InterruptRequested();
void ClearInterrupt();

// Readable while an interrupt is pending; -1 before InstallInterruptHandler.
int InterruptWakeFd();

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_INTERRUPT_H_
