#!/usr/bin/env bash
# A new user's first minutes, on this machine, without a container: a clean clone, the README's
# setup command exactly as the README writes it, a few commands, the menu entry, and the app
# under Xvfb (a real X server, so the xcb plugin and its system libraries are what a desktop uses).
#
#   docs/clean-machine-check.sh [ALBUM]        (default: ../shared/data/kodak24)
#
# Needs: git, python3, Xvfb (apt install xvfb). Prints what it checks; exits non-zero on the first
# failure; leaves a screenshot of the app in the work folder it names at the end.
set -euo pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
album=$(realpath "${1:-$repo/../shared/data/kodak24}")
work=$(mktemp -d /tmp/clean-machine.XXXXXX)
say() { printf '\n== %s\n' "$*"; }

say "clean clone of $(git -C "$repo" rev-parse --short HEAD) into $work"
git clone -q "$repo" "$work/aesthetic-curator"
cd "$work/aesthetic-curator"

setup=$(grep -m1 '^python3 -m venv' README.md)   # the README's one setup command, as written there
say "setup: $setup"
start=$SECONDS
eval "$setup" > "$work/setup.log" 2>&1 || { tail -20 "$work/setup.log"; exit 1; }
echo "done in $((SECONDS - start)) s"

# A private catalog, profiles and cache: the check never touches the user's own.
export AESTHETIC_CURATOR_CATALOG="$work/data/catalog.sqlite3"
export AESTHETIC_CURATOR_PROFILES="$work/data/profiles"
export AESTHETIC_CURATOR_CACHE="$work/data/cache"
export XDG_DATA_HOME="$work/share"
app=.venv/bin/aesthetic-curator

say "the commands"
$app --version
$app score "$album" --top 3 -q
if $app score "$work/no-such-folder" 2> "$work/err.txt"; then echo "a missing folder was accepted"; exit 1; fi
cat "$work/err.txt"

say "system libraries Qt's X11 plugin needs"
.venv/bin/python -c "
from aesthetic_curator.gui.system_libs import install_line, missing_libraries
missing = missing_libraries()
print(install_line(missing) if missing else 'none missing')"

say "without a display: one line, not Qt's abort"
set +e
env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=xcb $app "$album" 2> "$work/err.txt"
status=$?
set -e
cat "$work/err.txt"
[ "$status" = 2 ] || { echo "exit status $status, expected 2"; exit 1; }

say "menu entry"
$app desktop install
if command -v desktop-file-validate > /dev/null; then
    desktop-file-validate "$XDG_DATA_HOME/applications/aesthetic-curator.desktop" && echo "desktop-file-validate: ok"
else
    echo "desktop-file-validate not installed (apt install desktop-file-utils): skipped"
fi

say "the app under Xvfb"
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp > "$work/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2> /dev/null || true' EXIT
sleep 2
DISPLAY=$display $app "$album" > "$work/app.log" 2>&1 &
gui=$!
sleep 30   # long enough to start, open the album and show its scores
if ! kill -0 "$gui" 2> /dev/null; then
    wait "$gui" || echo "the app exited with status $?"
    cat "$work/app.log"; exit 1
fi
DISPLAY=$display QT_QPA_PLATFORM=xcb .venv/bin/python -c "
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)" "$work/app.png"
kill "$gui"
wait "$gui" 2> /dev/null || true
echo "the app ran for 30 s; screenshot: $work/app.png"
grep -v "propagateSizeHints" "$work/app.log" || true

say "clean-machine check passed ($work)"
