/* Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

   Includes o3lsm/c.h in a translation unit compiled as C90 with
   -pedantic-errors: the header must stay usable from C89 compilers. */

#include "o3lsm/c.h"

int o3lsm_c_header_c89_check(void);

int o3lsm_c_header_c89_check(void) {
  o3lsm_options_t* (*create)(void) = o3lsm_options_create;
  return create != NULL ? o3lsm_lz4_compression : -1;
}
