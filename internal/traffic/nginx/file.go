package nginx

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Server is one `server` line of the owned upstream block.
type Server struct {
	// Address as written (host:port, an IP, a name, or unix:/path).
	Address string
	// Color is the list the address belongs to ("" when in neither).
	Color traffic.Color
	// Weight is the weight= parameter (1 when absent, as in Nginx).
	Weight int64
	Down   bool
	Backup bool
	// Params are the other parameters, as written (max_fails=3 …).
	Params []string
	// Line is the line number in the file.
	Line int
}

// File is what the owned file says.
type File struct {
	// Upstream is the upstream block's name.
	Upstream string
	// Generation is the token of the write that produced the file ("" for a
	// file written by hand).
	Generation string
	// Servers lists the server lines in order.
	Servers []Server
	// Directives are the upstream block's other directives, as written
	// without the trailing ';' (keepalive 16, least_conn …).
	Directives []string
}

// ParseError is a file that does not parse: it names the file and line.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("nginx upstream file %s:%d: %s", e.File, e.Line, e.Msg)
}

// token is one lexical item of Nginx syntax.
type token struct {
	text   string
	line   int
	quoted bool
	// punct is ';', '{' or '}' for those tokens, 0 otherwise.
	punct byte
}

// lex splits Nginx configuration text into words, quoted strings and the
// punctuation ; { }. A comment runs from # to the end of the line; the
// generation comment is returned separately.
func lex(name string, data []byte) (toks []token, generation string, err error) {
	s := string(data)
	line := 1
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\n':
			line++
			i++
		case ' ', '\t', '\r':
			i++
		case '#':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			comment := strings.TrimSpace(s[i+1 : i+j])
			if g, ok := strings.CutPrefix(comment, generationComment); ok && generation == "" {
				generation = strings.TrimSpace(g)
			}
			i += j
		case ';', '{', '}':
			toks = append(toks, token{text: string(c), line: line, punct: c})
			i++
		case '"', '\'':
			start := line
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				if s[j] == '\n' {
					line++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, "", &ParseError{File: name, Line: start, Msg: "unterminated quoted string"}
			}
			toks = append(toks, token{text: b.String(), line: start, quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n;{}#\"'", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j], line: line})
			i = j
		}
	}
	return toks, generation, nil
}

// statement is a directive with its arguments, and its block when it has one.
type statement struct {
	name  string
	args  []token
	line  int
	block []statement
}

func parseStatements(name string, toks []token, pos int, nested bool) ([]statement, int, error) {
	var out []statement
	for pos < len(toks) {
		t := toks[pos]
		if t.punct == '}' {
			if !nested {
				return nil, 0, &ParseError{File: name, Line: t.line, Msg: `unexpected "}"`}
			}
			return out, pos + 1, nil
		}
		if t.punct != 0 {
			return nil, 0, &ParseError{File: name, Line: t.line, Msg: fmt.Sprintf("unexpected %q", t.text)}
		}
		st := statement{name: t.text, line: t.line}
		pos++
		for {
			if pos >= len(toks) {
				return nil, 0, &ParseError{File: name, Line: t.line, Msg: fmt.Sprintf("directive %q is not terminated by \";\" or a block", st.name)}
			}
			a := toks[pos]
			if a.punct == ';' {
				pos++
				break
			}
			if a.punct == '{' {
				block, next, err := parseStatements(name, toks, pos+1, true)
				if err != nil {
					return nil, 0, err
				}
				st.block = block
				if st.block == nil {
					st.block = []statement{}
				}
				pos = next
				break
			}
			if a.punct == '}' {
				return nil, 0, &ParseError{File: name, Line: a.line, Msg: fmt.Sprintf("directive %q is not terminated by \";\"", st.name)}
			}
			st.args = append(st.args, a)
			pos++
		}
		out = append(out, st)
	}
	if nested {
		line := 1
		if len(toks) > 0 {
			line = toks[len(toks)-1].line
		}
		return nil, 0, &ParseError{File: name, Line: line, Msg: `unexpected end of file, expecting "}"`}
	}
	return out, pos, nil
}

// ParseFile parses the owned file: at top level exactly one `upstream
// <upstream> { … }` and optionally maps (the generation map among them);
// inside the upstream, server lines (weight=, down, backup and other
// parameters kept as written) and other directives (kept as written).
// Colors are assigned from the blue and green address lists. name is used in
// errors only.
func ParseFile(name string, data []byte, upstream string, blue, green []string) (*File, error) {
	toks, generation, err := lex(name, data)
	if err != nil {
		return nil, err
	}
	stmts, _, err := parseStatements(name, toks, 0, false)
	if err != nil {
		return nil, err
	}
	colorOf := map[string]traffic.Color{}
	for _, a := range blue {
		colorOf[a] = traffic.Blue
	}
	for _, a := range green {
		colorOf[a] = traffic.Green
	}
	f := &File{Generation: generation}
	found := false
	for _, st := range stmts {
		switch st.name {
		case "map":
			if st.block == nil {
				return nil, &ParseError{File: name, Line: st.line, Msg: "map without a block"}
			}
		case "upstream":
			if st.block == nil || len(st.args) != 1 {
				return nil, &ParseError{File: name, Line: st.line, Msg: "upstream needs one name and a block"}
			}
			if st.args[0].text != upstream {
				return nil, &ParseError{File: name, Line: st.line, Msg: fmt.Sprintf("upstream %q is not the managed upstream %q", st.args[0].text, upstream)}
			}
			if found {
				return nil, &ParseError{File: name, Line: st.line, Msg: fmt.Sprintf("upstream %q is defined twice", upstream)}
			}
			found = true
			f.Upstream = upstream
			for _, in := range st.block {
				if in.block != nil {
					return nil, &ParseError{File: name, Line: in.line, Msg: fmt.Sprintf("unexpected block %q inside upstream", in.name)}
				}
				if in.name != "server" {
					words := []string{in.name}
					for _, a := range in.args {
						words = append(words, a.text)
					}
					f.Directives = append(f.Directives, strings.Join(words, " "))
					continue
				}
				srv, err := parseServer(name, in, colorOf)
				if err != nil {
					return nil, err
				}
				f.Servers = append(f.Servers, srv)
			}
		default:
			return nil, &ParseError{File: name, Line: st.line, Msg: fmt.Sprintf("unexpected directive %q (the file holds the upstream %q and nothing else)", st.name, upstream)}
		}
	}
	if !found {
		return nil, &ParseError{File: name, Line: 1, Msg: fmt.Sprintf("no upstream %q block", upstream)}
	}
	return f, nil
}

func parseServer(name string, st statement, colorOf map[string]traffic.Color) (Server, error) {
	if len(st.args) == 0 {
		return Server{}, &ParseError{File: name, Line: st.line, Msg: "server without an address"}
	}
	srv := Server{Address: st.args[0].text, Weight: 1, Line: st.line}
	srv.Color = colorOf[srv.Address]
	for _, a := range st.args[1:] {
		switch {
		case a.text == "down":
			srv.Down = true
		case a.text == "backup":
			srv.Backup = true
		case strings.HasPrefix(a.text, "weight="):
			w, err := strconv.ParseInt(strings.TrimPrefix(a.text, "weight="), 10, 64)
			if err != nil || w <= 0 || w > maxServerWeight {
				return Server{}, &ParseError{File: name, Line: st.line, Msg: fmt.Sprintf("server %s: invalid %q (Nginx weights are whole numbers from 1; there is no weight 0, a server without traffic is \"down\")", srv.Address, a.text)}
			}
			srv.Weight = w
		default:
			srv.Params = append(srv.Params, a.text)
		}
	}
	return srv, nil
}

// maxServerWeight bounds a parsed weight= so sums cannot overflow.
const maxServerWeight = 1 << 30

// Weights are the traffic weights the file gives each color: the sum of the
// weights of the color's servers in rotation (not down, not backup), reduced
// by the largest factor that divides both sums and the product of the
// colors' server counts. For a file this package rendered from weights w,
// that is exactly w; for a hand edit it is the true ratio.
func (f *File) Weights(name string) (traffic.Weights, error) {
	var sum [2]int64
	var count [2]int64
	for _, s := range f.Servers {
		i := 0
		switch s.Color {
		case traffic.Blue:
		case traffic.Green:
			i = 1
		default:
			return traffic.Weights{}, &ParseError{File: name, Line: s.Line, Msg: fmt.Sprintf("server %s is in neither the blue nor the green server list", s.Address)}
		}
		if s.Backup {
			continue
		}
		count[i]++
		if !s.Down {
			sum[i] += s.Weight
		}
	}
	d := gcd(gcd(max(count[0], 1)*max(count[1], 1), sum[0]), sum[1])
	if d == 0 {
		d = 1
	}
	b, g := sum[0]/d, sum[1]/d
	if b > 1<<31-1 || g > 1<<31-1 {
		return traffic.Weights{}, &ParseError{File: name, Line: 1, Msg: "server weights too large"}
	}
	return traffic.Weights{Blue: int32(b), Green: int32(g)}, nil
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

const (
	generationComment = "generation "
	header            = `# Managed by terraform-provider-bluegreen (bluegreen_nginx_switch): the blue/green
# weights of upstream %q. Include it in the http block. A hand edit is
# reported as drift and replaced by the next switch.
`
)

// render writes the file for weights w (validated by the caller):
// each blue server gets weight w.Blue × len(green), each green server
// w.Green × len(blue), so each color's sum is its weight × len(blue) ×
// len(green) and the ratio is exactly w.Blue : w.Green; a color at 0 is
// `down` (Nginx has no weight 0).
func render(cfg *Config, w traffic.Weights, generation string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, header, cfg.Upstream)
	fmt.Fprintf(&b, "# %s%s\n", generationComment, generation)
	fmt.Fprintf(&b, "map $host $%s {\n    default %q;\n}\n", cfg.GenerationVariable(), generation)
	fmt.Fprintf(&b, "upstream %s {\n", cfg.Upstream)
	for _, d := range cfg.Directives {
		fmt.Fprintf(&b, "    %s;\n", d)
	}
	line := func(addr string, weight int64) {
		b.WriteString("    server ")
		b.WriteString(addr)
		if weight == 0 {
			b.WriteString(" down")
		} else {
			fmt.Fprintf(&b, " weight=%d", weight)
		}
		for _, p := range cfg.ServerParams {
			b.WriteByte(' ')
			b.WriteString(p)
		}
		b.WriteString(";\n")
	}
	fmt.Fprintf(&b, "    # blue: %s\n", pct(w, traffic.Blue))
	for _, a := range cfg.Blue {
		line(a, int64(w.Blue)*int64(len(cfg.Green)))
	}
	fmt.Fprintf(&b, "    # green: %s\n", pct(w, traffic.Green))
	for _, a := range cfg.Green {
		line(a, int64(w.Green)*int64(len(cfg.Blue)))
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

func pct(w traffic.Weights, c traffic.Color) string {
	return strconv.FormatFloat(w.Percent(c), 'f', -1, 64) + " %"
}
