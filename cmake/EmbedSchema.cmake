# Writes OUTPUT: a C++ source that holds every schema/NNN_*.sql migration, in order.
# Run as: cmake -DSCHEMA_DIR=... -DOUTPUT=... -P EmbedSchema.cmake
file(GLOB migrations "${SCHEMA_DIR}/[0-9][0-9][0-9]_*.sql")
list(SORT migrations)
set(body "")
set(expected 1)
foreach(path IN LISTS migrations)
  get_filename_component(name "${path}" NAME)
  string(SUBSTRING "${name}" 0 3 number)
  math(EXPR version "${number}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "schema migrations must be numbered 001, 002, ...: ${name}")
  endif()
  math(EXPR expected "${expected} + 1")
  file(READ "${path}" sql)
  string(APPEND body "  {${version}, \"${name}\", R\"picdex_sql(${sql})picdex_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.new" "// Generated from schema/*.sql by cmake/EmbedSchema.cmake. Do not edit.\n"
  "#include \"store/migrations.hpp\"\n\n"
  "namespace picdex::store {\n"
  "const std::vector<Migration>& migrations() {\n"
  "  static const std::vector<Migration> all = {\n${body}  };\n"
  "  return all;\n}\n}  // namespace picdex::store\n")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
