// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm-cli: a shell over an o3lsm database. Reads commands from standard
// input, one per line:
//   put KEY VALUE | get KEY | delete KEY | scan [FROM] [TO] | flush |
//   compact [FROM] [TO] | stats | help | quit
// With no --db it opens the embedded default database ./o3lsm-data.
// The exit status is 0 if every command succeeded, 1 otherwise.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "o3lsm/db.h"
#include "tools/cli/command_line.h"

namespace o3lsm::cli {
namespace {

constexpr const char* kHelp =
    "commands:\n"
    "  put KEY VALUE        store VALUE under KEY\n"
    "  get KEY              print KEY's value\n"
    "  delete KEY           erase KEY\n"
    "  scan [FROM] [TO]     print keys in [FROM, TO) with their values\n"
    "  flush                write the memtable to an SST file\n"
    "  compact [FROM] [TO]  compact the key range (all by default)\n"
    "  stats                print engine statistics\n"
    "  help                 this text\n"
    "  quit                 leave (also end of input)\n"
    "Quote words with blanks: put \"my key\" 'my value'.\n";

class Shell {
 public:
  explicit Shell(DB* db) : db_(db) {}

  // Runs one command line. Returns false when the shell should stop.
  bool Execute(const std::string& line, bool* ok) {
    std::vector<std::string> w;
    Status s = SplitCommandLine(line, &w);
    if (!s.ok()) {
      Fail(s.ToString());
      *ok = false;
      return true;
    }
    if (w.empty()) return true;
    const std::string& cmd = w[0];
    if (cmd == "quit" || cmd == "exit") return false;
    if (cmd == "help") {
      fputs(kHelp, stdout);
    } else if (cmd == "put" && w.size() == 3) {
      s = db_->Put(WriteOptions(), w[1], w[2]);
    } else if (cmd == "get" && w.size() == 2) {
      std::string value;
      s = db_->Get(ReadOptions(), w[1], &value);
      if (s.ok()) printf("%s\n", value.c_str());
      if (s.IsNotFound()) s = Status::NotFound("key '" + w[1] + "'");
    } else if (cmd == "delete" && w.size() == 2) {
      s = db_->Delete(WriteOptions(), w[1]);
    } else if (cmd == "scan" && w.size() <= 3) {
      auto it = db_->NewIterator(ReadOptions());
      if (w.size() >= 2) {
        it->Seek(w[1]);
      } else {
        it->SeekToFirst();
      }
      for (; it->Valid(); it->Next()) {
        if (w.size() == 3 && it->key().compare(w[2]) >= 0) break;
        printf("%s ==> %s\n", it->key().ToString().c_str(),
               it->value().ToString().c_str());
      }
      s = it->status();
    } else if (cmd == "flush" && w.size() == 1) {
      s = db_->Flush(FlushOptions());
    } else if (cmd == "compact" && w.size() <= 3) {
      Slice from = w.size() >= 2 ? Slice(w[1]) : Slice();
      Slice to = w.size() >= 3 ? Slice(w[2]) : Slice();
      s = db_->CompactRange(w.size() >= 2 ? &from : nullptr,
                            w.size() >= 3 ? &to : nullptr);
    } else if (cmd == "stats" && w.size() == 1) {
      std::string stats;
      db_->GetProperty("o3lsm.stats", &stats);
      fputs(stats.c_str(), stdout);
    } else {
      Fail("unknown command or wrong arguments: '" + line +
           "' (try 'help')");
      *ok = false;
      return true;
    }
    if (!s.ok()) {
      Fail(s.ToString());
      *ok = false;
    }
    return true;
  }

 private:
  static void Fail(const std::string& msg) {
    fflush(stdout);
    fprintf(stderr, "error: %s\n", msg.c_str());
  }

  DB* const db_;
};

int Main(int argc, char** argv) {
  CLI::App app{"o3lsm-cli: a shell over an o3lsm database"};
  std::string db_path = "./o3lsm-data";
  app.add_option("--db", db_path, "database directory (created if missing)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  Options options;
  options.create_if_missing = true;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, db_path, &db);
  if (!s.ok()) {
    fprintf(stderr, "error: cannot open %s: %s\n", db_path.c_str(),
            s.ToString().c_str());
    return 1;
  }
  const bool interactive = isatty(STDIN_FILENO);
  if (interactive) {
    printf("o3lsm-cli on %s — 'help' lists commands, 'quit' leaves.\n",
           db_path.c_str());
  }
  Shell shell(db.get());
  bool all_ok = true;
  std::string line;
  while (true) {
    if (interactive) {
      printf("o3lsm> ");
      fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    if (!shell.Execute(line, &all_ok)) break;
    fflush(stdout);
  }
  s = db->Close();
  if (!s.ok()) {
    fprintf(stderr, "error: closing %s: %s\n", db_path.c_str(),
            s.ToString().c_str());
    all_ok = false;
  }
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace o3lsm::cli

int main(int argc, char** argv) { return o3lsm::cli::Main(argc, argv); }
