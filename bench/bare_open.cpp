// bare_open: the baseline of start_up. A process that opens an SQLite file read-only and
// reads one row, as `sqlite3 FILE "SELECT ..."` would: what any command on the file costs
// at the least.
//   bare_open FILE
#include <sqlite3.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bare_open FILE\n");
    return 64;
  }
  sqlite3* db = nullptr;
  sqlite3_stmt* row = nullptr;
  const bool ok =
      sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM images", -1, &row, nullptr) == SQLITE_OK &&
      sqlite3_step(row) == SQLITE_ROW;
  if (ok) std::printf("%lld\n", static_cast<long long>(sqlite3_column_int64(row, 0)));
  sqlite3_finalize(row);
  sqlite3_close(db);
  return ok ? 0 : 66;
}
