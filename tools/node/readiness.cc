// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/node/readiness.h"

#include <systemd/sd-daemon.h>

namespace o3lsm::node {

void NotifyReady(const std::string& status) {
  // Keeps NOTIFY_SOCKET set (unset_environment 0): nothing this process
  // starts later reads it, and STOPPING=1 needs it.
  const std::string message = "READY=1\nSTATUS=" + status;
  sd_notify(0, message.c_str());
}

void NotifyStopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

}  // namespace o3lsm::node
