#!/usr/bin/env bash
# govulncheck, installed with go install. It needs the Go vulnerability
# database (vuln.go.dev); on machines without internet access it says so and
# skips rather than pretending to have checked.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -x bin/govulncheck ]; then
  GOBIN=$PWD/bin GOFLAGS= go install golang.org/x/vuln/cmd/govulncheck@v1.9.0
fi
if ! curl -fsS --max-time 10 -o /dev/null https://vuln.go.dev/index/db.json 2>/dev/null; then
  echo "govulncheck: SKIPPED — the vulnerability database (vuln.go.dev) is not reachable from this machine"
  exit 0
fi
bin/govulncheck ./...
