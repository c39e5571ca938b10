// Package testsupport is the root of everything that tests, the demo and the
// benchmarks need and the provider binary must never contain:
//
//   - testenv: starts real HAProxy, Nginx, sshd, etcd and kube-apiserver on loopback
//   - motoserver: starts moto, the independent AWS emulator of the differential suite
//   - demoapp: the demo's HTTP application (version, color, /health, staged failures)
//   - loadgen: the load generator that counts failed requests during a flip
//   - zerodowntime: the zero-downtime scenario of `make bench` and cmd/zerodowntime
//   - dnsbench: the DNS flip benchmark behind cmd/bluegreen-dnsbench
//
// The local AWS sandbox (internal/sandbox) and the router conformance suite
// (internal/traffic/routertest) are test support too but keep their own homes.
// .golangci.yml's depguard rule "product-code-has-no-test-support" fails the lint
// when a non-test file of a product package imports any of them.
package testsupport
