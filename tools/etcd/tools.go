//go:build tools

// Package etcd pins the etcd server used by the Kubernetes router tests.
// Build it with scripts/kube.sh; it is never imported by the provider.
package etcd

import _ "go.etcd.io/etcd/server/v3"
