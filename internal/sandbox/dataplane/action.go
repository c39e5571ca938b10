package dataplane

import (
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

// RoutingAction returns the forward, fixed-response or redirect action of an
// action list. authenticate-* and jwt-validation actions that precede it are
// not emulated: requests pass them as if authenticated.
func RoutingAction(acts []elbv2.ActionSnapshot) (elbv2.ActionSnapshot, bool) {
	sorted := append([]elbv2.ActionSnapshot(nil), acts...)
	key := func(a elbv2.ActionSnapshot) int64 {
		if a.Order == 0 { // not sent: after the ordered ones, in list order
			return math.MaxInt64
		}
		return int64(a.Order)
	}
	sort.SliceStable(sorted, func(i, j int) bool { return key(sorted[i]) < key(sorted[j]) })
	for _, a := range sorted {
		switch a.Type {
		case "forward", "fixed-response", "redirect":
			return a, true
		}
	}
	return elbv2.ActionSnapshot{}, false
}

// WriteFixedResponse answers with a fixed-response action's status, content
// type and body, as the load balancer does.
func WriteFixedResponse(w http.ResponseWriter, f *elbv2.FixedResponse) {
	status, body, ctype := http.StatusOK, "", "text/plain; charset=utf-8"
	if f != nil {
		if n, err := strconv.Atoi(f.StatusCode); err == nil && n >= 100 && n <= 599 {
			status = n
		}
		body = f.MessageBody
		if f.ContentType != "" {
			ctype = f.ContentType
		}
	}
	w.Header().Set("Server", "awselb/2.0")
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// RedirectLocation builds the Location of a redirect action, substituting
// #{protocol}, #{host}, #{port}, #{path} (without its leading "/") and
// #{query} with the request's values; the port is the listener's AWS port.
// A port that is the protocol's default (80, 443) is left out.
func RedirectLocation(rd *elbv2.Redirect, r *http.Request, ls elbv2.ListenerSnapshot) string {
	if rd == nil {
		rd = &elbv2.Redirect{}
	}
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	inProto := strings.ToLower(ls.Protocol)
	if inProto == "" {
		inProto = "http"
	}
	repl := strings.NewReplacer(
		"#{protocol}", inProto,
		"#{host}", hostOnly(r.Host),
		"#{port}", strconv.Itoa(int(ls.Port)),
		"#{path}", strings.TrimPrefix(r.URL.EscapedPath(), "/"),
		"#{query}", r.URL.RawQuery,
	)
	proto := strings.ToLower(repl.Replace(def(rd.Protocol, "#{protocol}")))
	host := repl.Replace(def(rd.Host, "#{host}"))
	port := repl.Replace(def(rd.Port, "#{port}"))
	path := repl.Replace(def(rd.Path, "/#{path}"))
	query := repl.Replace(def(rd.Query, "#{query}"))
	var b strings.Builder
	b.WriteString(proto)
	b.WriteString("://")
	b.WriteString(host)
	if !(proto == "http" && port == "80") && !(proto == "https" && port == "443") && port != "" {
		b.WriteString(":" + port)
	}
	if !strings.HasPrefix(path, "/") {
		b.WriteString("/")
	}
	b.WriteString(path)
	if query != "" {
		b.WriteString("?" + query)
	}
	return b.String()
}
