//go:build tools

// Package tofu pins the OpenTofu CLI used by the acceptance tests.
// Build it with `make tools`; it is never imported by the provider.
package tofu

import _ "github.com/opentofu/opentofu/cmd/tofu"
