#!/usr/bin/env bash
# Measures the provider's performance goals against the local AWS sandbox and
# prints one Markdown table, also written to templates/guides/benchmarks.md.tmpl
# (run `make docs` afterwards to render docs/guides/benchmarks.md).
# Extra arguments go to the program, e.g. scripts/bench.sh -requests 20000.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
mkdir -p .tmp
go build -o .tmp/bluegreen-bench ./internal/bench/cmd/bluegreen-bench
exec .tmp/bluegreen-bench -out templates/guides/benchmarks.md.tmpl "$@"
