#!/usr/bin/env bash
# Builds the Kubernetes API server and etcd that the Kubernetes router tests
# start on loopback, into bin/, from the Go module proxy, skipping whichever is
# already there at the right version. Each comes from a small module under
# tools/ (kube-apiserver repeats the ./staging replaces of k8s.io/kubernetes'
# own go.mod, which the proxy cannot follow). Cold: several minutes on 2 cores;
# kube-apiserver is ~150 MB, etcd ~40 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_VERSION=1.34.4
ETCD_VERSION=3.6.16
mkdir -p bin

# kube-apiserver --version prints "Kubernetes v1.34.4" when built with the
# version stamped below (unstamped it says v0.0.0-master).
if [ -x bin/kube-apiserver ] && bin/kube-apiserver --version 2>/dev/null | grep -x "Kubernetes v$KUBE_VERSION" >/dev/null; then
  echo "bin/kube-apiserver v$KUBE_VERSION already built"
else
  echo "building kube-apiserver v$KUBE_VERSION from the Go module proxy (several minutes cold)"
  minor=${KUBE_VERSION#*.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=${KUBE_VERSION%%.*} -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  (cd tools/kube-apiserver && GOFLAGS=-mod=readonly go build -ldflags "$ldflags" \
    -o ../../bin/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver)
fi

if [ -x bin/etcd ] && bin/etcd --version 2>/dev/null | grep -x "etcd Version: $ETCD_VERSION" >/dev/null; then
  echo "bin/etcd v$ETCD_VERSION already built"
else
  echo "building etcd v$ETCD_VERSION from the Go module proxy (a minute or two cold)"
  (cd tools/etcd && GOFLAGS=-mod=readonly go build -ldflags "-s -w" -o ../../bin/etcd go.etcd.io/etcd/server/v3)
fi
bin/kube-apiserver --version
bin/etcd --version | sed -n 1p
