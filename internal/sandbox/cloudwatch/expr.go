package cloudwatch

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// tseries maps period start (unix seconds) to a value.
type tseries map[int64]float64

// exprEval evaluates GetMetricData metric-math expressions. Supported: the
// ids of other queries, numeric literals, + - * / ^, unary minus,
// parentheses, arrays [a, b, …], METRICS() and METRICS("label part") (the
// MetricStat queries, in request order, optionally those whose label
// contains the string), SUM, AVG, MIN and MAX (of one series: a scalar over
// all its values; of an array: a series, each timestamp aggregating the
// series that have a value there), and FILL(x, n) with a number n (every
// period of the query's range without a value gets n; x a series or an
// array). Binary operations between two time series keep only the
// timestamps present in both; results that are NaN or ±Inf (e.g. division
// by zero) are dropped. Arithmetic on arrays, other functions (RATE,
// IF, SEARCH, FILL with REPEAT/LINEAR, …) and Metrics Insights (SELECT …)
// queries are rejected with ValidationError, as is an expression whose
// result is not a single time series.
type exprEval struct {
	byID  map[string]*mdq
	order []string // MetricStat ids in request order (METRICS())
	done  map[string]tseries
	busy  map[string]bool
	// stamps returns every period start of the query's range for a period
	// (FILL).
	stamps func(period int64) []int64
}

func (e *exprEval) eval(id string) tseries {
	if ts, ok := e.done[id]; ok {
		return ts
	}
	q := e.byID[id]
	if e.busy[id] {
		bad("ValidationError", "Error in expression %s: circular reference to %s.", id, id)
	}
	e.busy[id] = true
	defer delete(e.busy, id)
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q.expr)), "SELECT") {
		bad("ValidationError", "Error in expression %s: Metrics Insights queries (SELECT …) are not supported by the CloudWatch sandbox.", id)
	}
	p := &exprParser{src: q.expr, id: id, ev: e, period: e.periodOf(q)}
	p.next()
	v := p.parseExpr()
	if p.tok.kind != tEOF {
		p.errorf("unexpected %q", p.tok.text)
	}
	switch v.kind {
	case kScalar:
		bad("ValidationError", "Error in expression %s: the expression must return a time series.", id)
	case kArray:
		bad("ValidationError", "Error in expression %s: an expression returning an array of time series is not supported by the CloudWatch sandbox (aggregate it with SUM, AVG, MIN or MAX).", id)
	}
	e.done[id] = v.ts
	return v.ts
}

// periodOf is an expression's period: its own, else the longest period of
// the MetricStat queries (60 when there are none).
func (e *exprEval) periodOf(q *mdq) int64 {
	if q.period > 0 {
		return q.period
	}
	var p int64
	for _, id := range e.order {
		p = max(p, e.byID[id].period)
	}
	if p == 0 {
		p = 60
	}
	return p
}

type valKind int

const (
	kScalar valKind = iota
	kSeries
	kArray
	kString // only as a function argument
)

type exprVal struct {
	kind   valKind
	scalar float64
	ts     tseries
	arr    []tseries
	str    string // kString: a function's string argument
}

func series1(ts tseries) exprVal { return exprVal{kind: kSeries, ts: ts} }

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tIdent
	tOp
	tStr
)

type token struct {
	kind tokKind
	text string
	num  float64
}

type exprParser struct {
	src    string
	pos    int
	tok    token
	id     string
	ev     *exprEval
	period int64
}

func (p *exprParser) errorf(format string, args ...any) {
	all := append([]any{p.id}, args...)
	bad("ValidationError", "Error in expression %s: "+format+".", all...)
}

func (p *exprParser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
	if p.pos >= len(p.src) {
		p.tok = token{kind: tEOF}
		return
	}
	c := p.src[p.pos]
	switch {
	case c >= '0' && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
			p.pos++
		}
		// exponent (1e3, 2.5E-2)
		if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
			q := p.pos + 1
			if q < len(p.src) && (p.src[q] == '+' || p.src[q] == '-') {
				q++
			}
			if q < len(p.src) && p.src[q] >= '0' && p.src[q] <= '9' {
				p.pos = q
				for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
					p.pos++
				}
			}
		}
		text := p.src[start:p.pos]
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			p.errorf("invalid number %q", text)
		}
		p.tok = token{kind: tNum, text: text, num: f}
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := p.pos
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				p.pos++
				continue
			}
			break
		}
		p.tok = token{kind: tIdent, text: p.src[start:p.pos]}
	case c == '"' || c == '\'':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			p.errorf("unterminated string")
		}
		p.tok = token{kind: tStr, text: p.src[p.pos+1 : p.pos+1+end]}
		p.pos += end + 2
	case strings.IndexByte("+-*/^(),[]", c) >= 0:
		p.pos++
		p.tok = token{kind: tOp, text: string(c)}
	default:
		p.errorf("unexpected character %q", string(c))
	}
}

func (p *exprParser) isOp(s string) bool { return p.tok.kind == tOp && p.tok.text == s }

// expr := term (('+'|'-') term)*
func (p *exprParser) parseExpr() exprVal {
	v := p.parseTerm()
	for p.isOp("+") || p.isOp("-") {
		op := p.tok.text
		p.next()
		v = p.binop(op, v, p.parseTerm())
	}
	return v
}

// term := unary (('*'|'/') unary)*
func (p *exprParser) parseTerm() exprVal {
	v := p.parseUnary()
	for p.isOp("*") || p.isOp("/") {
		op := p.tok.text
		p.next()
		v = p.binop(op, v, p.parseUnary())
	}
	return v
}

// unary := ('-'|'+') unary | power
func (p *exprParser) parseUnary() exprVal {
	if p.isOp("-") {
		p.next()
		return p.binop("*", exprVal{scalar: -1}, p.parseUnary())
	}
	if p.isOp("+") {
		p.next()
		return p.parseUnary()
	}
	return p.parsePower()
}

// power := primary ('^' unary)?
func (p *exprParser) parsePower() exprVal {
	v := p.parsePrimary()
	if p.isOp("^") {
		p.next()
		v = p.binop("^", v, p.parseUnary())
	}
	return v
}

func (p *exprParser) parsePrimary() exprVal {
	switch p.tok.kind {
	case tNum:
		v := exprVal{scalar: p.tok.num}
		p.next()
		return v
	case tIdent:
		name := p.tok.text
		p.next()
		if p.isOp("(") {
			p.next()
			return p.call(name)
		}
		if _, ok := p.ev.byID[name]; !ok {
			p.errorf("unknown identifier %s", name)
		}
		return series1(p.ev.eval(name))
	case tOp:
		if p.tok.text == "(" {
			p.next()
			v := p.parseExpr()
			if !p.isOp(")") {
				p.errorf("missing closing parenthesis")
			}
			p.next()
			return v
		}
		if p.tok.text == "[" {
			p.next()
			var arr []tseries
			for !p.isOp("]") {
				if len(arr) > 0 {
					if !p.isOp(",") {
						p.errorf("expected , or ] in array")
					}
					p.next()
				}
				v := p.parseExpr()
				switch v.kind {
				case kSeries:
					arr = append(arr, v.ts)
				case kArray:
					arr = append(arr, v.arr...)
				default:
					p.errorf("an array holds time series, not numbers")
				}
			}
			p.next()
			if len(arr) == 0 {
				p.errorf("empty array")
			}
			return exprVal{kind: kArray, arr: arr}
		}
		p.errorf("unexpected %q", p.tok.text)
	case tStr:
		p.errorf("unexpected string %q (strings are function arguments only)", p.tok.text)
	}
	p.errorf("unexpected end of expression")
	return exprVal{}
}

func apply(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	default: // "^"
		return math.Pow(a, b)
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (p *exprParser) binop(op string, a, b exprVal) exprVal {
	if a.kind == kArray || b.kind == kArray {
		p.errorf("arithmetic on arrays of time series is not supported by the CloudWatch sandbox")
	}
	switch {
	case a.kind == kScalar && b.kind == kScalar:
		return exprVal{scalar: apply(op, a.scalar, b.scalar)}
	case a.kind == kSeries && b.kind == kSeries:
		out := tseries{}
		for t, x := range a.ts {
			if y, ok := b.ts[t]; ok {
				if r := apply(op, x, y); finite(r) {
					out[t] = r
				}
			}
		}
		return series1(out)
	case a.kind == kSeries:
		out := tseries{}
		for t, x := range a.ts {
			if r := apply(op, x, b.scalar); finite(r) {
				out[t] = r
			}
		}
		return series1(out)
	default:
		out := tseries{}
		for t, y := range b.ts {
			if r := apply(op, a.scalar, y); finite(r) {
				out[t] = r
			}
		}
		return series1(out)
	}
}

// args parses a call's arguments after "(" through ")".
func (p *exprParser) args(name string) []exprVal {
	var out []exprVal
	for !p.isOp(")") {
		if p.tok.kind == tEOF {
			p.errorf("missing closing parenthesis")
		}
		if len(out) > 0 {
			if !p.isOp(",") {
				p.errorf("expected , or ) in the arguments of %s", name)
			}
			p.next()
		}
		if p.tok.kind == tStr {
			out = append(out, exprVal{kind: kString, str: p.tok.text})
			p.next()
			continue
		}
		out = append(out, p.parseExpr())
	}
	p.next()
	return out
}

// call evaluates a function call; "(" is consumed.
func (p *exprParser) call(name string) exprVal {
	args := p.args(name)
	argc := func(n int) {
		if len(args) != n {
			p.errorf("%s takes %d argument(s), got %d", name, n, len(args))
		}
	}
	switch name {
	case "METRICS":
		if len(args) > 1 {
			p.errorf("METRICS takes at most 1 argument, got %d", len(args))
		}
		filter := ""
		if len(args) == 1 {
			if args[0].kind != kString {
				p.errorf("the argument of METRICS must be a string")
			}
			filter = args[0].str
		}
		var arr []tseries
		for _, id := range p.ev.order {
			q := p.ev.byID[id]
			label := q.name
			if q.hasLabel {
				label = q.label
			}
			if filter == "" || strings.Contains(label, filter) {
				arr = append(arr, p.ev.eval(id))
			}
		}
		return exprVal{kind: kArray, arr: arr}
	case "SUM", "AVG", "MIN", "MAX":
		argc(1)
		switch a := args[0]; a.kind {
		case kSeries:
			vals := make([]float64, 0, len(a.ts))
			for _, v := range a.ts {
				vals = append(vals, v)
			}
			if len(vals) == 0 {
				p.errorf("%s of a time series without datapoints", name)
			}
			return exprVal{scalar: aggregate(name, vals)}
		case kArray:
			byT := map[int64][]float64{}
			for _, ts := range a.arr {
				for t, v := range ts {
					byT[t] = append(byT[t], v)
				}
			}
			out := tseries{}
			for t, vs := range byT {
				out[t] = aggregate(name, vs)
			}
			return series1(out)
		default:
			p.errorf("the argument of %s must be a time series or an array of time series", name)
		}
	case "FILL":
		argc(2)
		if args[1].kind == kString || args[1].kind == kSeries || args[1].kind == kArray {
			p.errorf("FILL with a value other than a number (REPEAT, LINEAR, a time series) is not supported by the CloudWatch sandbox")
		}
		fill := func(ts tseries) tseries {
			out := tseries{}
			for _, t := range p.ev.stamps(p.period) {
				out[t] = args[1].scalar
			}
			for t, v := range ts {
				out[t] = v
			}
			return out
		}
		switch a := args[0]; a.kind {
		case kSeries:
			return series1(fill(a.ts))
		case kArray:
			arr := make([]tseries, len(a.arr))
			for i, ts := range a.arr {
				arr[i] = fill(ts)
			}
			return exprVal{kind: kArray, arr: arr}
		default:
			p.errorf("the first argument of FILL must be a time series or an array of time series")
		}
	}
	p.errorf("function %s is not supported by the CloudWatch sandbox (supported: METRICS, SUM, AVG, MIN, MAX, FILL)", name)
	return exprVal{}
}

func aggregate(name string, vs []float64) float64 {
	sort.Float64s(vs) // deterministic summation order
	r := vs[0]
	for _, v := range vs[1:] {
		switch name {
		case "SUM", "AVG":
			r += v
		case "MIN":
			r = math.Min(r, v)
		case "MAX":
			r = math.Max(r, v)
		}
	}
	if name == "AVG" {
		r /= float64(len(vs))
	}
	return r
}
