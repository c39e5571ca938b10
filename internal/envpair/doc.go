// Package envpair manages a blue/green environment pair: two ALB target
// groups, <name>-blue and <name>-green, created from one specification so the
// two colors can never drift apart. It talks to ELBv2 through a narrow
// interface made of the SDK's own method set.
//
// What it does: create both groups (health check, deregistration delay, slow
// start, tags), apply a changed shared spec to both, label each color with a
// version tag (bluegreen:version), register and deregister each color's
// targets to match the desired set, read both colors back, and delete both.
//
// What it does not do: it never touches listeners or weights (that is the
// switch's job), and it refuses to delete a group a listener still forwards to
// — AWS answers ResourceInUse and the error says which group is in use.
package envpair
