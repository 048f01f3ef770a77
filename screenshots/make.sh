#!/usr/bin/env bash
# Screenshots of the real binary (--demo) in tmux, rendered to PNG. Run after UI changes:
#   screenshots/make.sh
# Needs tmux and a Python with Pillow (.ci/run's .venv plus `pip install pillow`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
# BIN=path/to/apple-conn uses a binary already built (any profile draws the same screens).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=./target/release/apple-conn
fi
S=apple-conn-shots
# shot NAME [TEXT]: waits (up to 10 s) until the screen shows TEXT, so a name matches its picture.
shot() {
  sleep 0.6
  if [ -n "${2:-}" ]; then
    for _ in $(seq 50); do
      tmux capture-pane -t "$S" -p | grep -qF -- "$2" && break
      sleep 0.2
    done
    tmux capture-pane -t "$S" -p | grep -qF -- "$2" || { echo "screenshot $1: the screen never showed \"$2\"" >&2; exit 1; }
  fi
  tmux capture-pane -t "$S" -e -p > "/tmp/$1.ansi"
  "$PY" screenshots/ansi_to_png.py "/tmp/$1.ansi" "screenshots/$1.png"
}
tmux kill-session -t "$S" 2>/dev/null || true
tmux new-session -d -s "$S" -x 120 -y 40 "$BIN --demo; sleep 2"
sleep 1
shot main
tmux send-keys -t "$S" a; sleep 0.2
tmux send-keys -t "$S" -l "Release key"; tmux send-keys -t "$S" Tab
tmux send-keys -t "$S" -l "57246542-96fe-1a63-e053-0824d011072a"; tmux send-keys -t "$S" Tab
tmux send-keys -t "$S" -l "REL"
shot add-key-form "Add API key"
tmux send-keys -t "$S" Escape; sleep 0.3
tmux send-keys -t "$S" Down Down Down d; sleep 0.3
tmux send-keys -t "$S" y; sleep 0.3
tmux send-keys -t "$S" Down a; sleep 0.2
tmux send-keys -t "$S" -l "alice@example.com"; tmux send-keys -t "$S" Tab
tmux send-keys -t "$S" -l "demo-password"; tmux send-keys -t "$S" Enter
sleep 1
shot two-factor "Verification code"
tmux send-keys -t "$S" Escape; sleep 0.3
tmux send-keys -t "$S" 2 Down 4 Down Enter
shot preview-detail "The walk"
tmux send-keys -t "$S" Escape; sleep 0.3
tmux send-keys -t "$S" 2 Down Down 4; sleep 0.3
tmux send-keys -t "$S" w Down Down Down Enter
shot bitrise-preview
tmux send-keys -t "$S" Escape; sleep 0.3
tmux send-keys -t "$S" D
shot doctor "Doctor"
tmux send-keys -t "$S" Escape q
tmux kill-session -t "$S" 2>/dev/null || true
echo "screenshots/*.png updated"
