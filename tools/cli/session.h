// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A Session is one run of the shell: the open database (or none, after a
// failed open on a terminal), the snapshots taken, the batch being
// gathered, and the hex mode. Execute runs one statement through the
// command table (commands.h): it prints the results on the console and, if
// the command fails, exactly one error line; either way the session stays
// usable, and the database is left as the successful commands made it.
//
// Command handlers reach the state through the accessors below.
//
// Thread safety: not thread-safe; one shell thread drives a session.
// Ownership: the console must outlive the session. The session owns the DB
// and closes it (releasing its snapshots first) in Close or its destructor.

#ifndef O3LSM_TOOLS_CLI_SESSION_H_
#define O3LSM_TOOLS_CLI_SESSION_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/options.h"
#include "o3lsm/status.h"

#include "tools/cli/command_registry.h"
#include "tools/cli/console.h"
#include "tools/cli/pending_batch.h"
#include "tools/cli/snapshot_table.h"

namespace o3lsm::cli {

// What the shell was started with; `config` prints it.
struct SessionConfig {
  // The database directory. Default: the embedded default ./o3lsm-data.
  std::string db_path = "./o3lsm-data";
  // Given to DB::Open. The shell's default creates a missing database.
  Options options;
  // Used by put, delete and end.
  WriteOptions write_options;
  // Keys and values are shown and parsed as hex. Default: false.
  bool hex = false;
  // What the command line said about disaggregated memory (--offload,
  // --fabric, --cluster); empty: not given. AttachMemoryPool (cli_flags.h)
  // turns them into options.offload and options.dm_pool.
  std::string offload;
  std::string fabric_uri;
  std::string cluster_file;
  std::string dm_read_mode;  // --dm_read_mode; empty: the default

  SessionConfig() { options.create_if_missing = true; }
};

class Session {
 public:
  Session(Console* console, SessionConfig config);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Opens the database at path with options and makes it the session's.
  // REQUIRES (else InvalidArgument): no database is open.
  [[nodiscard]] Status Open(const std::string& path, const Options& options);
  // Opens config().db_path with config().options.
  [[nodiscard]] Status Open() { return Open(config_.db_path, config_.options); }
  // Releases the session's snapshots and closes the database.
  // REQUIRES (else InvalidArgument): a database is open, no batch is open.
  [[nodiscard]] Status Close();

  // Splits and runs one statement (see command_line.h). Returns whether it
  // succeeded; blank and comment lines succeed.
  bool Execute(std::string_view statement);
  // Runs an already split command; words[0] is the command name.
  bool ExecuteWords(const std::vector<std::string>& words);

  // Called when the input ends: an open batch is dropped, with an error
  // line. Returns false if that happened.
  bool FinishInput();

  bool quit_requested() const { return quit_requested_; }
  // "o3lsm> ", or "o3lsm(batch)> " while a batch is open.
  std::string Prompt() const;

  // ---- For command handlers ----

  Console* console() const { return console_; }
  // The configuration, with db_path and options of the open database.
  const SessionConfig& config() const { return config_; }
  // The open database, or InvalidArgument saying why there is none.
  [[nodiscard]] Status RequireDb(DB** db) const;
  bool has_db() const { return db_ != nullptr; }
  PendingBatch* batch() { return &batch_; }
  SnapshotTable* snapshots() { return &snapshots_; }
  void set_hex(bool hex) { config_.hex = hex; }
  void RequestQuit() { quit_requested_ = true; }

  // Decode a key or value typed in command, honoring the session's hex
  // mode and the command's --hex, --key_hex and --value_hex.
  [[nodiscard]] Status ParseKey(const ParsedCommand& command,
                                const std::string& text,
                                std::string* key) const;
  [[nodiscard]] Status ParseValue(const ParsedCommand& command,
                                  const std::string& text,
                                  std::string* value) const;
  // Format a key or value for printing, with the same rules.
  std::string ShowKey(const ParsedCommand& command, const Slice& key) const;
  std::string ShowValue(const ParsedCommand& command, const Slice& value) const;
  // ReadOptions with the snapshot named by --snapshot, if given.
  [[nodiscard]] Status ReadOptionsFor(const ParsedCommand& command,
                                      ReadOptions* options) const;

 private:
  bool KeyHex(const ParsedCommand& command) const;
  bool ValueHex(const ParsedCommand& command) const;
  void ReleaseSnapshots();

  Console* const console_;
  SessionConfig config_;
  std::unique_ptr<DB> db_;
  // Why no database is open (the failed Open), for RequireDb's message.
  std::string no_db_reason_;
  PendingBatch batch_;
  SnapshotTable snapshots_;
  bool quit_requested_ = false;
};

// The message printed after "error: " for a failed command: the message
// alone for bad input and missing keys or files (InvalidArgument, NotFound:
// the message says it all), the code and message ("Corruption:
// /db/000007.sst: ...") otherwise.
std::string ErrorText(const Status& status);

// status with context prefixed to its message, code kept:
// AddContext(Busy("/db/LOCK: locked"), "cannot open /db") is
// Busy("cannot open /db: /db/LOCK: locked").
Status AddContext(const Status& status, const std::string& context);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_SESSION_H_
