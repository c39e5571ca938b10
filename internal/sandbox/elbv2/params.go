package elbv2

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// params is a view of awsQuery form values, optionally scoped to a prefix.
//
// aws-sdk-go-v2 flattens structures with '.' and lists with ".member.N"
// (1-based), e.g. DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight.
// An empty list is sent as the bare key with an empty value ("Conditions=").
type params struct {
	v url.Values
}

func newParams(v url.Values) params { return params{v: v} }

// str returns the first value of key and whether the key was sent.
func (p params) str(key string) (string, bool) {
	vs, ok := p.v[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// get returns the value of key or "".
func (p params) get(key string) string {
	s, _ := p.str(key)
	return s
}

// has reports whether key itself or any nested key below it was sent.
func (p params) has(key string) bool {
	if _, ok := p.v[key]; ok {
		return true
	}
	pre := key + "."
	for k := range p.v {
		if strings.HasPrefix(k, pre) {
			return true
		}
	}
	return false
}

// sub returns the view of the structure at key (keys below "key.").
func (p params) sub(key string) params {
	pre := key + "."
	out := url.Values{}
	for k, vs := range p.v {
		if strings.HasPrefix(k, pre) {
			out[k[len(pre):]] = vs
		}
	}
	return params{v: out}
}

// members returns the elements of the list at key ("key.member.N..."),
// ordered by N. Each element is a view of its own sub-keys; a scalar element
// ("key.member.N=value") is available under the empty key "".
func (p params) members(key string) []params {
	pre := key + ".member."
	groups := map[int]url.Values{}
	for k, vs := range p.v {
		if !strings.HasPrefix(k, pre) {
			continue
		}
		rest := k[len(pre):]
		idxStr, tail, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idxStr)
		if err != nil || n < 1 {
			continue
		}
		g := groups[n]
		if g == nil {
			g = url.Values{}
			groups[n] = g
		}
		g[tail] = vs
	}
	idx := make([]int, 0, len(groups))
	for n := range groups {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]params, 0, len(idx))
	for _, n := range idx {
		out = append(out, params{v: groups[n]})
	}
	return out
}

// strList returns a list of scalars at key ("key.member.N=value").
func (p params) strList(key string) []string {
	ms := p.members(key)
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.get(""))
	}
	return out
}

// listSent reports whether the list at key was sent at all (possibly empty).
func (p params) listSent(key string) bool { return p.has(key) }

// int32Field parses an optional integer member. ok=false when absent;
// bad=true when present but not an integer (the caller reports it).
func (p params) int32Field(key string) (val int32, ok bool, bad bool) {
	s, present := p.str(key)
	if !present {
		return 0, false, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return 0, true, true
	}
	return int32(n), true, false
}

// boolField parses an optional boolean member.
func (p params) boolField(key string) (val bool, ok bool, bad bool) {
	s, present := p.str(key)
	if !present {
		return false, false, false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, true, false
	case "false":
		return false, true, false
	}
	return false, true, true
}

// values returns the raw values (for generic echo of unmodelled structures).
func (p params) values() url.Values { return p.v }
