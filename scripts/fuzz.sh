#!/usr/bin/env bash
# Runs every go test -fuzz target for a fixed time each, one after another
# (go test accepts a single -fuzz target per invocation), and stops at the
# first failure. Usage: scripts/fuzz.sh [fuzztime]   (default 10s; e.g. 30s, 5m, 100000x)
#
# A failing input is written to <pkg>/testdata/fuzz/<FuzzName>/ by go test;
# re-run it with: go test -run '^<FuzzName>$/<file>' ./<pkg>
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-10s}

targets=(
  "FuzzPlanShift ./internal/rollout"
  "FuzzDurationValidators ./internal/provider"
  "FuzzCheckARN ./internal/provider"
  "FuzzServeQuery ./internal/sandbox/elbv2"
  "FuzzServeCBOR ./internal/sandbox/cloudwatch"
)

for t in "${targets[@]}"; do
  read -r name pkg <<<"$t"
  echo "=== $name ($pkg) for $T"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$T" "$pkg"
done
echo "=== all fuzz targets passed"
