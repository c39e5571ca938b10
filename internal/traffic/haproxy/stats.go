package haproxy

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// ServerStat is one server's line of `show stat`: its status as HAProxy's
// health checks see it and the counters the HAProxy checks judge.
type ServerStat struct {
	Name  string
	Color traffic.Color
	// Status: "UP", "DOWN", "UP 1/2" (going down), "DOWN 1/2" (going up),
	// "NOLB", "MAINT", "DRAIN", "no check".
	Status string
	// CheckStatus is the last health check's result ("L7OK", "L4CON", …).
	CheckStatus string
	// Counters since HAProxy started (or since "clear counters").
	ConnErrors     int64    // econ: failed connections to the server
	RespErrors     int64    // eresp: response errors (server closed, bad response)
	Responses      [6]int64 // hrsp_1xx … hrsp_5xx, hrsp_other
	Sessions       int64    // stot
	LastCheckDescr string   // check_desc
}

// Total5xx is hrsp_5xx.
func (s ServerStat) Total5xx() int64 { return s.Responses[4] }

// TotalResponses is the sum of hrsp_1xx … hrsp_other.
func (s ServerStat) TotalResponses() int64 {
	var n int64
	for _, v := range s.Responses {
		n += v
	}
	return n
}

// Stats runs `show stat` and returns the backend's servers of both colors
// (servers of neither color are left out).
func (r *Router) Stats(ctx context.Context) ([]ServerStat, error) {
	out, err := r.api.Do(ctx, "show stat")
	if err != nil {
		return nil, r.errf("reading statistics of", err)
	}
	all, err := ParseStat(out, r.cfg.Backend)
	if err != nil {
		return nil, r.errf("reading statistics of", err)
	}
	var stats []ServerStat
	nb, ng := 0, 0
	for _, s := range all {
		s.Color = r.colorOf(s.Name)
		switch s.Color {
		case traffic.Blue:
			nb++
		case traffic.Green:
			ng++
		default:
			continue
		}
		stats = append(stats, s)
	}
	if nb == 0 || ng == 0 {
		return nil, r.errf("reading statistics of", fmt.Errorf("found %d blue and %d green servers (%s)", nb, ng, r.selection()))
	}
	return stats, nil
}

// ParseStat parses `show stat` CSV and returns the server lines of backend
// (FRONTEND and BACKEND lines left out). Columns are found by name.
func ParseStat(out, backend string) ([]ServerStat, error) {
	text := strings.TrimPrefix(strings.TrimSpace(out), "# ")
	rd := csv.NewReader(strings.NewReader(text))
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil || len(rows) == 0 || len(rows[0]) < 2 || rows[0][0] != "pxname" {
		return nil, fmt.Errorf("unexpected `show stat` answer: %.200q", out)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, need := range []string{"svname", "status", "econ", "eresp", "stot", "hrsp_1xx", "hrsp_5xx", "hrsp_other", "check_status"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("`show stat` has no %s column", need)
		}
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
	num := func(row []string, name string) (int64, error) {
		v := get(row, name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("`show stat` %s %q: %w", name, v, err)
		}
		return n, nil
	}
	var stats []ServerStat
	found := false
	for _, row := range rows[1:] {
		if len(row) < 2 || row[0] != backend {
			continue
		}
		found = true
		if row[1] == "FRONTEND" || row[1] == "BACKEND" {
			continue
		}
		s := ServerStat{Name: row[1], Status: get(row, "status"), CheckStatus: get(row, "check_status"), LastCheckDescr: get(row, "check_desc")}
		var err error
		fields := []struct {
			name string
			dst  *int64
		}{{"econ", &s.ConnErrors}, {"eresp", &s.RespErrors}, {"stot", &s.Sessions},
			{"hrsp_1xx", &s.Responses[0]}, {"hrsp_2xx", &s.Responses[1]}, {"hrsp_3xx", &s.Responses[2]},
			{"hrsp_4xx", &s.Responses[3]}, {"hrsp_5xx", &s.Responses[4]}, {"hrsp_other", &s.Responses[5]}}
		for _, f := range fields {
			if *f.dst, err = num(row, f.name); err != nil {
				return nil, err
			}
		}
		stats = append(stats, s)
	}
	if !found {
		return nil, fmt.Errorf("%w %q in `show stat`", ErrNoBackend, backend)
	}
	return stats, nil
}
