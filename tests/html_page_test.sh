#!/usr/bin/env bash
# `picdex search --html` rendered by headless Chromium: the page shows the k hits with
# their local images, and captions, URIs and metadata holding markup stay text.
#   html_page_test.sh PICDEX_BINARY SOURCE_DIR
set -euo pipefail
picdex=$(realpath "$1") tools=$(realpath "$2/tests/tools")
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "chromium is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
python=/usr/bin/python3
$python "$tools/make_png.py" "red square.png" 220 20 20  # a space: the URL must encode it
$python "$tools/make_png.py" blue.png 20 40 220
printf '%s\t%s\t%s\n' \
  "red square.png" "A red square on a plain background" '{"colour": "red"}' \
  blue.png "A blue square on a plain background" '{"colour": "blue", "note": "<i>x</i>"}' \
  'javascript:document.title="pwned"' \
  'A square <script>document.title="pwned"</script><b id="injected">bold</b> & more' \
  '{"<img src=x onerror=alert(1)>": "\"><b id=\"meta\">"}' > captions.tsv
"$picdex" init c.pdx > /dev/null 2>&1
"$picdex" import c.pdx captions.tsv > /dev/null 2>&1
"$picdex" search c.pdx "a square" -k 3 --html page.html > /dev/null

chrome() { "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" 2> /dev/null; }
chrome --dump-dom "file://$work/page.html" > dom.html
hits=$(grep -c '<article class="hit">' dom.html || true)
[[ $hits == 3 ]] || { echo "the DOM holds $hits hits, not 3" >&2; exit 1; }
if grep -qE '<script|<b id=|<i>|<img src=x|<title>pwned' dom.html; then
  echo "markup from the catalogue became part of the page:" >&2
  grep -nE '<script|<b id=|<i>|<img src=x|<title>pwned' dom.html >&2
  exit 1
fi
grep -q '&lt;b id="injected"&gt;bold&lt;/b&gt; &amp; more' dom.html  # shown as text
grep -q 'src="file://[^"]*/red%20square.png"' dom.html

chrome --window-size=1000,700 --screenshot="$work/shot.png" "file://$work/page.html" > /dev/null
read -r summary < <($python "$tools/png_colours.py" shot.png)
colours=$($python "$tools/png_colours.py" shot.png 220,20,20 20,40,220 | tail -n 2)
pixels=${summary#pixels=}; pixels=${pixels%% *}; background=${summary##*background=}
# Not blank: beyond the background colour, a good part of the page is drawn.
((pixels - background > pixels / 20)) || { echo "the screenshot is blank: $summary" >&2; exit 1; }
# Both images loaded from their file: URLs (each is 64 x 48 pixels).
for line in $colours; do
  ((${line#*=} >= 3000)) || { echo "an image is missing from the screenshot: $colours" >&2; exit 1; }
done
echo "results page: 3 hits in the DOM, markup kept as text, both images drawn ($summary)"
