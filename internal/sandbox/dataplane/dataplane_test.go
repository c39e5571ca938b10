package dataplane

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

func TestGlob(t *testing.T) {
	cases := []struct {
		p, s string
		fold bool
		want bool
	}{
		{"/api/*", "/api/", false, true},
		{"/api/*", "/api/a/b", false, true},
		{"/api/*", "/api", false, false},
		{"/img/?.png", "/img/a.png", false, true},
		{"/img/?.png", "/img/ab.png", false, false},
		{"*.example.com", "www.EXAMPLE.com", true, true},
		{"*.example.com", "example.com", true, false},
		{"*", "", false, true},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyy", false, false},
		{"/API", "/api", false, false},
		{"é?", "éx", false, true},
	}
	for _, c := range cases {
		if got := glob(c.p, c.s, c.fold); got != c.want {
			t.Errorf("glob(%q, %q, %v) = %v", c.p, c.s, c.fold, got)
		}
	}
}

func TestRedirectLocation(t *testing.T) {
	ls := elbv2.ListenerSnapshot{Protocol: "HTTP", Port: 80}
	req := func(target, host string) *http.Request {
		u, _ := url.Parse(target)
		return &http.Request{Method: "GET", URL: u, Host: host}
	}
	cases := []struct {
		rd   elbv2.Redirect
		r    *http.Request
		want string
	}{
		{elbv2.Redirect{Protocol: "HTTPS", Host: "#{host}", Port: "443", Path: "/#{path}", Query: "#{query}"},
			req("/a/b?x=1", "shop.example:80"), "https://shop.example/a/b?x=1"},
		{elbv2.Redirect{Protocol: "#{protocol}", Host: "other.example", Port: "#{port}", Path: "/new", Query: "from=#{path}"},
			req("/old", "shop.example"), "http://other.example/new?from=old"},
		{elbv2.Redirect{Protocol: "HTTP", Host: "#{host}", Port: "8080", Path: "/#{path}", Query: ""},
			req("/x", "h"), "http://h:8080/x"},
	}
	for _, c := range cases {
		if got := RedirectLocation(&c.rd, c.r, ls); got != c.want {
			t.Errorf("redirect %+v for %s: %q, want %q", c.rd, c.r.URL, got, c.want)
		}
	}
}

func TestStickinessCookieAndWeights(t *testing.T) {
	arn := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/g/0123456789abcdef"
	exp := time.Unix(2000000000, 0)
	got, gotExp, ok := decodeStickiness(EncodeStickiness(arn, exp))
	if !ok || got != arn || !gotExp.Equal(exp) {
		t.Fatalf("round trip: %q %v %v", got, gotExp, ok)
	}
	for range 1000 {
		if g := PickWeighted([]elbv2.WeightedTargetGroup{{TargetGroupARN: "a", Weight: 0}, {TargetGroupARN: "b", Weight: 1}}); g != "b" {
			t.Fatalf("weight 0 chosen: %q", g)
		}
	}
	if g := PickWeighted([]elbv2.WeightedTargetGroup{{TargetGroupARN: "a", Weight: 0}}); g != "" {
		t.Fatalf("all-zero weights chose %q", g)
	}
	r := &http.Request{Header: http.Header{"Cookie": {StickinessCookie + "=" + EncodeStickiness(arn, exp)}}}
	groups := []elbv2.WeightedTargetGroup{{TargetGroupARN: arn, Weight: 1}, {TargetGroupARN: "b", Weight: 1}}
	if g := StickyGroup(r, groups, exp.Add(-time.Second)); g != arn {
		t.Fatalf("unexpired cookie: sticky group %q, want %q", g, arn)
	}
	if g := StickyGroup(r, groups, exp); g != "" {
		t.Fatalf("expired cookie: sticky group %q", g)
	}
	groups[0].Weight = 0
	if g := StickyGroup(r, groups, exp.Add(-time.Second)); g != arn {
		t.Fatalf("a cookie for a group at weight 0 still in the forward: sticky group %q, want %q (AWS documents no exception for weight 0)", g, arn)
	}
	if g := StickyGroup(r, groups[1:], exp.Add(-time.Second)); g != "" {
		t.Fatalf("a cookie for a group no longer in the forward: sticky group %q", g)
	}
}
