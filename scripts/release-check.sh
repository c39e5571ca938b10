#!/usr/bin/env bash
# Exercises .goreleaser.yml the way a release would, without signing or
# publishing: `goreleaser check`, then an unsigned snapshot build of the host
# target only (--single-target, to spare CI's time), and checks that the
# binary is named as the Terraform Registry expects and serves the plugin
# protocol. goreleaser v2 is built from the Go module proxy into bin/ on first
# use. CI calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."
GORELEASER_VERSION=2.15.1 # newer v2 releases need a newer Go than go.mod's
mkdir -p bin

if ! bin/goreleaser --version 2>/dev/null | grep "GitVersion:\s*v\?$GORELEASER_VERSION\b" >/dev/null; then
  echo "building goreleaser v$GORELEASER_VERSION from the Go module proxy (several minutes cold)"
  GOBIN=$PWD/bin GOFLAGS= go install "github.com/goreleaser/goreleaser/v2@v$GORELEASER_VERSION"
fi

bin/goreleaser check
# --snapshot: no tag needed, nothing published; `build` never signs.
bin/goreleaser build --snapshot --clean --single-target

os=$(go env GOOS) arch=$(go env GOARCH)
bin=$(find dist -type f -path "*_${os}_${arch}*/terraform-provider-bluegreen_v*" | sed -n 1p)
if [ -z "$bin" ]; then
  echo "no terraform-provider-bluegreen_v<version> binary for ${os}_${arch} under dist/:" >&2
  find dist -type f >&2
  exit 1
fi
echo "built $bin"
# A provider binary started by hand refuses to run outside Terraform and says so.
if out=$("$bin" 2>&1); then
  echo "$bin exited 0 when run outside Terraform" >&2; exit 1
fi
if ! grep -qi "plugin" <<<"$out"; then
  echo "$bin did not answer as a Terraform plugin: $out" >&2; exit 1
fi
echo "release check passed: goreleaser check and a snapshot build of ${os}_${arch}"
