package cloudwatch

import (
	"math"
	"strconv"
	"strings"
)

// tseries maps period start (unix seconds) to a value.
type tseries map[int64]float64

// exprEval evaluates GetMetricData metric-math expressions. Supported: the
// ids of other queries, numeric literals, + - * / ^, unary minus and
// parentheses. Binary operations between two time series keep only the
// timestamps present in both; results that are NaN or ±Inf (e.g. division
// by zero) are dropped. Functions (SUM, METRICS, FILL, …) and Metrics
// Insights (SELECT …) queries are rejected with ValidationError.
type exprEval struct {
	byID map[string]*mdq
	done map[string]tseries
	busy map[string]bool
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
	p := &exprParser{src: q.expr, id: id, ev: e}
	p.next()
	v := p.parseExpr()
	if p.tok.kind != tEOF {
		p.errorf("unexpected %q", p.tok.text)
	}
	if !v.isSeries {
		bad("ValidationError", "Error in expression %s: the expression must return a time series.", id)
	}
	e.done[id] = v.ts
	return v.ts
}

type exprVal struct {
	isSeries bool
	scalar   float64
	ts       tseries
}

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tIdent
	tOp
)

type token struct {
	kind tokKind
	text string
	num  float64
}

type exprParser struct {
	src string
	pos int
	tok token
	id  string
	ev  *exprEval
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
		v = binop(op, v, p.parseTerm())
	}
	return v
}

// term := unary (('*'|'/') unary)*
func (p *exprParser) parseTerm() exprVal {
	v := p.parseUnary()
	for p.isOp("*") || p.isOp("/") {
		op := p.tok.text
		p.next()
		v = binop(op, v, p.parseUnary())
	}
	return v
}

// unary := ('-'|'+') unary | power
func (p *exprParser) parseUnary() exprVal {
	if p.isOp("-") {
		p.next()
		return binop("*", exprVal{scalar: -1}, p.parseUnary())
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
		v = binop("^", v, p.parseUnary())
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
			p.errorf("function %s is not supported by the CloudWatch sandbox (only arithmetic on query ids and numbers)", name)
		}
		if _, ok := p.ev.byID[name]; !ok {
			p.errorf("unknown identifier %s", name)
		}
		return exprVal{isSeries: true, ts: p.ev.eval(name)}
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
			p.errorf("arrays are not supported by the CloudWatch sandbox")
		}
		p.errorf("unexpected %q", p.tok.text)
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

func binop(op string, a, b exprVal) exprVal {
	switch {
	case !a.isSeries && !b.isSeries:
		return exprVal{scalar: apply(op, a.scalar, b.scalar)}
	case a.isSeries && b.isSeries:
		out := tseries{}
		for t, x := range a.ts {
			if y, ok := b.ts[t]; ok {
				if r := apply(op, x, y); finite(r) {
					out[t] = r
				}
			}
		}
		return exprVal{isSeries: true, ts: out}
	case a.isSeries:
		out := tseries{}
		for t, x := range a.ts {
			if r := apply(op, x, b.scalar); finite(r) {
				out[t] = r
			}
		}
		return exprVal{isSeries: true, ts: out}
	default:
		out := tseries{}
		for t, y := range b.ts {
			if r := apply(op, a.scalar, y); finite(r) {
				out[t] = r
			}
		}
		return exprVal{isSeries: true, ts: out}
	}
}
