#!/bin/sh
# Regenerates format-libreoffice.xlsx: the format of the test fixture's unit (bidang-x, Q3
# 2026), filled in with openpyxl by test_excel.py, then opened and saved again by LibreOffice.
# Needs soffice (Debian: apt-get install libreoffice-calc-nogui). Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
KINERJA_WRITE_FILLED_FORMAT="$work/filled.xlsx" .venv/bin/python -m pytest -q -p no:xdist \
    kinerja/collection/tests/test_excel.py -k test_write_filled_format
mkdir "$work/out"
soffice --headless -env:UserInstallation="file://$work/profile" \
    --convert-to xlsx:"Calc MS Excel 2007 XML" --outdir "$work/out" "$work/filled.xlsx"
cp "$work/out/filled.xlsx" "$here/format-libreoffice.xlsx"
echo "wrote $here/format-libreoffice.xlsx"
