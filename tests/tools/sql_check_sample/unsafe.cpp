// Not compiled: what check_sql_bound.py must refuse, one offence per marked line.
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

void unsafe(SQLite::Database& db, const std::string& uri, const std::string& name,
            const std::string& query_text) {
  db.exec("DELETE FROM images WHERE uri = '" + uri + "'");  // offence
  std::string q = "SELECT id FROM images WHERE uri = ";
  q += name;                                                                      // offence
  SQLite::Statement s(db, query_text);                                            // offence
  db.exec(query_text.c_str());                                                    // offence
  const auto count = db.execAndGet(std::string("SELECT count(*) FROM ") + name);  // offence
  (void)count;
}
