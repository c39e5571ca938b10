#!/usr/bin/env bash
# Runs the test suites. Usage: scripts/test.sh [unit|acc|all]
#   unit: go test of every package (engine, routers, checks, sandbox conformance, moto differential)
#   acc:  acceptance tests (terraform-plugin-testing) once with Terraform 1.8.5, once with OpenTofu 1.12.6
# RUN=<regexp> limits the acceptance tests, e.g. RUN=TestAccListenerStateDataSource make testacc
# TEST_PARALLEL=<n> is how many acceptance tests run at once (default 8: each has its own sandbox and
# mostly waits on the Terraform CLI, so more than the core count pays off)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
root=$PWD
mkdir -p .tmp/tfacc

# Never depend on the user's ~/.terraformrc, plugin cache or network.
: > .tmp/terraformrc
export TF_CLI_CONFIG_FILE=$root/.tmp/terraformrc
export CHECKPOINT_DISABLE=1
export TF_ACC_TEMP_DIR=$root/.tmp/tfacc
export TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR
# Tests never reach real AWS: the sandbox sets endpoints; these keep the SDK
# from looking for real credentials or instance metadata.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

if [ "$what" = unit ] || [ "$what" = all ]; then
  echo "=== unit, engine and sandbox conformance tests (moto differential included)"
  BLUEGREEN_REQUIRE_MOTO=${BLUEGREEN_REQUIRE_MOTO:-0} go test -count=1 -race ./...
fi

if [ "$what" = acc ] || [ "$what" = all ]; then
  for cli in terraform tofu; do
    if [ ! -x "bin/$cli" ]; then
      echo "bin/$cli is missing: run make tools" >&2; exit 1
    fi
    echo "=== acceptance tests with $(bin/$cli version | sed -n 1p)"
    env TF_ACC=1 TF_ACC_TERRAFORM_PATH="$root/bin/$cli" TF_ACC_PROVIDER_NAMESPACE=bluegreen-tf \
      go test -count=1 -timeout "${TEST_TIMEOUT:-40m}" -parallel "${TEST_PARALLEL:-8}" -run "${RUN:-TestAcc}" -v ./internal/provider/...
  done
fi
