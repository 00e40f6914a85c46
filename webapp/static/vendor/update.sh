#!/usr/bin/env bash
# Re-vendor the front-end libraries from the npm registry (the app serves them itself: it must work offline).
# Usage: bash webapp/static/vendor/update.sh   (then commit the result)
set -euo pipefail
KATEX_VERSION=0.19.1
PICO_VERSION=2.1.1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "katex@$KATEX_VERSION" "@picocss/pico@$PICO_VERSION" >/dev/null
mkdir katex pico
tar xzf "katex-$KATEX_VERSION.tgz" -C katex
tar xzf "picocss-pico-$PICO_VERSION.tgz" -C pico
rm -rf "$here/katex" "$here/pico"
mkdir -p "$here/katex/fonts" "$here/pico"
cp katex/package/dist/katex.min.js katex/package/dist/katex.min.css katex/package/LICENSE "$here/katex/"
# Every browser that runs the app reads woff2; the older formats would only add weight.
cp katex/package/dist/fonts/*.woff2 "$here/katex/fonts/"
cp pico/package/css/pico.min.css pico/package/LICENSE.md "$here/pico/"
echo "katex $KATEX_VERSION, pico $PICO_VERSION vendored into $here"
