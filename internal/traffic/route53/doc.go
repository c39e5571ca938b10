// Package route53 is the traffic router for Route 53 weighted DNS: two
// weighted record sets of one name and type in one hosted zone, one per color,
// told apart by their set identifiers (typically aliases to the load
// balancers of two complete stacks).
//
// Weights are the record sets' own weights, 0–255 each (Route 53's range;
// it stays in this package). Read returns them exactly as stored, so the
// engine's percent-scale splits (blue=90 green=10) round-trip unchanged.
// Route 53 answers a weighted query with one record set chosen at random in
// proportion to the weights; 0/0 would mean "equal split", so Set refuses it.
//
// Set reads both record sets (adoption: their alias target or values, TTL and
// health check are kept as found) and writes both weights in ONE
// ChangeResourceRecordSets batch of two UPSERTs. Route 53 applies a batch
// atomically, so a failed Set has written nothing: the contract's "undo a
// partial write" cannot arise. Set returns when Route 53 has accepted the
// change; Settle then waits until GetChange reports INSYNC (every Route 53
// name server serves it) and holds one TTL through the injected clock, so
// that resolvers' cached answers from before the change have expired (60 s
// for alias records, whose answers carry Route 53's alias TTL).
//
// Read and Set refuse, without writing, a record that does not exist, a
// record set that is not weighted (simple, failover, latency, …), a missing
// color, and weighted record sets besides blue and green (they would take a
// share of the answers the switch does not control).
package route53
