// Package haproxy is the traffic router for HAProxy: it moves the share
// between blue and green by changing server weights through HAProxy's
// Runtime API (the admin stats socket), with no reload.
//
// # Layout
//
// One backend holds the servers of both colors; a server's color comes from
// explicit lists (Config.BlueServers / GreenServers) or from its name
// (prefixes "blue" and "green" by default). This is HAProxy's own canary
// idiom, and it keeps what HAProxy does best in charge: health checks,
// retries and redispatch work across all servers of the backend, and a
// color whose servers all fail its health checks stops getting traffic
// instead of answering 503. The alternative — two backends chosen by a map
// or a random-number ACL in the frontend — needs rules in the user's
// frontend and sends a color's whole share to 503s when its servers are
// down; it is what the reload approach of the source texts uses.
//
// # Weights: exact shares and an exact round trip
//
// HAProxy server weights are 0–256 (MaxWeight); a color's share is the sum
// of its servers' weights over the sum of all weights. With nb blue and ng
// green servers, let k = min(nb, ng). A color weight W (0–256) is spread
// over the color's n servers so that they sum to exactly k·W: each gets
// ⌊k·W/n⌋ and the first (k·W mod n) get one more (Spread). Because k ≤ n,
// no server exceeds W ≤ 256. The color sums are then k·B and k·G, exactly
// proportional to B and G, so the share is exact whatever the server
// counts; Read divides the sums by k and returns exactly what Set wrote
// (Decode). Example, 2 blue and 3 green servers, k = 2, the engine's 90/10:
// blue 90, 90 (sum 180), green 7, 7, 6 (sum 20) — 10% green. When another
// writer left sums that do not divide by k, Read returns the raw sums: the
// share it reports is still the true one. With equal server counts every
// server of a color simply carries the color weight.
//
// Servers of neither color must have weight 0 (Read refuses otherwise: they
// would take a share the switch does not control). HAProxy spreads a DOWN
// server's share over the UP servers of both colors: the pre-flight check
// (checks/haproxystats) makes sure the receiving color is UP.
//
// The backend must use a dynamic balancing algorithm (roundrobin, leastconn,
// random, or consistent hashing); static-rr and map-based hashing accept
// only 0 and the initial weight, and HAProxy's refusal is reported.
//
// # Writes
//
// HAProxy runs the commands of one Runtime API line one after the other;
// the management guide promises atomicity only for `commit map`/`commit
// acl`, not for a line of `set server` commands, and other threads route
// requests between two of them. So Set sends every `set server <backend>/
// <server> weight <n>` of a shift in one command line (one round trip, no
// gap for a network hiccup) in an order that keeps every intermediate
// state between the old and the new share and never at zero total weight:
// increases first, then decreases (Plan). For the engine's writes (blue =
// 100 − green) every intermediate share lies between old and new — a
// randomized test hunts for counter-examples. Set then reads `show servers
// state` back (a write longer than about 8 kB — some 200 servers — is split
// into several lines, in the same order); if HAProxy did not take every weight (a refusal, a static
// algorithm, a server that vanished), it writes the previous weights back
// in the same safe order and returns the error, saying whether the
// restore worked. Once the line is sent, cancellation of ctx no longer
// interrupts Set: the write is verified (or undone) to the end.
//
// Runtime API traffic per Set: three command lines — `show servers state
// <backend>`, the write, `show servers state <backend>` — plus `show servers
// state` when a state file is kept.
//
// # Persistence
//
// Runtime weights vanish when HAProxy reloads or restarts. With
// Config.StateFile set to the path of the file HAProxy's global
// `server-state-file` names, and `load-server-state-from-file global` in
// the backend (or defaults), the router saves `show servers state` there
// after every Set (temporary file, then rename), so a reload comes back
// with the last shift's weights. This keeps the user's configuration
// untouched (rewriting weights in haproxy.cfg would fight the user's own
// configuration management) and is HAProxy's documented mechanism for
// seamless reloads. A failure to save the file undoes the shift (Set is all
// or nothing). Without a state file a reload brings back the weights of the
// configuration, and Read reports exactly that: the engine sees the drift.
// Persisted returns what the state file would restore. HAProxy restores a
// saved weight only for a server whose configured weight is unchanged
// (checked on 2.6: editing a server's weight in the configuration makes the
// configuration's value win at the next reload), and Read then reports it.
//
// # Reaching the socket
//
// Through a remote.Host: the Runtime API may be a TCP socket ("ipv4@…")
// or a unix socket, on this machine (remote.Local) or on the load balancer
// through SSH (remote.SSH: direct-tcpip or direct-streamlocal channels).
//
// What it does not do: add or remove servers, change the configuration,
// reload HAProxy, or drive several backends at once (one router per
// backend).
package haproxy
