package nginx

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// PreflightChecks builds one HTTP check per server of color c, for the
// pre-flight before traffic moves to it: Nginx OSS keeps no health state a
// router could read (passive max_fails only counts failures of real traffic,
// and active health checks are Nginx Plus), so the receiving servers are
// asked directly.
//
// template is the check every server gets; its URL gives the scheme, path
// and query ("http://placeholder/healthz") and its host is replaced by each
// server's address. Each check is named "nginx:<color>:<address>". The
// checks run from where the provider runs: servers Nginx reaches on a
// private network must be reachable from there too. unix: servers cannot be
// checked this way and are refused.
func PreflightChecks(c traffic.Color, servers []string, template httpcheck.Config) ([]*httpcheck.Check, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("pre-flight checks: invalid color %q", c)
	}
	if len(servers) == 0 {
		return nil, fmt.Errorf("pre-flight checks: the %s color has no servers", c)
	}
	base, err := url.Parse(template.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("pre-flight checks: template URL %q must be an absolute http or https URL (its host is replaced by each server)", template.URL)
	}
	var out []*httpcheck.Check
	for _, s := range servers {
		if strings.HasPrefix(s, "unix:") {
			return nil, fmt.Errorf("pre-flight checks: %s server %s is a unix socket; check it with an explicit http check instead", c, s)
		}
		u := *base
		u.Host = s
		cfg := template
		cfg.URL = u.String()
		cfg.Name = "nginx:" + string(c) + ":" + s
		chk, err := httpcheck.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("pre-flight check of %s server %s: %w", c, s, err)
		}
		out = append(out, chk)
	}
	return out, nil
}

// PreflightChecks builds the pre-flight checks of color c's servers as this
// router writes them (see the package function).
func (r *Router) PreflightChecks(c traffic.Color, template httpcheck.Config) ([]*httpcheck.Check, error) {
	servers := r.cfg.Blue
	if c == traffic.Green {
		servers = r.cfg.Green
	}
	return PreflightChecks(c, servers, template)
}
