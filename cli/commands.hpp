// The picdex subcommands, one file each. Each returns an exit status and throws
// picdex::Error or UsageError for main() to report.
#pragma once

#include "common.hpp"

namespace picdex::cli {

int cmd_init(const Args& args);
int cmd_add(const Args& args);
int cmd_import(const Args& args);
int cmd_search(const Args& args);
int cmd_eval(const Args& args);
int cmd_get(const Args& args);
int cmd_remove(const Args& args);
int cmd_stats(const Args& args);
int cmd_verify(const Args& args);
int cmd_rebuild(const Args& args);
int cmd_checkpoint(const Args& args);
int cmd_compact(const Args& args);
int cmd_upgrade(const Args& args);
int cmd_reembed(const Args& args);
int cmd_train(const Args& args);
int cmd_export(const Args& args);
int cmd_embed(const Args& args);
int cmd_push(const Args& args);

}  // namespace picdex::cli
