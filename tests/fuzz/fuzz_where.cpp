// `--where` conditions on arbitrary text, parsed and then run as a filter against a few
// images' metadata in SQLite: keys and values are only ever bound parameters.
#include <SQLiteCpp/SQLiteCpp.h>
#include <picdex/picdex.hpp>

#include <cstdint>

#include "store/matching_images.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static SQLite::Database db = [] {
    SQLite::Database d(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    d.exec("CREATE TABLE images (id INTEGER PRIMARY KEY, metadata TEXT NOT NULL)");
    d.exec(R"(INSERT INTO images(metadata) VALUES ('{"year":2015,"tag":"dog","ok":true}'),)"
           R"(('{"year":2020.5,"tag":"a,b","k\"q":"x"}'), ('{}'), ('{"n":null,"l":[1,2]}'))");
    return d;
  }();
  try {
    const auto condition =
        picdex::Condition::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    picdex::store::match_images(db, std::vector{condition});
  } catch (const picdex::Error&) {
  }
  return 0;
}
