//go:build tools

// Package kubeapiserver pins the kube-apiserver used by the Kubernetes router
// tests. Build it with scripts/kube.sh; it is never imported by the provider.
// The replace lines repeat, at v0.34.4, the ./staging replaces of
// k8s.io/kubernetes v1.34.4's own go.mod (the module proxy cannot follow those).
package kubeapiserver

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
