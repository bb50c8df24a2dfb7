// The operator's `sukusuku notify` command (see notify_command.cc for its usage).
#pragma once

#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"

namespace sukusuku::push {

void addNotifyCommand(PluginContext& ctx, Runtime& rt);

}  // namespace sukusuku::push
