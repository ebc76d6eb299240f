// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tests/cli/cli_test_util.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char** environ;

namespace o3lsm::test {

namespace {

// argv for execve: the binary, then args. The strings must outlive it.
std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(O3LSM_CLI_BIN));
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

// The test's environment with extra ("NAME=value") added or replacing.
std::vector<std::string> Environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; e++) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const std::string& x : extra) {
      if (x.compare(0, name.size() + 1, name + "=") == 0) overridden = true;
    }
    if (!overridden) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (std::string& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

int ExitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

CliResult RunCli(const CliRun& run) {
  CliResult result;
  // A shell that exits before reading all its input must not kill the test.
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
      pipe2(err, O_CLOEXEC) != 0) {
    return result;
  }
  std::vector<std::string> env = Environment(run.env);
  std::vector<char*> envp = Pointers(env);
  std::vector<char*> argv = Argv(run.args);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    if (!run.cwd.empty() && chdir(run.cwd.c_str()) != 0) _exit(126);
    execve(O3LSM_CLI_BIN, argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return result;
  }
  size_t written = 0;
  int in_fd = in[1];
  if (run.input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  bool out_open = true, err_open = true;
  char buf[4096];
  while (out_open || err_open) {
    pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                     {err_open ? err[0] : -1, POLLIN, 0},
                     {in_fd, POLLOUT, 0}};
    if (poll(fds, 3, 30000) <= 0) break;  // a hung shell fails the test
    if (fds[2].revents != 0) {
      const ssize_t n =
          write(in_fd, run.input.data() + written, run.input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 || written == run.input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCode(status);
  return result;
}

CliResult RunCliOn(const std::string& db, const std::string& input,
                   std::vector<std::string> extra_args) {
  CliRun run;
  run.args = {"--db", db};
  run.args.insert(run.args.end(), extra_args.begin(), extra_args.end());
  run.input = input;
  return RunCli(run);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

PtyShell::PtyShell(const std::vector<std::string>& args,
                   const std::vector<std::string>& env_extra) {
  std::vector<std::string> env_strings = Environment(env_extra);
  env_strings.push_back("TERM=xterm");
  std::vector<char*> envp = Pointers(env_strings);
  std::vector<char*> argv = Argv(args);
  winsize size = {};
  size.ws_row = 24;
  size.ws_col = 80;
  pid_ = forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ == 0) {
    execve(O3LSM_CLI_BIN, argv.data(), envp.data());
    _exit(127);
  }
}

PtyShell::~PtyShell() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (master_ >= 0) close(master_);
}

void PtyShell::Send(const std::string& keys) {
  size_t done = 0;
  while (done < keys.size()) {
    const ssize_t n = write(master_, keys.data() + done, keys.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

bool PtyShell::ReadSome(int timeout_ms) {
  pollfd fd = {master_, POLLIN, 0};
  const int ready = poll(&fd, 1, timeout_ms);
  if (ready <= 0) return ready == 0;  // timeout: nothing yet, not the end
  char buf[4096];
  const ssize_t n = read(master_, buf, sizeof(buf));
  if (n <= 0) return false;  // EIO once the shell exited
  output_.append(buf, static_cast<size_t>(n));
  return true;
}

bool PtyShell::Expect(const std::string& text, int timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const size_t at = output_.find(text, matched_);
    if (at != std::string::npos) {
      matched_ = at + text.size();
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (!ReadSome(static_cast<int>(std::min<int64_t>(left.count(), 100)))) {
      return output_.find(text, matched_) != std::string::npos;
    }
  }
}

int PtyShell::Wait() {
  if (pid_ <= 0) return -1;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return ExitCode(status);
    }
    // Keep draining, so that the shell never blocks on a full terminal.
    if (!ReadSome(20)) usleep(10000);
  }
  return -1;
}

}  // namespace o3lsm::test
