// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "python/open_options.h"

#include <cstdint>
#include <limits>
#include <type_traits>

#include "python/status_error.h"

namespace o3lsm::python {

namespace {

[[noreturn]] void ThrowWrongType(const char* name, const char* expected,
                                 py::handle value) {
  throw py::type_error(std::string("option ") + name + " must be " + expected +
                       ", not " + Py_TYPE(value.ptr())->tp_name);
}

[[noreturn]] void ThrowOverflow(const char* name, py::handle value) {
  PyErr_Format(PyExc_OverflowError, "option %s=%R is out of range", name,
               value.ptr());
  throw py::error_already_set();
}

// value as a T (bool, an integer type, double or std::string), or a
// TypeError / OverflowError naming the option.
template <typename T>
T CastValue(const char* name, py::handle value) {
  PyObject* v = value.ptr();
  if constexpr (std::is_same_v<T, bool>) {
    // Only True and False: 0 and 1 are most likely a misplaced size.
    if (!PyBool_Check(v)) ThrowWrongType(name, "a bool", value);
    return v == Py_True;
  } else if constexpr (std::is_integral_v<T>) {
    if (!PyLong_Check(v) || PyBool_Check(v)) {
      ThrowWrongType(name, "an int", value);
    }
    int overflow = 0;
    const long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow > 0 && std::is_unsigned_v<T>) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(v);
      if (PyErr_Occurred() != nullptr) {
        PyErr_Clear();
        ThrowOverflow(name, value);
      }
      if (u > std::numeric_limits<T>::max()) ThrowOverflow(name, value);
      return static_cast<T>(u);
    }
    if (overflow != 0) ThrowOverflow(name, value);
    if constexpr (std::is_signed_v<T>) {
      if (x < std::numeric_limits<T>::min() ||
          x > std::numeric_limits<T>::max()) {
        ThrowOverflow(name, value);
      }
    } else {
      if (x < 0 ||
          static_cast<unsigned long long>(x) > std::numeric_limits<T>::max()) {
        ThrowOverflow(name, value);
      }
    }
    return static_cast<T>(x);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!(PyFloat_Check(v) || PyLong_Check(v)) || PyBool_Check(v)) {
      ThrowWrongType(name, "a number", value);
    }
    return static_cast<T>(PyFloat_AsDouble(v));
  } else {
    static_assert(std::is_same_v<T, std::string>);
    if (!PyUnicode_Check(v)) ThrowWrongType(name, "a str", value);
    return value.cast<std::string>();
  }
}

using Setter = void (*)(const char* name, py::handle value, OpenRequest* r);

// An Options field set from the value of its Python type.
template <auto kField>
void SetOption(const char* name, py::handle value, OpenRequest* r) {
  auto& field = r->options.*kField;
  field = CastValue<std::remove_reference_t<decltype(field)>>(name, value);
}

// A field of OpenRequest itself (how to open, not what).
template <auto kField>
void SetRequest(const char* name, py::handle value, OpenRequest* r) {
  auto& field = r->*kField;
  field = CastValue<std::remove_reference_t<decltype(field)>>(name, value);
}

// The fields that take words.
void SetCompression(const char* name, py::handle value, OpenRequest* r) {
  struct Word {
    const char* word;
    CompressionType type;
  };
  static constexpr Word kWords[] = {{"none", CompressionType::kNone},
                                    {"zstd", CompressionType::kZstd},
                                    {"lz4", CompressionType::kLz4},
                                    {"snappy", CompressionType::kSnappy}};
  const std::string text = CastValue<std::string>(name, value);
  for (const Word& w : kWords) {
    if (text == w.word) {
      r->options.compression = w.type;
      return;
    }
  }
  throw StatusError(Status::InvalidArgument(
      "compression",
      "unknown type '" + text + "' (expected none, zstd, lz4 or snappy)"));
}

void SetOffload(const char* name, py::handle value, OpenRequest* r) {
  ThrowIfError(ParseOffloadLayers(CastValue<std::string>(name, value),
                                  &r->options.offload));
}

void SetDmReadMode(const char* name, py::handle value, OpenRequest* r) {
  ThrowIfError(ParseDmReadMode(CastValue<std::string>(name, value),
                               &r->options.dm_read_mode));
}

void SetSegmentLayout(const char* name, py::handle value, OpenRequest* r) {
  ThrowIfError(ParseSegmentLayout(CastValue<std::string>(name, value),
                                  &r->options.dm_segment_layout));
}

struct OptionEntry {
  const char* name;
  Setter set;
};

// Every keyword DB() takes besides path, in the order of Options' fields
// (options.h documents each). env, info_log and dm_fabric_wrapper are C++
// objects and have no keyword.
constexpr OptionEntry kOptionTable[] = {
    {"create_if_missing", SetOption<&Options::create_if_missing>},
    {"error_if_exists", SetOption<&Options::error_if_exists>},
    {"paranoid_checks", SetOption<&Options::paranoid_checks>},
    {"read_only", SetRequest<&OpenRequest::read_only>},
    {"error_if_wal_file_exists",
     SetRequest<&OpenRequest::error_if_wal_file_exists>},
    {"write_buffer_size", SetOption<&Options::write_buffer_size>},
    {"max_write_buffer_number", SetOption<&Options::max_write_buffer_number>},
    {"allow_concurrent_memtable_write",
     SetOption<&Options::allow_concurrent_memtable_write>},
    {"memtable_bloom_size_ratio",
     SetOption<&Options::memtable_bloom_size_ratio>},
    {"memtable_shards", SetOption<&Options::memtable_shards>},
    {"block_size", SetOption<&Options::block_size>},
    {"block_restart_interval", SetOption<&Options::block_restart_interval>},
    {"bloom_bits_per_key", SetOption<&Options::bloom_bits_per_key>},
    {"compression", SetCompression},
    {"compression_level", SetOption<&Options::compression_level>},
    {"block_cache_size", SetOption<&Options::block_cache_size>},
    {"allow_mmap_reads", SetOption<&Options::allow_mmap_reads>},
    {"max_open_files", SetOption<&Options::max_open_files>},
    {"num_levels", SetOption<&Options::num_levels>},
    {"level0_file_num_compaction_trigger",
     SetOption<&Options::level0_file_num_compaction_trigger>},
    {"seek_compaction_bytes_per_seek",
     SetOption<&Options::seek_compaction_bytes_per_seek>},
    {"level0_slowdown_writes_trigger",
     SetOption<&Options::level0_slowdown_writes_trigger>},
    {"level0_stop_writes_trigger",
     SetOption<&Options::level0_stop_writes_trigger>},
    {"max_bytes_for_level_base", SetOption<&Options::max_bytes_for_level_base>},
    {"max_bytes_for_level_multiplier",
     SetOption<&Options::max_bytes_for_level_multiplier>},
    {"target_file_size_base", SetOption<&Options::target_file_size_base>},
    {"delayed_write_rate", SetOption<&Options::delayed_write_rate>},
    {"max_background_flushes", SetOption<&Options::max_background_flushes>},
    {"max_background_compactions",
     SetOption<&Options::max_background_compactions>},
    {"max_subcompactions", SetOption<&Options::max_subcompactions>},
    {"disable_auto_compactions", SetOption<&Options::disable_auto_compactions>},
    {"offload", SetOffload},
    {"dm_pool", SetOption<&Options::dm_pool>},
    {"dm_write_buffer_budget", SetOption<&Options::dm_write_buffer_budget>},
    {"dm_segment_size", SetOption<&Options::dm_segment_size>},
    {"dm_segment_layout", SetSegmentLayout},
    {"embedded_workers", SetOption<&Options::embedded_workers>},
    {"dm_read_mode", SetDmReadMode},
    {"dm_key_cache_bytes", SetOption<&Options::dm_key_cache_bytes>},
    {"dm_block_cache_size", SetOption<&Options::dm_block_cache_size>},
    {"embedded_search_threads", SetOption<&Options::embedded_search_threads>},
    {"metrics_listen", SetOption<&Options::metrics_listen>},
};

}  // namespace

OpenRequest ParseOpenOptions(const py::kwargs& kwargs) {
  OpenRequest request;
  request.options.create_if_missing = true;
  for (const auto& [key, value] : kwargs) {
    const std::string name = key.cast<std::string>();
    const OptionEntry* entry = nullptr;
    for (const OptionEntry& e : kOptionTable) {
      if (name == e.name) {
        entry = &e;
        break;
      }
    }
    if (entry == nullptr) {
      throw py::type_error("DB() got an unexpected keyword argument '" + name +
                           "'");
    }
    if (value.is_none()) continue;  // the default
    entry->set(entry->name, value, &request);
  }
  return request;
}

std::string OpenOptionNames() {
  std::string names;
  for (const OptionEntry& e : kOptionTable) {
    if (!names.empty()) names += ", ";
    names += e.name;
  }
  return names;
}

}  // namespace o3lsm::python
