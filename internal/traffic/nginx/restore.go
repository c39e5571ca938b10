package nginx

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Restore puts data — bytes the owned file held before, e.g. before a shift
// that is being rolled back — back in place byte for byte, with the same
// test, reload and confirmation as Set (and the same undo when one of them
// fails). data must parse as this router's file; the weights it gives are
// returned by the next Read.
func (r *Router) Restore(ctx context.Context, data []byte) error {
	f, err := ParseFile(r.cfg.File, data, r.cfg.Upstream, r.cfg.Blue, r.cfg.Green)
	if err != nil {
		return fmt.Errorf("restoring %s: %w", r.cfg.File, err)
	}
	w, err := f.Weights(r.cfg.File)
	if err != nil {
		return fmt.Errorf("restoring %s: %w", r.cfg.File, err)
	}
	if err := Validate(w); err != nil {
		return fmt.Errorf("restoring %s: %w", r.cfg.File, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prev, existed, err := r.readPrevious(ctx)
	if err != nil {
		return err
	}
	if existed && bytes.Equal(prev, data) {
		return nil // already in place (and what Nginx was reloaded with, or someone else's business)
	}
	return r.write(ctx, data, f.Generation, "the previous file ("+w.String()+")", prev, existed)
}

// Discovered is what a file this package wrote says about its own
// configuration, for importing it.
type Discovered struct {
	File
	Blue, Green  []string
	ServerParams []string
	Weights      traffic.Weights
}

var (
	upstreamHead = regexp.MustCompile(`(?m)^\s*upstream\s+([A-Za-z0-9_]+)\s*\{`)
	colorMarker  = regexp.MustCompile(`(?m)^\s*#\s*(blue|green):`)
)

// Discover reads back the upstream name, each color's servers and the
// server parameters from a file this package rendered: the colors come from
// the "# blue:" and "# green:" comments it writes before each color's
// servers. A file without them (written by hand) cannot be attributed and is
// an error naming the file. name is used in errors only.
func Discover(name string, data []byte) (*Discovered, error) {
	m := upstreamHead.FindSubmatch(data)
	if m == nil {
		return nil, &ParseError{File: name, Line: 1, Msg: "no upstream block"}
	}
	f, err := ParseFile(name, data, string(m[1]), nil, nil)
	if err != nil {
		return nil, err
	}
	// Line numbers of the color markers.
	markers := map[traffic.Color]int{}
	for _, loc := range colorMarker.FindAllSubmatchIndex(data, -1) {
		c := traffic.Color(data[loc[2]:loc[3]])
		if _, dup := markers[c]; !dup {
			markers[c] = 1 + bytes.Count(data[:loc[0]], []byte("\n"))
		}
	}
	bl, gl := markers[traffic.Blue], markers[traffic.Green]
	if bl == 0 || gl == 0 || bl > gl {
		return nil, &ParseError{File: name, Line: 1, Msg: "no \"# blue:\" and \"# green:\" markers before the servers of each color: " +
			"the file was not written by bluegreen_nginx_switch, so its servers cannot be told apart by color"}
	}
	d := &Discovered{File: *f}
	for i, s := range f.Servers {
		switch {
		case s.Line > gl:
			d.Green = append(d.Green, s.Address)
			f.Servers[i].Color = traffic.Green
		case s.Line > bl:
			d.Blue = append(d.Blue, s.Address)
			f.Servers[i].Color = traffic.Blue
		default:
			return nil, &ParseError{File: name, Line: s.Line, Msg: fmt.Sprintf("server %s comes before the \"# blue:\" marker", s.Address)}
		}
		if i == 0 {
			d.ServerParams = append([]string(nil), s.Params...)
		} else if strings.Join(s.Params, " ") != strings.Join(d.ServerParams, " ") {
			return nil, &ParseError{File: name, Line: s.Line, Msg: fmt.Sprintf("server %s has parameters %q, the first server %q: "+
				"this package writes the same parameters on every server", s.Address, s.Params, d.ServerParams)}
		}
	}
	if len(d.Blue) == 0 || len(d.Green) == 0 {
		return nil, &ParseError{File: name, Line: 1, Msg: "each color needs at least one server"}
	}
	d.File = *f
	if d.Weights, err = f.Weights(name); err != nil {
		return nil, err
	}
	return d, nil
}
