// Package moto holds the differential suite: the same aws-sdk-go-v2 call
// sequences run against the sandbox and against moto 5.2.1 (an independent
// AWS emulator, started by the test with `python3 -m moto.server`), and the
// outcomes are compared step by step. See knownDifferences for where moto is
// known to deviate from AWS. Without moto the suite skips, unless
// BLUEGREEN_REQUIRE_MOTO=1 makes that a failure (CI).
package moto
