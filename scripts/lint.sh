#!/usr/bin/env bash
# golangci-lint v2, installed into bin/ on first use (go install, from the module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v2.15.0
if ! [ -x bin/golangci-lint ] || ! bin/golangci-lint version 2>/dev/null | grep "${VERSION#v}" >/dev/null; then
  echo "installing golangci-lint $VERSION into bin/"
  GOBIN=$PWD/bin GOFLAGS= go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$VERSION"
fi
bin/golangci-lint run ./...
