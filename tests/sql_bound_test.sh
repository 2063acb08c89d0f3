#!/usr/bin/env bash
# Every SQL statement in the library and the command line is literal text with bound
# parameters; and the check finds each string-built statement in a sample made to fail it.
#   sql_bound_test.sh SOURCE_DIR
set -euo pipefail
src=$1
check=$src/tests/tools/check_sql_bound.py
/usr/bin/python3 "$check" "$src/lib/src" "$src/cli"
sample=$src/tests/tools/sql_check_sample
want=$(grep -n '// offence' "$sample/unsafe.cpp" | cut -d: -f1 | tr '\n' ' ')
if got=$(/usr/bin/python3 "$check" "$sample" 2>/dev/null); then
  echo "the check passed a sample that builds SQL from strings" >&2
  exit 1
fi
got=$(echo "$got" | cut -d: -f2 | tr '\n' ' ')
[[ $got == "$want" ]] || { echo "offences found on lines '$got', marked on '$want'" >&2; exit 1; }
echo "the check refuses each string-built statement of the sample (lines ${want% })"
