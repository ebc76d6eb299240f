// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Tool commands: sst (sst_tool.h) and manifest (manifest_tool.h). They read
// files directly and need no open database, so they also run as
// `o3lsm-cli sst ...` and `o3lsm-cli manifest ...` without opening one.

#include <charconv>
#include <string>

#include "lsm/version/filename.h"
#include "tools/cli/arguments.h"
#include "tools/cli/commands.h"
#include "tools/cli/manifest_tool.h"
#include "tools/cli/session.h"
#include "tools/cli/sst_tool.h"

namespace o3lsm::cli {

namespace {

Env* FileEnv(const Session& session) {
  Env* env = session.config().options.env;
  return env != nullptr ? env : Env::Default();
}

// FILE as typed, or, when no such file exists, the database's table file
// of that name or number ("7" or "000007.sst" means <db>/000007.sst).
std::string ResolveSstPath(const Session& session, const std::string& file) {
  Env* env = FileEnv(session);
  if (env->FileExists(file)) return file;
  const std::string& db = session.config().db_path;
  uint64_t number = 0;
  const char* end = file.data() + file.size();
  auto [ptr, ec] = std::from_chars(file.data(), end, number);
  if (!file.empty() && ec == std::errc() && ptr == end) {
    return TableFileName(db, number);
  }
  if (file.find('/') == std::string::npos && env->FileExists(db + "/" + file)) {
    return db + "/" + file;
  }
  return file;
}

Status Sst(Session* session, const ParsedCommand& c) {
  const std::string& action = c.args[0];
  if (action != "check" && action != "dump" && action != "props") {
    return Status::InvalidArgument("sst: unknown action '" + action +
                                   "' (want check, dump or props)");
  }
  const std::string file = ResolveSstPath(*session, c.args[1]);
  Env* env = FileEnv(*session);
  Console* console = session->console();
  if (action != "dump" && (c.args.size() > 2 || !c.flags.empty())) {
    return Status::InvalidArgument(
        "sst " + action + ": takes only FILE (usage: sst " + action + " FILE)");
  }
  if (action == "check") {
    std::string summary;
    Status s = CheckSst(env, file, &summary);
    if (s.ok()) console->Out(summary + "\n");
    return s;
  }
  if (action == "props") {
    std::string text;
    Status s = SstProperties(env, file, &text);
    if (s.ok()) console->Out(text);
    return s;
  }
  // dump [FROM] [TO]
  SstDumpOptions options;
  Status s = ParseKeyRange(*session, c, 2, &options.range);
  if (s.ok()) s = ParseLimit(c, &options.limit);
  if (!s.ok()) return s;
  options.key_hex = session->config().hex || c.Has("hex") || c.Has("key_hex");
  options.value_hex =
      session->config().hex || c.Has("hex") || c.Has("value_hex");
  return DumpSst(env, file, options, console);
}

Status Manifest(Session* session, const ParsedCommand& c) {
  const std::string path =
      c.args.empty() ? session->config().db_path : c.args[0];
  Env* env = FileEnv(*session);
  std::string manifest;
  uint64_t number = 0;
  Status s = ResolveManifest(env, path, &manifest, &number);
  if (!s.ok()) return s;
  return DumpManifest(env, manifest, number,
                      session->config().options.num_levels, session->console());
}

}  // namespace

void AddToolCommands(CommandRegistry* registry) {
  registry->Add(
      CommandSpec("sst", CommandGroup::kTools, "sst check|dump|props FILE",
                  "verify, dump or describe one SST file", Sst)
          .Describe(
              "check  reads every block, verifying checksums, key order and "
              "the properties\n"
              "dump   prints \"'key' seq:N, type:T => value\" (type 1 value, "
              "0 deletion);\n"
              "       dump FILE [FROM] [TO] takes a user-key range like scan\n"
              "props  prints the properties block\n"
              "FILE may be a path, or a file number or name in the --db "
              "directory.\n"
              "Also runs without a shell: o3lsm-cli sst dump FILE.")
          .Args(2, 4)
          .Flags(Concat(Concat(RangeFlags(), {LimitFlag()}), HexFlags()))
          .Example("sst dump 000007.sst --limit 20")
          .FirstArgWords({"check", "dump", "props"}));
  registry->Add(
      CommandSpec("manifest", CommandGroup::kTools, "manifest [FILE|DBDIR]",
                  "dump a MANIFEST's edits and the live files per level",
                  Manifest)
          .Args(0, 1)
          .Describe("Without an argument, the MANIFEST that the --db "
                    "directory's CURRENT names.\nAlso runs without a shell: "
                    "o3lsm-cli manifest DBDIR.")
          .Example("manifest ./o3lsm-data"));
}

}  // namespace o3lsm::cli
