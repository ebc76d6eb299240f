// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/line_source.h"

namespace o3lsm::cli {

bool StreamLineSource::Next(const std::string&, std::string* line) {
  line->clear();
  int c;
  bool any = false;
  while ((c = getc(file_)) != EOF) {
    any = true;
    if (c == '\n') break;
    line->push_back(static_cast<char>(c));
  }
  if (!any) return false;
  // Scripts written on Windows end lines in \r\n.
  if (!line->empty() && line->back() == '\r') line->pop_back();
  line_number_++;
  return true;
}

std::string StreamLineSource::Location() const {
  if (name_.empty()) return "";
  return name_ + ":" + std::to_string(line_number_) + ": ";
}

TextLineSource::TextLineSource(const std::string& text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines_.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

bool TextLineSource::Next(const std::string&, std::string* line) {
  if (next_ >= lines_.size()) return false;
  *line = lines_[next_++];
  return true;
}

}  // namespace o3lsm::cli
