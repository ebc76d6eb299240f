// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/session.h"

#include "tools/cli/bytes_format.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"
#include "tools/cli/interrupt.h"

namespace o3lsm::cli {

std::string ErrorText(const Status& status) {
  if (status.IsInvalidArgument() || status.IsNotFound()) {
    return std::string(status.message());
  }
  return status.ToString();
}

Status AddContext(const Status& status, const std::string& context) {
  const std::string msg = context + ": " + std::string(status.message());
  switch (status.code()) {
    case Status::Code::kOk:
      return status;
    case Status::Code::kNotFound:
      return Status::NotFound(msg);
    case Status::Code::kCorruption:
      return Status::Corruption(msg);
    case Status::Code::kNotSupported:
      return Status::NotSupported(msg);
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(msg);
    case Status::Code::kIOError:
      return Status::IOError(msg);
    case Status::Code::kBusy:
      return Status::Busy(msg);
    case Status::Code::kTimedOut:
      return Status::TimedOut(msg);
    case Status::Code::kUnavailable:
      return Status::Unavailable(msg);
    case Status::Code::kAborted:
      return Status::Aborted(msg);
    case Status::Code::kNoSpace:
      return Status::NoSpace(msg);
  }
  return Status::IOError(msg);
}

Session::Session(Console* console, SessionConfig config)
    : console_(console), config_(std::move(config)) {
  no_db_reason_ = "no database is open (use 'open PATH')";
}

Session::~Session() {
  if (db_ == nullptr) return;
  ReleaseSnapshots();
  Status s = db_->Close();
  if (!s.ok()) {
    console_->Error("closing " + config_.db_path + ": " + s.ToString());
  }
}

Status Session::Open(const std::string& path, const Options& options) {
  if (db_ != nullptr) {
    return Status::InvalidArgument("open: " + config_.db_path +
                                   " is open; 'close' it first");
  }
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, path, &db);
  if (!s.ok()) {
    no_db_reason_ = "no database is open (" + path +
                    " failed to open; 'open PATH' opens one)";
    // Engine errors usually name the directory already.
    const bool named = s.message().find(path) != std::string_view::npos;
    return AddContext(
        s, named ? "cannot open database" : "cannot open database " + path);
  }
  db_ = std::move(db);
  config_.db_path = path;
  config_.options = options;
  // The engine runs monolithic rather than not at all when the pool is
  // unreachable; say so, since the user asked for offloading.
  std::string dm;
  if (options.offload != 0 && !db_->GetProperty("o3lsm.segments", &dm)) {
    console_->Warning(
        "DM pool " +
        (options.dm_pool.empty() ? "(embedded)" : options.dm_pool) +
        " unavailable: running without offloading (the LOG file says why)");
  }
  return Status::OK();
}

void Session::ReleaseSnapshots() {
  for (const Snapshot* snapshot : snapshots_.TakeAll()) {
    db_->ReleaseSnapshot(snapshot);
  }
}

Status Session::Close() {
  if (db_ == nullptr)
    return Status::InvalidArgument("close: no database is open");
  if (batch_.open()) {
    return Status::InvalidArgument(
        "close: a batch is in progress ('end' writes it, 'abort' drops it)");
  }
  ReleaseSnapshots();
  Status s = db_->Close();
  db_.reset();
  no_db_reason_ = "no database is open (closed; use 'open PATH')";
  return s;
}

Status Session::RequireDb(DB** db) const {
  if (db_ == nullptr) return Status::InvalidArgument(no_db_reason_);
  *db = db_.get();
  return Status::OK();
}

bool Session::Execute(std::string_view statement) {
  std::vector<std::string> words;
  Status s = SplitCommandLine(statement, &words);
  if (!s.ok()) {
    console_->Error(ErrorText(s));
    return false;
  }
  if (words.empty()) return true;
  return ExecuteWords(words);
}

bool Session::ExecuteWords(const std::vector<std::string>& words) {
  if (words.empty()) return true;
  ParsedCommand command;
  Status s = BuiltinCommands().Parse(words, &command);
  if (s.ok()) {
    // A Ctrl-C stops the command it interrupts, not the next one.
    ClearInterrupt();
    s = command.spec->handler(this, command);
    ClearInterrupt();
  }
  if (!s.ok()) {
    console_->Error(ErrorText(s));
    return false;
  }
  return true;
}

bool Session::FinishInput() {
  if (!batch_.open()) return true;
  uint32_t dropped = 0;
  batch_.Abort(&dropped).PermitUncheckedError();
  console_->Error("input ended inside a batch: its " + std::to_string(dropped) +
                  " updates were not written (finish it with 'end')");
  return false;
}

std::string Session::Prompt() const {
  return batch_.open() ? "o3lsm(batch)> " : "o3lsm> ";
}

bool Session::KeyHex(const ParsedCommand& command) const {
  return config_.hex || command.Has("hex") || command.Has("key_hex");
}

bool Session::ValueHex(const ParsedCommand& command) const {
  return config_.hex || command.Has("hex") || command.Has("value_hex");
}

Status Session::ParseKey(const ParsedCommand& command, const std::string& text,
                         std::string* key) const {
  if (!KeyHex(command)) {
    *key = text;
    return Status::OK();
  }
  Status s = ParseHex(text, key);
  if (!s.ok()) {
    return Status::InvalidArgument(std::string(command.spec->name) +
                                   ": key: " + std::string(s.message()));
  }
  return s;
}

Status Session::ParseValue(const ParsedCommand& command,
                           const std::string& text, std::string* value) const {
  if (!ValueHex(command)) {
    *value = text;
    return Status::OK();
  }
  Status s = ParseHex(text, value);
  if (!s.ok()) {
    return Status::InvalidArgument(std::string(command.spec->name) +
                                   ": value: " + std::string(s.message()));
  }
  return s;
}

std::string Session::ShowKey(const ParsedCommand& command,
                             const Slice& key) const {
  return FormatBytes(key, KeyHex(command));
}

std::string Session::ShowValue(const ParsedCommand& command,
                               const Slice& value) const {
  return FormatBytes(value, ValueHex(command));
}

Status Session::ReadOptionsFor(const ParsedCommand& command,
                               ReadOptions* options) const {
  *options = ReadOptions();
  const std::string* id = command.Flag("snapshot");
  if (id == nullptr) return Status::OK();
  Status s = snapshots_.Find(*id, &options->snapshot);
  if (!s.ok()) {
    return Status::InvalidArgument(std::string(command.spec->name) + ": " +
                                   std::string(s.message()));
  }
  return s;
}

}  // namespace o3lsm::cli
