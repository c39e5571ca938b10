#!/usr/bin/env bash
# Measures the provider's performance goals and prints them:
#  1. the ALB switch against the local AWS sandbox: one Markdown table, also
#     written to templates/guides/benchmarks.md.tmpl (run `make docs`
#     afterwards to render docs/guides/benchmarks.md), followed by the Route 53
#     (weighted DNS) section: calls per step, write → answers, answer shares;
#  2. the HAProxy switch (Runtime API) against the source texts' reload
#     methods, on a real HAProxy, under the same load (docs/guides/haproxy.md);
#  3. the Nginx switch against the source texts' rewrite-and-reload script,
#     on a real Nginx, fresh and keep-alive connections (docs/guides/nginx.md).
# Extra arguments go to the ALB program, e.g. scripts/bench.sh -requests 20000.
# Parts 2 and 3 need haproxy and nginx (scripts/servers.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
mkdir -p .tmp
go build -o .tmp/bluegreen-bench ./cmd/bluegreen-bench
.tmp/bluegreen-bench -out templates/guides/benchmarks.md.tmpl "$@"
echo
echo "=== Route 53 weighted DNS through the sandbox's DNS server (appended to the same page)"
go run ./cmd/bluegreen-dnsbench -out templates/guides/benchmarks.md.tmpl
echo
echo "=== HAProxy: 20 flips through the Runtime API vs map rewrite + reload (-sf) vs master-worker seamless reload"
BLUEGREEN_REQUIRE_SERVERS=1 go test -run '^$' -bench BenchmarkFlip -benchtime 1x -v ./internal/traffic/haproxy | grep -v '^goos\|^goarch\|^pkg\|^cpu'
echo
echo "=== Nginx: 20 flips through the router vs the source texts' rewrite-and-reload script"
BLUEGREEN_REQUIRE_SERVERS=1 go test -run '^$' -bench Flips -benchtime 1x -v ./internal/traffic/nginx | grep -v '^goos\|^goarch\|^pkg\|^cpu'
