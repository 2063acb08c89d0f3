// Failpoints: named places where a test can make the process die as if killed, to prove
// that a crash there loses nothing. Set PICDEX_FAILPOINT=NAME (or NAME@N to die the Nth
// time NAME is reached); unset, a failpoint costs one branch.
//
// Names in use:
//   commit.before     a write transaction is about to commit
//   commit.after      committed to SQLite, not yet applied to the graph
//   snapshot.temp     snapshot temp file written and synced, not renamed
//   snapshot.renamed  snapshot renamed into place, manifest not yet updated
//   snapshot.recorded manifest updated, the previous snapshot not yet removed
//   reembed.before    every caption re-embedded in the transaction, not committed
//   reembed.after     re-embedding committed, the graph not yet rebuilt
#pragma once

#include <string_view>

namespace picdex::fault {

// Dies with SIGKILL when `name` is the armed failpoint (on its Nth arrival for NAME@N).
void failpoint(std::string_view name);

}  // namespace picdex::fault
