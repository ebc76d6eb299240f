// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Data commands: put, get, delete, deleterange, scan, count, batch/end/abort,
// snapshot/release. Writes print nothing on success (like a Unix tool),
// so that `printf 'put a 1\nget a\n' | o3lsm-cli` prints exactly "1".

#include <cstdint>
#include <string>

#include "o3lsm/db.h"

#include "tools/cli/arguments.h"
#include "tools/cli/commands.h"
#include "tools/cli/interrupt.h"
#include "tools/cli/session.h"

namespace o3lsm::cli {

namespace {

// Output is handed to the console in chunks of this size, so that a scan
// of a large database neither builds one huge string nor calls the console
// per entry.
constexpr size_t kOutputChunk = 64 << 10;

Status Put(Session* session, const ParsedCommand& c) {
  std::string key, value;
  Status s = session->ParseKey(c, c.args[0], &key);
  if (s.ok()) s = session->ParseValue(c, c.args[1], &value);
  if (!s.ok()) return s;
  if (session->batch()->open()) return session->batch()->Put(key, value);
  DB* db = nullptr;
  s = session->RequireDb(&db);
  if (!s.ok()) return s;
  return db->Put(session->config().write_options, key, value);
}

Status Get(Session* session, const ParsedCommand& c) {
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  std::string key;
  if (s.ok()) s = session->ParseKey(c, c.args[0], &key);
  ReadOptions options;
  if (s.ok()) s = session->ReadOptionsFor(c, &options);
  if (!s.ok()) return s;
  std::string value;
  s = db->Get(options, key, &value);
  if (s.IsNotFound()) {
    return Status::NotFound("key '" + session->ShowKey(c, key) + "' not found");
  }
  if (!s.ok()) return s;
  session->console()->Out(session->ShowValue(c, value) + "\n");
  return Status::OK();
}

Status Delete(Session* session, const ParsedCommand& c) {
  std::string key;
  Status s = session->ParseKey(c, c.args[0], &key);
  if (!s.ok()) return s;
  if (session->batch()->open()) return session->batch()->Delete(key);
  DB* db = nullptr;
  s = session->RequireDb(&db);
  if (!s.ok()) return s;
  return db->Delete(session->config().write_options, key);
}

Status DeleteRange(Session* session, const ParsedCommand& c) {
  std::string begin, end;
  Status s = session->ParseKey(c, c.args[0], &begin);
  if (s.ok()) s = session->ParseKey(c, c.args[1], &end);
  if (!s.ok()) return s;
  if (Slice(end).compare(begin) < 0) {
    return Status::InvalidArgument("deleterange: TO '" +
                                   session->ShowKey(c, end) +
                                   "' is before FROM '" +
                                   session->ShowKey(c, begin) + "'");
  }
  if (session->batch()->open()) return session->batch()->DeleteRange(begin, end);
  DB* db = nullptr;
  s = session->RequireDb(&db);
  if (!s.ok()) return s;
  return db->DeleteRange(session->config().write_options, begin, end);
}

// Walks c's key range as of its --snapshot, calling visit on each entry,
// until the range ends, limit entries were seen or Ctrl-C. *visited counts
// the entries visited.
template <typename Visit>
Status WalkRange(Session* session, const ParsedCommand& c, uint64_t limit,
                 Visit visit, uint64_t* visited) {
  *visited = 0;
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  KeyRange range;
  if (s.ok()) s = ParseKeyRange(*session, c, 0, &range);
  ReadOptions options;
  if (s.ok()) s = session->ReadOptionsFor(c, &options);
  if (!s.ok()) return s;
  // Long scans should not push everything else out of the block cache.
  options.fill_cache = false;
  // The range's end bounds the iterator too: nothing past it is read.
  Slice upper;
  if (range.has_to) {
    upper = range.to;
    options.iterate_upper_bound = &upper;
  }
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  if (range.has_from) {
    it->Seek(range.from);
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid() && *visited < limit; it->Next()) {
    if (range.has_to && it->key().compare(range.to) >= 0) break;
    if (InterruptRequested()) {
      return Status::Aborted(std::string(c.spec->name) + " interrupted after " +
                             std::to_string(*visited) + " entries");
    }
    visit(it->key(), it->value());
    ++*visited;
  }
  return it->status();
}

Status Scan(Session* session, const ParsedCommand& c) {
  uint64_t limit = 0;
  Status s = ParseLimit(c, &limit);
  if (!s.ok()) return s;
  std::string out;
  uint64_t visited = 0;
  s = WalkRange(
      session, c, limit,
      [&](const Slice& key, const Slice& value) {
        out += session->ShowKey(c, key);
        out += " ==> ";
        out += session->ShowValue(c, value);
        out += "\n";
        if (out.size() >= kOutputChunk) {
          session->console()->Out(out);
          out.clear();
        }
      },
      &visited);
  session->console()->Out(out);
  return s;
}

Status Count(Session* session, const ParsedCommand& c) {
  uint64_t visited = 0;
  Status s = WalkRange(
      session, c, UINT64_MAX, [](const Slice&, const Slice&) {}, &visited);
  if (s.ok()) session->console()->Out(std::to_string(visited) + "\n");
  return s;
}

Status Batch(Session* session, const ParsedCommand&) {
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  if (!s.ok()) return s;
  return session->batch()->Begin();
}

Status End(Session* session, const ParsedCommand&) {
  WriteBatch batch;
  Status s = session->batch()->Commit(&batch);
  if (!s.ok() || batch.Count() == 0) return s;
  DB* db = nullptr;
  s = session->RequireDb(&db);
  if (!s.ok()) return s;
  s = db->Write(session->config().write_options, &batch);
  if (!s.ok()) {
    return AddContext(s, "end: the batch of " + std::to_string(batch.Count()) +
                             " updates was not written");
  }
  return s;
}

Status Abort(Session* session, const ParsedCommand&) {
  uint32_t dropped = 0;
  return session->batch()->Abort(&dropped);
}

Status TakeSnapshot(Session* session, const ParsedCommand&) {
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  if (!s.ok()) return s;
  const uint64_t id = session->snapshots()->Add(db->GetSnapshot());
  session->console()->Out(std::to_string(id) + "\n");
  return Status::OK();
}

Status Release(Session* session, const ParsedCommand& c) {
  DB* db = nullptr;
  Status s = session->RequireDb(&db);
  const Snapshot* snapshot = nullptr;
  if (s.ok()) s = session->snapshots()->Remove(c.args[0], &snapshot);
  if (!s.ok()) return AddContext(s, "release");
  db->ReleaseSnapshot(snapshot);
  return Status::OK();
}

}  // namespace

void AddDataCommands(CommandRegistry* registry) {
  registry->Add(
      CommandSpec("put", CommandGroup::kData, "put KEY VALUE",
                  "store VALUE under KEY", Put)
          .Args(2, 2)
          .Flags(HexFlags())
          .Describe("Inside 'batch' ... 'end' the update joins the batch "
                    "instead.")
          .Example("put user:1 \"Ada Lovelace\""));
  registry->Add(
      CommandSpec("get", CommandGroup::kData, "get KEY", "print KEY's value",
                  Get)
          .Args(1, 1)
          .Flags(Concat({SnapshotFlag()}, HexFlags()))
          .Describe("A missing key is an error (\"key 'k' not found\"), so "
                    "that scripts can test for it.")
          .Example("get user:1 --snapshot 1"));
  registry->Add(
      CommandSpec("delete", CommandGroup::kData, "delete KEY",
                  "erase KEY (not an error if it is missing)", Delete)
          .Args(1, 1)
          .Flags(KeyHexFlags())
          .Describe("Inside 'batch' ... 'end' the deletion joins the batch "
                    "instead.")
          .Example("delete user:1")
          .Aliases({"del"}));
  registry->Add(
      CommandSpec("deleterange", CommandGroup::kData, "deleterange FROM TO",
                  "erase every key in [FROM, TO) with one range tombstone",
                  DeleteRange)
          .Args(2, 2)
          .Flags(KeyHexFlags())
          .Describe("However many keys the range holds, one update: reads "
                    "stop seeing them at once\nand compactions drop them. "
                    "Inside 'batch' ... 'end' it joins the batch instead.")
          .Example("deleterange user: user~"));
  registry->Add(
      CommandSpec("scan", CommandGroup::kData, "scan [FROM] [TO]",
                  "print the entries in [FROM, TO) as 'key ==> value'", Scan)
          .Args(0, 2)
          .Flags(Concat(
              Concat(Concat(RangeFlags(), {LimitFlag()}), {SnapshotFlag()}),
              HexFlags()))
          .Describe("Without bounds, the whole database in key order.")
          .Example("scan user: user~ --limit 10"));
  registry->Add(
      CommandSpec("count", CommandGroup::kData, "count [FROM] [TO]",
                  "count the keys in [FROM, TO)", Count)
          .Args(0, 2)
          .Flags(Concat(Concat(RangeFlags(), {SnapshotFlag()}), KeyHexFlags()))
          .Example("count a b"));
  registry->Add(
      CommandSpec("batch", CommandGroup::kData, "batch",
                  "start gathering put/delete into one atomic write", Batch)
          .Describe(
              "Until 'end', put and delete are gathered instead of applied; "
              "'end' writes them\nwith one atomic WriteBatch, 'abort' drops "
              "them. Other commands run as usual\n(reads do not see the "
              "gathered updates). If the input ends first, nothing is\n"
              "written and the shell exits with status 1.")
          .Example("batch; put a 1; put b 2; delete c; end")
          .Aliases({"begin"}));
  registry->Add(CommandSpec("end", CommandGroup::kData, "end",
                            "write the batch atomically", End)
                    .Args(0, 0)
                    .Example("end")
                    .Aliases({"commit"}));
  registry->Add(CommandSpec("abort", CommandGroup::kData, "abort",
                            "drop the batch", Abort)
                    .Args(0, 0)
                    .Example("abort")
                    .Aliases({"rollback"}));
  registry->Add(
      CommandSpec("snapshot", CommandGroup::kData, "snapshot",
                  "take a snapshot and print its ID", TakeSnapshot)
          .Args(0, 0)
          .Describe("Read at it with 'get KEY --snapshot ID' or 'scan "
                    "--snapshot ID'; 'release ID'\nfrees it.")
          .Example("snapshot"));
  registry->Add(CommandSpec("release", CommandGroup::kData, "release ID",
                            "release snapshot ID", Release)
                    .Args(1, 1)
                    .Example("release 1"));
}

}  // namespace o3lsm::cli
