#!/usr/bin/env bash
# Builds the provider and installs it into the local filesystem mirror that
# Terraform and OpenTofu search by default (~/.terraform.d/plugins), in the
# layout <host>/bluegreen-tf/bluegreen/<version>/<os>_<arch>/, for both
# registry hosts (registry.terraform.io for Terraform, registry.opentofu.org
# for OpenTofu). A configuration that requires
#   bluegreen = { source = "bluegreen-tf/bluegreen", version = "~> 0.1" }
# then initialises with a lock file, no dev_overrides needed.
# Usage: scripts/install.sh [version]   (default 0.1.0; PLUGINS_DIR overrides the mirror)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-0.1.0}
version=${version#v}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "install: version must be semantic (1.2.3), got '$version'" >&2; exit 1
fi
os_arch=$(go env GOOS)_$(go env GOARCH)
plugins=${PLUGINS_DIR:-$HOME/.terraform.d/plugins}
binary=terraform-provider-bluegreen_v$version
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$tmp/$binary" .
for host in registry.terraform.io registry.opentofu.org; do
  dir=$plugins/$host/bluegreen-tf/bluegreen/$version/$os_arch
  mkdir -p "$dir"
  install -m 0755 "$tmp/$binary" "$dir/$binary"
  echo "installed $dir/$binary"
done
