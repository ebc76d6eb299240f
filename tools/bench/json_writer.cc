// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/json_writer.h"

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace o3lsm::bench {

std::string JsonWriter::Quote(std::string_view s) {
  std::string r = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        r += "\\\"";
        break;
      case '\\':
        r += "\\\\";
        break;
      case '\n':
        r += "\\n";
        break;
      case '\r':
        r += "\\r";
        break;
      case '\t':
        r += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          r += buf;
        } else {
          r += c;
        }
    }
  }
  r += '"';
  return r;
}

void JsonWriter::Indent() {
  out_ += '\n';
  out_.append(2 * has_element_.size(), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_element_.empty()) return;
  if (has_element_.back()) out_ += ',';
  has_element_.back() = true;
  Indent();
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  out_ += bracket;
  has_element_.push_back(false);
}

void JsonWriter::Close(char bracket) {
  const bool had = !has_element_.empty() && has_element_.back();
  if (!has_element_.empty()) has_element_.pop_back();
  if (had) Indent();
  out_ += bracket;
  if (has_element_.empty()) out_ += '\n';
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  out_ += Quote(key);
  out_ += ": ";
  after_key_ = true;
}

void JsonWriter::String(std::string_view s) {
  BeforeValue();
  out_ += Quote(s);
}

void JsonWriter::Double(double v) {
  BeforeValue();
  if (!std::isfinite(v)) {
    out_ += "null";
    return;
  }
  // Plain decimals for the magnitudes a benchmark produces (readers and
  // spreadsheets prefer 100000 to 1e+05); exponents only beyond them.
  const double mag = std::fabs(v);
  const auto format = (v == 0 || (mag >= 1e-6 && mag < 1e15))
                          ? std::chars_format::fixed
                          : std::chars_format::scientific;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, format);
  out_.append(buf, ec == std::errc() ? end : buf);
}

void JsonWriter::Int(int64_t v) {
  BeforeValue();
  out_ += std::to_string(v);
}

void JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  out_ += std::to_string(v);
}

void JsonWriter::Bool(bool v) {
  BeforeValue();
  out_ += v ? "true" : "false";
}

void JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
}

}  // namespace o3lsm::bench
