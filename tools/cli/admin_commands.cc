// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Admin commands: flush, compact, stats, property, config, hex, open,
// close, help, quit.

#include <string>

#include "o3lsm/db.h"

#include "tools/cli/arguments.h"
#include "tools/cli/commands.h"
#include "tools/cli/config_text.h"
#include "tools/cli/session.h"

namespace o3lsm::cli {

namespace {

Status Flush(Session* session, const ParsedCommand&) {
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  if (!s.ok()) return s;
  return db->Flush(FlushOptions());
}

Status Compact(Session* session, const ParsedCommand& c) {
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  KeyRange range;
  if (s.ok()) s = ParseKeyRange(*session, c, 0, &range);
  if (!s.ok()) return s;
  const Slice from(range.from);
  const Slice to(range.to);
  return db->CompactRange(range.has_from ? &from : nullptr,
                          range.has_to ? &to : nullptr);
}

// Prints property name, which the engine must know.
Status PrintProperty(Session* session, const std::string& name) {
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  if (!s.ok()) return s;
  std::string value;
  if (!db->GetProperty(name, &value)) {
    return Status::InvalidArgument("unknown property '" + name + "'");
  }
  if (value.empty() || value.back() != '\n') value += "\n";
  session->console()->Out(value);
  return Status::OK();
}

Status Stats(Session* session, const ParsedCommand&) {
  return PrintProperty(session, "o3lsm.stats");
}

Status Property(Session* session, const ParsedCommand& c) {
  return PrintProperty(session, c.args[0]);
}

Status Config(Session* session, const ParsedCommand&) {
  session->console()->Out(ConfigText(session->config(), session->has_db()));
  return Status::OK();
}

Status Hex(Session* session, const ParsedCommand& c) {
  if (!c.args.empty()) {
    const std::string& mode = c.args[0];
    if (mode == "on") {
      session->set_hex(true);
    } else if (mode == "off") {
      session->set_hex(false);
    } else {
      return Status::InvalidArgument("hex: want 'on' or 'off', not '" + mode +
                                     "'");
    }
    return Status::OK();
  }
  session->console()->Out(session->config().hex ? "hex: on\n" : "hex: off\n");
  return Status::OK();
}

Status Open(Session* session, const ParsedCommand& c) {
  const std::string path =
      c.args.empty() ? session->config().db_path : c.args[0];
  Options options = session->config().options;
  options.create_if_missing = !c.Has("no-create");
  return session->Open(path, options);
}

Status Close(Session* session, const ParsedCommand&) {
  return session->Close();
}

Status Help(Session* session, const ParsedCommand& c) {
  const CommandRegistry& registry = BuiltinCommands();
  if (c.args.empty()) {
    session->console()->Out(registry.HelpText());
    return Status::OK();
  }
  std::string text;
  Status s = registry.HelpFor(c.args[0], &text);
  if (s.ok()) session->console()->Out(text);
  return s;
}

Status Quit(Session* session, const ParsedCommand&) {
  session->RequestQuit();
  return Status::OK();
}

}  // namespace

void AddAdminCommands(CommandRegistry* registry) {
  registry->Add(CommandSpec("flush", CommandGroup::kAdmin, "flush",
                            "write the memtables to SST files and wait", Flush)
                    .Example("flush"));
  registry->Add(
      CommandSpec("compact", CommandGroup::kAdmin, "compact [FROM] [TO]",
                  "compact [FROM, TO] (both included) down the levels", Compact)
          .Args(0, 2)
          .Flags(Concat(RangeFlags(), KeyHexFlags()))
          .Describe("Drops deleted and overwritten data in the range; "
                    "without bounds, everything.\nWaits until done.")
          .Example("compact a m"));
  registry->Add(CommandSpec("stats", CommandGroup::kAdmin, "stats",
                            "print engine statistics (property o3lsm.stats)",
                            Stats)
                    .Example("stats"));
  registry->Add(
      CommandSpec("property", CommandGroup::kAdmin, "property NAME",
                  "print a DB property", Property)
          .Describe(
              "Names (include/o3lsm/db.h): o3lsm.stats, o3lsm.sstables,\n"
              "o3lsm.num-files-at-level<N>, o3lsm.level-bytes<N>, "
              "o3lsm.last-sequence,\no3lsm.num-immutable-memtables, "
              "o3lsm.compaction-pending,\no3lsm.num-running-flushes, "
              "o3lsm.num-running-compactions,\no3lsm.approximate-memory-usage.")
          .Args(1, 1)
          .Example("property o3lsm.num-files-at-level0")
          .FirstArgWords(
              {"o3lsm.stats", "o3lsm.sstables", "o3lsm.num-files-at-level0",
               "o3lsm.level-bytes0", "o3lsm.last-sequence",
               "o3lsm.num-immutable-memtables", "o3lsm.compaction-pending",
               "o3lsm.num-running-flushes", "o3lsm.num-running-compactions",
               "o3lsm.approximate-memory-usage"}));
  registry->Add(
      CommandSpec("config", CommandGroup::kAdmin, "config",
                  "print the shell settings and the database's Options", Config)
          .Example("config"));
  registry->Add(
      CommandSpec("hex", CommandGroup::kAdmin, "hex [on|off]",
                  "show and parse keys and values as hex (like --hex)", Hex)
          .Args(0, 1)
          .Describe("Without an argument, prints the current mode.")
          .Example("hex on")
          .FirstArgWords({"on", "off"}));
  registry->Add(
      CommandSpec("open", CommandGroup::kAdmin, "open [PATH]",
                  "open a database (default: the --db path again)", Open)
          .Args(0, 1)
          .Flags({{"no-create", "", "fail if the database does not exist"}})
          .Describe("Uses the options the shell was started with. Fails if "
                    "one is open: 'close' it first.")
          .Example("open /tmp/otherdb --no-create"));
  registry->Add(CommandSpec("close", CommandGroup::kAdmin, "close",
                            "close the database (releases its snapshots)",
                            Close)
                    .Example("close"));
  registry->Add(CommandSpec("help", CommandGroup::kAdmin, "help [CMD]",
                            "list the commands, or explain one", Help)
                    .Args(0, 1)
                    .Example("help scan")
                    .Aliases({"?"}));
  registry->Add(CommandSpec("quit", CommandGroup::kAdmin, "quit",
                            "leave the shell (so does end of input, Ctrl-D)",
                            Quit)
                    .Example("quit")
                    .Aliases({"exit"}));
}

}  // namespace o3lsm::cli
