package traffic

import "errors"

// ErrNotFound is the one "does not exist" of every router: each router's
// error for a missing listener, rule, hosted zone, record set, Service or
// route matches it (errors.Is), and each router package re-exports it as its
// own ErrNotFound for callers that already import the router. Callers that
// hold a router through rollout.Router test errors.Is(err, traffic.ErrNotFound)
// and never need to know which router it was.
var ErrNotFound = errors.New("not found")
