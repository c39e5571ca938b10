// Package notify tells the outside world what a traffic shift is doing: on
// shift start, after each step, when a rollback starts and ends, and when the
// shift finishes, every configured target receives one Event.
//
// Targets (Notifier):
//   - Webhook: an HTTP POST of the event as JSON (go-retryablehttp, bounded
//     attempts), signed with HMAC-SHA256 of the body under a shared secret in
//     the header X-Bluegreen-Signature-256: sha256=<hex> (the scheme of
//     GitHub's X-Hub-Signature-256; Verify checks it).
//   - SNS: one Amazon SNS Publish per event; the Message is the same JSON
//     body, with message attributes (event, switch_id, result) for
//     subscription filter policies.
//
// Delivery (Dispatcher): the engine hands events to the dispatcher through
// its synchronous event hook; Send only appends to a per-target queue and
// never blocks, so a slow or dead target can never hold up a step, a check
// or a rollback. One goroutine per target delivers its events in order, each
// within Options.EventTimeout (all attempts included). A target that failed
// an event gets no further attempts in that shift (the rest are reported as
// skipped), so a dead target costs at most one EventTimeout. Close, called
// after the engine has returned — after any restore — waits for the queues
// to drain within its context and returns every failure, for the caller to
// report as warnings. A notification failure is never a reason to roll back
// or to fail an apply.
//
// The package knows nothing of Terraform. It does not persist or replay
// undelivered events (delivery is at most Options attempts per event, not
// at least once), and it does not deliver to targets in parallel with the
// same target's earlier events: per target, order is kept.
package notify
