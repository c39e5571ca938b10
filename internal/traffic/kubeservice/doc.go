// Package kubeservice is the traffic router for a Kubernetes Service whose
// selector is flipped between a blue and a green set of Pods (the classic
// "change `color: blue` to `color: green`" switch).
//
// # Nouns
//
// The switch point is a Service (namespace/name). Each color is a set of
// label pairs (Selectors): usually one key with a value per color
// (KeySelectors("color", "blue", "green")), or a full map per color. The
// router manages the keys that appear in either color's map; every other key
// of the Service's selector (e.g. `app: web`) is left as it is and is part of
// both colors' Pod selectors.
//
// # Weights
//
// A selector has no weights: all traffic goes to one color. Read returns
// blue=100 green=0 when the managed keys of the selector are exactly the blue
// map, blue=0 green=100 when they are exactly the green map, and blue=0
// green=0 when they are neither (another writer set something else, or the
// Service has no selector): "no color", which traffic.Weights.ActiveColor
// reports as not active, so the engine never mistakes it for a color. Set
// accepts only blue=100 green=0 and blue=0 green=100; every split and 0/0 is
// refused before anything is written (*UnsupportedWeightsError). Canary and
// linear strategies therefore cannot drive this router; the Gateway API
// router (package gatewayroute) can.
//
// # Conflicts
//
// Set writes the Service with the resourceVersion of the copy this router
// last saw (its preceding Read, or its own previous Set). When the API server
// refuses that update as a conflict, the router reads the Service again: if
// the managed keys changed, another writer flipped the selector and Set
// returns a *ConflictError (errors.Is(err, ErrConflict)) without writing —
// it is reported, never retried over the other writer's change, and it keeps
// being reported until a Read has seen the new selector. If only something
// else changed (labels, annotations, ports, status), Set writes again on the
// fresh copy, a bounded number of times.
//
// # Ownership
//
// A switch marks the Service it owns with the OwnerAnnotation (Claim,
// TakeOver, Release); a router with an owner (OwnedBy) refuses to write a
// Service marked by another owner, checking the copy it writes so that the
// resourceVersion guards the check too.
//
// # In effect
//
// Set returns when the API server has stored the new selector. The endpoint
// controllers and kube-proxy then converge (usually within a second); the
// router does not wait for them. Pre-flight and bake checks count the ready
// Pods a color's selector selects (ReadinessCheck, package podreadiness)
// rather than EndpointSlices, which exist only for the currently selected
// color.
package kubeservice
