#!/usr/bin/env bash
# `pip install ./python` as a Python user runs it, offline with Debian's pip and
# setuptools: into a fresh virtual environment (seeing Debian's packages, for numpy),
# reusing the module built in BUILD; then the Python example runs from there.
#   pip_install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$source/python/build" "$source/python/picdex.egg-info"' EXIT
/usr/bin/python3 -m venv --without-pip --system-site-packages "$work/venv"
PICDEX_BUILD_DIR=$build "$work/venv/bin/python" -m pip install -q --no-build-isolation \
  --no-index "$source/python"
cd "$work"
where=$("$work/venv/bin/python" -c 'import picdex; print(picdex.__file__)')
[[ $where == "$work/venv/lib/"*"/site-packages/picdex/__init__.py" ]] ||
  { echo "imported $where" >&2; exit 1; }
out=$("$work/venv/bin/python" "$source/examples/python/find_images.py" "$work/c.pdx" "a sleeping cat")
[[ $(head -n 1 <<< "$out") == "img/cat.jpg "* ]] || { echo "$out" >&2; exit 1; }
"$work/venv/bin/python" -m pip show -q picdex > /dev/null
echo "pip installed picdex into a virtual environment; the example ran from it"
