#!/usr/bin/env bash
# Installs picdex from BUILD into a fresh prefix, then builds examples/find_images against
# it (CMake package, shared and static, -Werror) and a pkg-config consumer, and runs them.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null

# The public headers name no hnswlib or SQLite type.
if grep -nE '#include.*(hnswlib|sqlite|SQLite)|hnswlib::|SQLite::|sqlite3' -r "$work/prefix/include"; then
  echo "public headers expose an internal dependency" >&2
  exit 1
fi

cmake -S "$source/examples/find_images" -B "$work/example" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$work/example" -j2 > /dev/null
for variant in shared static; do
  out=$("$work/example/find_images_$variant" "$work/$variant.pdx" "a sleeping cat")
  [[ $(head -n 1 <<< "$out") == "img/cat.jpg "* ]] || { echo "$variant: $out" >&2; exit 1; }
  out=$("$work/example/find_images_$variant" "$work/$variant.pdx" "a sleeping cat" "year<2020")
  [[ $out == "img/car.jpg "* && $(wc -l <<< "$out") == 1 ]] || { echo "$variant: $out" >&2; exit 1; }
done
# Bash completion is installed where bash-completion looks.
test -f "$work/prefix/share/bash-completion/completions/picdex"

# The shared build really uses the installed libpicdex.so.
# (Output captured first: with pipefail, grep -q leaving early would fail the writer.)
libraries=$(ldd "$work/example/find_images_shared")
grep -q "$work/prefix/lib/libpicdex.so" <<< "$libraries"

# pkg-config, from the installed (relocated) .pc file.
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
g++ -Wall -Wextra -Werror $(pkg-config --cflags picdex) "$source/examples/find_images/find_images.cpp" \
  -o "$work/pc_find_images" $(pkg-config --libs picdex) -Wl,-rpath,"$work/prefix/lib"
out=$("$work/pc_find_images" "$work/pc.pdx" "a dog on the sand")
[[ $(head -n 1 <<< "$out") == "img/dog.jpg "* ]] || { echo "pkg-config: $out" >&2; exit 1; }
# The C API from C11, through pkg-config, against the installed library.
gcc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags-only-I picdex) \
  "$source/tests/c_api_test.c" -o "$work/c_api_test" $(pkg-config --libs picdex) \
  -Wl,-rpath,"$work/prefix/lib"
mkdir "$work/c"
"$work/c_api_test" "$work/c"
# The examples in C and (when the Python package was built) Python give the C++ example's
# answers.
gcc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags-only-I picdex) \
  "$source/examples/c/find_images.c" -o "$work/c_find_images" $(pkg-config --libs picdex) \
  -Wl,-rpath,"$work/prefix/lib"
consumers="CMake (shared, static), pkg-config and C"
python_dir=$(find "$work/prefix/lib" -path '*-packages/picdex' -type d)
[[ -z $python_dir ]] || consumers+=" and Python"
check_example() {  # NAME COMMAND...
  local name=$1; shift
  out=$("$@" "$work/$name.pdx" "a sleeping cat")
  [[ $(head -n 1 <<< "$out") == "img/cat.jpg "* ]] || { echo "$name: $out" >&2; exit 1; }
  out=$("$@" "$work/$name.pdx" "a sleeping cat" "year<2020")
  [[ $out == "img/car.jpg "* && $(wc -l <<< "$out") == 1 ]] || { echo "$name: $out" >&2; exit 1; }
}
check_example c_example "$work/c_find_images"
if [[ -n $python_dir ]]; then
  check_example python_example env PYTHONPATH="$(dirname "$python_dir")" /usr/bin/python3 \
    "$source/examples/python/find_images.py"
  where=$(PYTHONPATH="$(dirname "$python_dir")" /usr/bin/python3 -c 'import picdex; print(picdex.__file__)')
  [[ $where == "$python_dir/__init__.py" ]] || { echo "python imported $where" >&2; exit 1; }
fi
echo "installed package: $consumers consumers built and ran"
