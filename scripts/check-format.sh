#!/usr/bin/env bash
# Checks that every C++ file in the repository is formatted by the committed .clang-format
# (clang-format 14, Debian's clang-format-14). Exits 77 (skipped) without clang-format.
#   scripts/check-format.sh [SOURCE_DIR]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
format=$(command -v clang-format-14 || command -v clang-format || true)
if [[ -z $format ]]; then
  echo "skipped: no clang-format (Debian: clang-format-14)"
  exit 77
fi
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || find lib cli tests bench cmake examples -name '*.[ch]pp')
"$format" --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted as .clang-format says"
