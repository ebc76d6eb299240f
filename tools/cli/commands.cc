// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/commands.h"

namespace o3lsm::cli {

const CommandRegistry& BuiltinCommands() {
  static const CommandRegistry registry = [] {
    CommandRegistry r;
    AddDataCommands(&r);
    AddAdminCommands(&r);
    AddClusterCommands(&r);
    AddToolCommands(&r);
    return r;
  }();
  return registry;
}

}  // namespace o3lsm::cli
