// Package nginx is the traffic router for Nginx (open source): it owns one
// file holding an `upstream` block with the blue and green servers and the
// weights of the current step, validates the whole configuration with
// `nginx -t`, reloads Nginx, and returns once the new configuration is live.
// Every file access and command goes through a remote.Host, so the same
// router drives Nginx on this machine or over SSH, with sudo when configured.
//
// # Why an upstream block, not split_clients
//
// The owned file is one `upstream <name> { … }` with every server of both
// colors, weighted (plus a one-line `map` holding the generation token, see
// below). The alternative — `split_clients` choosing between two upstreams —
// was rejected:
//
//   - the user's configuration stays `proxy_pass http://<name>;` and one
//     include in the http block; split_clients needs a variable in
//     proxy_pass, two upstream blocks and a map;
//   - weighted round robin is smooth and deterministic inside a worker: a
//     90/10 split answers exactly 9 blue, 1 green in every 10 requests (the
//     tests count exact numbers through a real Nginx), where split_clients
//     hashes a key and is only statistically right, and badly so for a key
//     with few distinct values (one client IP);
//   - Nginx's passive health (max_fails) and upstream keep-alive pools work
//     across both colors in one block.
//
// What split_clients would give and this does not: a sticky split (the same
// client always on the same color). Sticky canaries are not offered.
//
// # Weights (the package's facts)
//
// Set accepts 0–MaxWeight (1000) per color, not both 0. Nginx has no weight
// 0, so a color at 0 % is written `down`. Each blue server gets weight
// blue × (number of green servers) and each green server green × (number of
// blue servers), so the colors' sums stand exactly in the ratio blue:green
// whatever the server counts. Read sums the weights of the servers in
// rotation per color (down and backup servers count 0) and divides both sums
// by their largest common factor that also divides blue count × green count:
// for a file this package wrote that gives back exactly the weights Set was
// given (the routertest contract); for a hand edit it gives the true ratio in
// small numbers. A color is recognised by its server address (the router's
// Blue and Green lists); a server in neither list is a Read error naming the
// file and line, as is a file that no longer parses. A hand edit is simply
// what Read reports: drift is the engine's business.
//
// # A write
//
//  1. Read the current file (its bytes are the undo).
//  2. Render the new file to a hidden temporary file next to the target
//     (".<name>.bluegreen-tmp": same filesystem, and no `*.conf` glob picks it
//     up) and rename it over the target atomically.
//  3. Run the test command (default `nginx <args> -t -q`). `nginx -t` reads
//     the configuration where it lives, so the new file is tested in place;
//     the running Nginx does not read it before the reload. If the test
//     fails the previous bytes are renamed back (atomically) and Set fails
//     with Nginx's message: nothing was reloaded, nothing changed. (A reload
//     by someone else in the few milliseconds of the test would load the new,
//     untested file; Nginx would refuse it if it were invalid and keep the
//     old configuration.)
//  4. Run the reload command (default `nginx <args> -s reload`; configurable
//     for `systemctl reload nginx` or `docker exec web nginx -s reload`).
//  5. Confirm the new configuration is live (below). If the reload command
//     failed or the confirmation timed out, the previous bytes are put back,
//     Nginx is reloaded again and that is confirmed too; Set fails and says
//     which step failed and whether the undo worked. Past step 2 the undo
//     runs even if the caller's context is cancelled.
//
// One Set is exactly one reload. Writes through one Router are serialised;
// two processes writing the same file are not coordinated (Terraform's state
// lock keeps one writer per switch).
//
// # Confirming the reload is live
//
// `nginx -s reload` only sends SIGHUP and returns; the master then parses the
// configuration and, if it accepts it, starts new workers and asks the old
// ones to finish. A reload the master rejects (say a certificate vanished
// between test and reload) leaves the old workers alone and is only visible
// in the error log. Set therefore waits for evidence, one of:
//
//   - Processes (default; Config.PIDFile, default /run/nginx.pid): the master
//     has a child that did not exist before the reload, and every old child
//     still alive has retitled itself "worker process is shutting down" —
//     which a worker does right before closing its listening sockets, so from
//     then on no new connection reaches the old configuration. Read from
//     /proc/<master>/task/<master>/children and /proc/<pid>/cmdline through
//     the Host: Linux only, and the pid must be in the Host's pid namespace.
//   - Generation (Config.GenerationURL): for containers and other hosts where
//     the master's processes are not visible. Each written file carries a
//     fresh generation token ("18-5f2c0a9e") in a comment and in
//     `map $host $bluegreen_generation_<upstream> { default "<token>"; }`;
//     the user adds a location answering that variable (see
//     docs/guides/nginx.md) and Set polls it over fresh connections opened
//     from the Host until it answers the new token every time for
//     GenerationSettle (500 ms). The first answer proves the master applied
//     the file; but the master lets the old workers accept for about 100 ms
//     more (it sleeps 100 ms after starting the new ones before telling the
//     old ones to quit), so an old answer during the settle time restarts
//     it. This is weaker than the process evidence — a heuristic bounded by
//     Nginx's own behaviour — and costs the settle time on every Set.
//
// Either way an old worker may still be finishing requests that were in
// flight (long downloads, WebSockets) on the old weights: Nginx drains them
// and Set does not wait (the drain can last until worker_shutdown_timeout).
// Describe reports what the file says; it does not count draining workers.
//
// # Pre-flight
//
// Nginx OSS keeps no health state a router could read, so PreflightChecks
// builds one HTTP check (internal/checks/httpcheck) per server of the receiving
// color.
//
// It knows nothing of the rollout engine or of Terraform.
package nginx
