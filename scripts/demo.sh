#!/usr/bin/env bash
# make demo: a blue-green flip and an automatic rollback against the local
# sandbox, with Terraform 1.8.5 and the provider installed by dev_overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp/demo-provider
echo "building the provider"
go build -o .tmp/demo-provider/terraform-provider-bluegreen .
go run ./cmd/bluegreen-demo -terraform bin/terraform -provider-dir .tmp/demo-provider -config examples/demo -workdir .tmp/demo
