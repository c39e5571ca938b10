#!/usr/bin/env bash
# Builds the Terraform and OpenTofu CLIs used by the acceptance tests into bin/,
# from the Go module proxy, skipping whichever is already there at the right version.
set -euo pipefail
cd "$(dirname "$0")/.."
TERRAFORM_VERSION=1.8.5
TOFU_VERSION=1.12.6
mkdir -p bin
export CHECKPOINT_DISABLE=1
empty_rc=$(mktemp); trap 'rm -f "$empty_rc"' EXIT
export TF_CLI_CONFIG_FILE=$empty_rc

have() { [ -x "bin/$1" ] && "bin/$1" version 2>/dev/null | sed -n 1p | grep "v$2\$" >/dev/null; }

if have terraform "$TERRAFORM_VERSION"; then
  echo "bin/terraform v$TERRAFORM_VERSION already built"
else
  echo "building Terraform v$TERRAFORM_VERSION from the Go module proxy (about 2.5 min cold)"
  GOBIN=$PWD/bin GOFLAGS= go install \
    -ldflags "-X github.com/hashicorp/terraform/version.dev=no" \
    "github.com/hashicorp/terraform@v$TERRAFORM_VERSION"
fi

if have tofu "$TOFU_VERSION"; then
  echo "bin/tofu v$TOFU_VERSION already built"
else
  echo "building OpenTofu v$TOFU_VERSION from the Go module proxy (about 3.5 min cold)"
  (cd tools/tofu && GOFLAGS= go build \
    -ldflags "-X github.com/opentofu/opentofu/version.dev=no" \
    -o ../../bin/tofu github.com/opentofu/opentofu/cmd/tofu)
fi
bin/terraform version | sed -n 1p
bin/tofu version | sed -n 1p
# kube-apiserver and etcd for the Kubernetes router tests (cached in bin/ too).
bash scripts/kube.sh
