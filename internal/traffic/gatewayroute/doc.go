// Package gatewayroute is the traffic router for a Gateway API HTTPRoute: it
// reads and writes the weights of one rule's two backendRefs, the blue and
// the green Service, so canary and linear shifts work on any Gateway API
// implementation.
//
// # Nouns
//
// The switch point is a route (HTTPRoute namespace/name, gateway.networking.k8s.io/v1)
// and one of its rules, chosen by name (rules[].name) or by index. Each
// color is a backendRef to a Service: its name, its namespace (default: the
// route's) and optionally its port, to tell apart two refs to one Service.
//
// # What Read accepts
//
// The rule must have exactly one backendRef to the blue Service and exactly
// one to the green Service, and no other backendRef: a rule that lacks one
// of them, names a Service twice, or also sends traffic elsewhere is refused
// with a *RuleError saying what was found (the switch would otherwise report
// a share of traffic it does not control).
//
// # Weights
//
// Read returns the raw Gateway API weights (0–1,000,000 each; a ref without
// a weight reads as 1, the API's default). Set writes both weights
// explicitly, exactly as given, so Read after Set returns exactly what was
// written; the engine's percent scale (90/10) is written as 90/10. Weights
// outside 0–1,000,000, and 0/0 (Gateway API answers every request with a
// 500 when all weights of a rule are zero), are refused before anything is
// written.
//
// # Conflicts
//
// Set writes the route with the resourceVersion of the copy this router last
// saw (its preceding Read, or its own previous Set). When the API server
// refuses the update as a conflict, the router reads the route again: if the
// blue or green weight (or the rule's shape) changed, another writer moved
// traffic and Set returns a *ConflictError (errors.Is(err, ErrConflict))
// without writing; it is never retried over the other writer's change. If
// only something else changed (status written by the gateway controller,
// another rule, hostnames, labels), Set writes again on the fresh copy, a
// bounded number of times.
//
// # Ownership
//
// A switch marks the route it owns with the OwnerAnnotation (Claim,
// TakeOver, Release); a router whose Config.Owner is set refuses to write a
// route marked by another owner, checking the copy it writes so that the
// resourceVersion guards the check too.
//
// # In effect
//
// Set returns when the API server has stored the weights. The Gateway
// implementation then programs its data plane; Describe reports each
// parent's Accepted / ResolvedRefs conditions and their observedGeneration
// for diagnostics. The router does not wait for them.
package gatewayroute
