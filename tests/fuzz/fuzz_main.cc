// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The libFuzzer entry point of one fuzz target: tests/fuzz/CMakeLists.txt
// builds this file once per target, with O3LSM_FUZZ_FUNCTION naming it.

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return o3lsm::fuzz::O3LSM_FUZZ_FUNCTION(data, size);
}
