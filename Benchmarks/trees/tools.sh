# Sourced by run.sh, explain.sh and missing.sh after they set $here (this folder), $bench (Benchmarks) and
# $venv: the reference libraries in a git-ignored virtualenv, installed on first use ($python), and the Swift side
# built in release mode ($binary).
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
python="$venv/bin/python"
swift build -c release --package-path "$bench" --product TreesBenchmark >&2
binary="$(swift build -c release --package-path "$bench" --show-bin-path)/TreesBenchmark"
