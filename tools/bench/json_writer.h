// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// JsonWriter builds an indented JSON document in memory for --json. It
// escapes strings (control characters as \u00XX), writes non-finite
// numbers as null (JSON has no NaN), and places commas itself; the caller
// only has to nest Begin/End calls correctly and put a Key before every
// value inside an object.
//
// Thread safety: not thread-safe.

#ifndef O3LSM_TOOLS_BENCH_JSON_WRITER_H_
#define O3LSM_TOOLS_BENCH_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace o3lsm::bench {

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // REQUIRES: inside an object, before each value.
  void Key(std::string_view key);

  void String(std::string_view s);
  void Double(double v);
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Bool(bool v);
  void Null();

  // The document so far; complete once every Begin has its End.
  const std::string& str() const { return out_; }

  // s as a quoted, escaped JSON string.
  static std::string Quote(std::string_view s);

 private:
  void Open(char bracket);
  void Close(char bracket);
  // Comma and newline before a value or key, unless it follows a key.
  void BeforeValue();
  void Indent();

  std::string out_;
  // Per open container: whether it holds an element yet.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_JSON_WRITER_H_
