#!/usr/bin/env bash
# Proves `make install` works as a user would use it: with HOME pointed at an
# empty temporary directory (no ~/.terraformrc, no dev_overrides), it installs
# the provider, then in a fresh configuration that requires
# bluegreen-tf/bluegreen "~> 0.1" runs `init` (which must find the provider in
# the filesystem mirror and write .terraform.lock.hcl), and applies and
# destroys an environment pair against a local sandbox with the installed
# binary. Runs with every CLI given (default: bin/terraform and bin/tofu, those
# present).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
clis=("$@")
if [ ${#clis[@]} -eq 0 ]; then
  for c in bin/terraform bin/tofu; do [ -x "$c" ] && clis+=("$root/$c"); done
fi
[ ${#clis[@]} -gt 0 ] || { echo "install-check: no CLI (run make tools)" >&2; exit 1; }

# Keep Go's caches where they are; everything else of the user's goes.
export GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) GOPATH=$(go env GOPATH)
tmp=$(mktemp -d)
sandbox_pid=
cleanup() { [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export HOME=$tmp/home
mkdir -p "$HOME"
unset TF_CLI_CONFIG_FILE TERRAFORM_CONFIG TF_PLUGIN_CACHE_DIR TF_REATTACH_PROVIDERS TF_ACC
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

make -s install VERSION=0.1.0

# A local sandbox for the apply.
go build -o "$tmp/sandbox" ./cmd/bluegreen-sandbox
"$tmp/sandbox" -addr 127.0.0.1:0 -quiet > "$tmp/sandbox.out" 2>&1 &
sandbox_pid=$!
for _ in $(seq 100); do grep -q '^export AWS_ENDPOINT_URL=' "$tmp/sandbox.out" && break; sleep 0.1; done
url=$(sed -n 's/^export AWS_ENDPOINT_URL=//p' "$tmp/sandbox.out")
[ -n "$url" ] || { echo "install-check: the sandbox did not start" >&2; cat "$tmp/sandbox.out" >&2; exit 1; }
export AWS_ENDPOINT_URL=$url AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

for cli in "${clis[@]}"; do
  name=$(basename "$cli")
  work=$tmp/$name
  mkdir -p "$work"
  cat > "$work/main.tf" <<HCL
terraform {
  required_providers {
    bluegreen = {
      source  = "bluegreen-tf/bluegreen"
      version = "~> 0.1"
    }
  }
}

provider "bluegreen" {
  region = "us-east-1"
}

resource "bluegreen_environment_pair" "web" {
  name   = "install-check-$name"
  vpc_id = "vpc-0123456789abcdef0"
  port   = 8080
  blue   = { version = "1.0.0" }
  green  = { version = "1.1.0" }
}
HCL
  (
    cd "$work"
    "$cli" init -input=false -no-color > init.log 2>&1 || { cat init.log >&2; exit 1; }
    grep -q 'bluegreen-tf/bluegreen' .terraform.lock.hcl || { echo "$name: no lock entry for bluegreen-tf/bluegreen" >&2; exit 1; }
    grep -q 'version *= *"0.1.0"' .terraform.lock.hcl || { echo "$name: lock file does not pin 0.1.0" >&2; cat .terraform.lock.hcl >&2; exit 1; }
    grep -q '"h1:' .terraform.lock.hcl || { echo "$name: lock file has no h1 hash" >&2; exit 1; }
    "$cli" apply -auto-approve -input=false -no-color > apply.log 2>&1 || { cat apply.log >&2; exit 1; }
    "$cli" plan -detailed-exitcode -input=false -no-color > plan.log 2>&1 || { echo "$name: plan after apply is not empty" >&2; cat plan.log >&2; exit 1; }
    "$cli" destroy -auto-approve -input=false -no-color > destroy.log 2>&1 || { cat destroy.log >&2; exit 1; }
  )
  echo "install-check: $("$cli" version | sed -n 1p): init found bluegreen-tf/bluegreen 0.1.0 in the filesystem mirror, wrote the lock file, applied and destroyed"
done
