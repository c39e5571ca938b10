package dataplane

import (
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

// MatchConditions evaluates a rule's conditions against a request: all
// conditions of a rule must match; within a condition, any value may match.
func MatchConditions(conds []elbv2.ConditionSnapshot, r *http.Request) bool {
	for _, c := range conds {
		if !matchCondition(c, r) {
			return false
		}
	}
	return true
}

func matchCondition(c elbv2.ConditionSnapshot, r *http.Request) bool {
	switch c.Field {
	case "host-header": // case-insensitive, port ignored
		host := hostOnly(r.Host)
		return anyGlob(c.Values, host, true) || anyRegex(c.RegexValues, host)
	case "path-pattern": // case-sensitive, path only (no query string)
		path := r.URL.Path
		if path == "" {
			path = "/"
		}
		return anyGlob(c.Values, path, false) || anyRegex(c.RegexValues, path)
	case "http-header": // name and values case-insensitive
		for _, v := range r.Header.Values(c.HeaderName) {
			if anyGlob(c.Values, v, true) || anyRegex(c.RegexValues, v) {
				return true
			}
		}
		return false
	case "http-request-method": // exact, case-sensitive
		for _, m := range c.Values {
			if m == r.Method {
				return true
			}
		}
		return false
	case "query-string": // key/value pairs, case-insensitive wildcards; no key: any key
		q := r.URL.Query()
		for _, kv := range c.QueryString {
			for k, vs := range q {
				if kv.Key != "" && !glob(kv.Key, k, true) {
					continue
				}
				for _, v := range vs {
					if glob(kv.Value, v, true) {
						return true
					}
				}
			}
		}
		return false
	case "source-ip": // the TCP peer, not X-Forwarded-For
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		ip := net.ParseIP(host)
		if ip == nil {
			return false
		}
		for _, cidr := range c.Values {
			if _, n, err := net.ParseCIDR(cidr); err == nil && n.Contains(ip) {
				return true
			}
		}
		return false
	}
	return false
}

// hostOnly strips the port from a Host header value.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if glob(p, s, fold) {
			return true
		}
	}
	return false
}

// glob matches s against a pattern where * matches any run of characters
// (including none) and ? exactly one character, as ALB's conditions do.
func glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	p, t := []rune(pattern), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

var regexCache sync.Map // pattern → *regexp.Regexp (nil when invalid)

// anyRegex matches RegexValues (Go RE2 syntax, unanchored).
func anyRegex(patterns []string, s string) bool {
	for _, p := range patterns {
		v, ok := regexCache.Load(p)
		if !ok {
			re, err := regexp.Compile(p)
			if err != nil {
				re = nil
			}
			v, _ = regexCache.LoadOrStore(p, re)
		}
		if re := v.(*regexp.Regexp); re != nil && re.MatchString(s) {
			return true
		}
	}
	return false
}
