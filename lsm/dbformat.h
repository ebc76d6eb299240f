// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Internal keys: how the engine orders versions of a user key.
//
//   internal key = user key | fixed64( (sequence << 8) | value type )
//
// ordered by user key ascending (bytewise), then sequence descending, then
// type descending, so that a seek to (key, snapshot sequence) lands on the
// newest version visible in that snapshot. Stored in memtables, WAL-derived
// state, SST files and DM segments.

#ifndef O3LSM_LSM_DBFORMAT_H_
#define O3LSM_LSM_DBFORMAT_H_

#include <cstdint>
#include <string>

#include "o3lsm/slice.h"
#include "util/coding.h"

namespace o3lsm {

using SequenceNumber = uint64_t;

// Sequence numbers take 56 bits, leaving 8 for the type in a fixed64.
inline constexpr SequenceNumber kMaxSequenceNumber = (1ull << 56) - 1;

// Persisted in every internal key: DO NOT RENUMBER.
enum ValueType : unsigned char {
  kTypeDeletion = 0x0,
  kTypeValue = 0x1,
};

// Seeks use the largest type so that (key, seq, kValueTypeForSeek) sorts
// before every entry of key with sequence <= seq.
inline constexpr ValueType kValueTypeForSeek = kTypeValue;

inline uint64_t PackSequenceAndType(SequenceNumber seq, ValueType t) {
  return (seq << 8) | t;
}

struct ParsedInternalKey {
  Slice user_key;
  SequenceNumber sequence = 0;
  ValueType type = kTypeValue;

  ParsedInternalKey() = default;
  ParsedInternalKey(const Slice& u, SequenceNumber seq, ValueType t)
      : user_key(u), sequence(seq), type(t) {}
  std::string DebugString() const;
};

inline size_t InternalKeyEncodingLength(const ParsedInternalKey& key) {
  return key.user_key.size() + 8;
}

void AppendInternalKey(std::string* result, const ParsedInternalKey& key);

// s with non-printable bytes as \xNN, for debug strings and messages.
std::string EscapeForDebug(const Slice& s);

// False if internal_key is malformed (too short or an unknown type).
inline bool ParseInternalKey(const Slice& internal_key,
                             ParsedInternalKey* result) {
  const size_t n = internal_key.size();
  if (n < 8) return false;
  uint64_t num = DecodeFixed64(internal_key.data() + n - 8);
  unsigned char c = num & 0xff;
  result->sequence = num >> 8;
  result->type = static_cast<ValueType>(c);
  result->user_key = Slice(internal_key.data(), n - 8);
  return c <= static_cast<unsigned char>(kTypeValue);
}

// REQUIRES: internal_key.size() >= 8
inline Slice ExtractUserKey(const Slice& internal_key) {
  return Slice(internal_key.data(), internal_key.size() - 8);
}

inline uint64_t ExtractTag(const Slice& internal_key) {
  return DecodeFixed64(internal_key.data() + internal_key.size() - 8);
}

// Orders internal keys. Stateless; user keys compare bytewise.
class InternalKeyComparator {
 public:
  int Compare(const Slice& a, const Slice& b) const {
    int r = ExtractUserKey(a).compare(ExtractUserKey(b));
    if (r == 0) {
      const uint64_t anum = ExtractTag(a);
      const uint64_t bnum = ExtractTag(b);
      if (anum > bnum) {
        r = -1;
      } else if (anum < bnum) {
        r = +1;
      }
    }
    return r;
  }

  // Shortens *start to a key in [*start, limit) (index separators).
  void FindShortestSeparator(std::string* start, const Slice& limit) const;
  // Shortens *key to a key >= *key (the last index entry).
  void FindShortSuccessor(std::string* key) const;
};

// User-key helpers on bytewise order, used by the separators above and by
// shard boundaries.
void BytewiseShortestSeparator(std::string* start, const Slice& limit);
void BytewiseShortSuccessor(std::string* key);

// An owned internal key.
class InternalKey {
 public:
  InternalKey() = default;  // empty means invalid
  InternalKey(const Slice& user_key, SequenceNumber s, ValueType t) {
    AppendInternalKey(&rep_, ParsedInternalKey(user_key, s, t));
  }

  // False if s is not a well-formed internal key.
  bool DecodeFrom(const Slice& s) {
    rep_.assign(s.data(), s.size());
    ParsedInternalKey parsed;
    return ParseInternalKey(rep_, &parsed);
  }
  Slice Encode() const { return rep_; }
  Slice user_key() const { return ExtractUserKey(rep_); }
  bool Valid() const { return rep_.size() >= 8; }
  void SetFrom(const ParsedInternalKey& p) {
    rep_.clear();
    AppendInternalKey(&rep_, p);
  }
  void Clear() { rep_.clear(); }
  std::string DebugString() const;

 private:
  std::string rep_;
};

// A key for a point lookup: the user key plus the snapshot sequence, encoded
// both as an internal key and as a memtable key (varint32 length prefix).
class LookupKey {
 public:
  LookupKey(const Slice& user_key, SequenceNumber sequence);
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;
  ~LookupKey();

  // varint32 length, then the internal key.
  Slice memtable_key() const { return Slice(start_, end_ - start_); }
  Slice internal_key() const { return Slice(kstart_, end_ - kstart_); }
  Slice user_key() const { return Slice(kstart_, end_ - kstart_ - 8); }
  SequenceNumber sequence() const {
    return DecodeFixed64(end_ - 8) >> 8;
  }

  // Versions of the key with a sequence below this are deleted by a range
  // tombstone visible to the lookup; 0: none is. Set by the DB before the
  // lookup; every lookup deciding on an entry asks EntryType.
  SequenceNumber range_deleted_below() const { return range_deleted_below_; }
  void set_range_deleted_below(SequenceNumber s) { range_deleted_below_ = s; }
  // The type of the entry with this tag as the lookup sees it: its own, or
  // kTypeDeletion if a range tombstone hides it.
  ValueType EntryType(uint64_t tag) const {
    return (tag >> 8) < range_deleted_below_ ? kTypeDeletion
                                             : static_cast<ValueType>(tag & 0xff);
  }

 private:
  SequenceNumber range_deleted_below_ = 0;
  const char* start_;
  const char* kstart_;
  const char* end_;
  char space_[200];  // avoids an allocation for short keys
};

inline LookupKey::~LookupKey() {
  if (start_ != space_) delete[] start_;
}

}  // namespace o3lsm

#endif  // O3LSM_LSM_DBFORMAT_H_
