// A catalogue file may come from anyone: before picdex reads or writes it, its schema must
// be the one its format version defines (picdex's own migrations, applied to an empty
// database), so that no trigger or view of someone else's runs inside picdex's statements.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

namespace picdex::store {

// FormatError naming `where` and the first difference unless `db` holds exactly the
// tables, indexes, virtual tables and triggers of format `version` (triggers and views
// compared by their SQL text too). Tables are compared by name: their columns are what
// every query reads, and an altered one fails there.
void check_schema(SQLite::Database& db, int version, const std::string& where);

}  // namespace picdex::store
