package elbv2

import (
	"bytes"
	"encoding/xml"
	"sort"
	"strconv"
	"strings"
	"time"
)

const xmlNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

// xw is a tiny streaming XML writer for awsQuery responses.
type xw struct {
	b bytes.Buffer
}

func (w *xw) open(name string)  { w.b.WriteString("<" + name + ">") }
func (w *xw) close(name string) { w.b.WriteString("</" + name + ">") }
func (w *xw) empty(name string) { w.b.WriteString("<" + name + "/>") }

func (w *xw) text(s string) {
	_ = xml.EscapeText(&w.b, []byte(s))
}

// str writes <name>s</name>.
func (w *xw) str(name, s string) {
	w.open(name)
	w.text(s)
	w.close(name)
}

// optStr writes <name>s</name> only when s is non-empty.
func (w *xw) optStr(name, s string) {
	if s != "" {
		w.str(name, s)
	}
}

func (w *xw) int32(name string, n int32) { w.str(name, strconv.FormatInt(int64(n), 10)) }

func (w *xw) optInt32(name string, n *int32) {
	if n != nil {
		w.int32(name, *n)
	}
}

func (w *xw) bool(name string, v bool) { w.str(name, strconv.FormatBool(v)) }

func (w *xw) time(name string, t time.Time) {
	w.str(name, t.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// strMembers writes <name><member>a</member>...</name>; an empty list is
// written as <name/> (AWS sends empty lists that way).
func (w *xw) strMembers(name string, vs []string) {
	if len(vs) == 0 {
		w.empty(name)
		return
	}
	w.open(name)
	for _, v := range vs {
		w.str("member", v)
	}
	w.close(name)
}

// envelope wraps a result body into the full awsQuery response document.
func envelope(action string, result []byte, requestID string) []byte {
	var w xw
	w.b.WriteString(`<` + action + `Response xmlns="` + xmlNS + `">`)
	if len(result) == 0 {
		w.empty(action + "Result")
	} else {
		w.open(action + "Result")
		w.b.Write(result)
		w.close(action + "Result")
	}
	w.open("ResponseMetadata")
	w.str("RequestId", requestID)
	w.close("ResponseMetadata")
	w.close(action + "Response")
	return w.b.Bytes()
}

// rawTree re-renders flattened awsQuery keys (a.b.member.1.c=v) as XML. It is
// used to echo structures the sandbox stores but does not model (for example
// authenticate-oidc settings). Keys listed in skip (exact, relative) are left out.
func (w *xw) rawTree(vals map[string][]string, skip map[string]bool) {
	type node struct {
		children map[string]*node
		order    []string
		value    *string
	}
	root := &node{children: map[string]*node{}}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		if skip[k] || len(vals[k]) == 0 {
			continue
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return naturalLess(keys[i], keys[j]) })
	for _, k := range keys {
		cur := root
		for _, part := range strings.Split(k, ".") {
			if cur.children == nil {
				cur.children = map[string]*node{}
			}
			nx, ok := cur.children[part]
			if !ok {
				nx = &node{children: map[string]*node{}}
				cur.children[part] = nx
				cur.order = append(cur.order, part)
			}
			cur = nx
		}
		v := vals[k][0]
		cur.value = &v
	}
	var emit func(n *node)
	emit = func(n *node) {
		for _, name := range n.order {
			c := n.children[name]
			if _, err := strconv.Atoi(name); err == nil {
				// list index below "member"/"entry": render children directly
				emit(c)
				continue
			}
			if name == "member" || name == "entry" {
				// each numbered child is one element
				for _, idx := range c.order {
					w.open(name)
					emit(c.children[idx])
					if v := c.children[idx].value; v != nil {
						w.text(*v)
					}
					w.close(name)
				}
				continue
			}
			w.open(name)
			if c.value != nil && len(c.order) == 0 {
				w.text(*c.value)
			}
			emit(c)
			w.close(name)
		}
	}
	emit(root)
}

// naturalLess orders dotted keys so that numeric segments compare numerically.
func naturalLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		an, aerr := strconv.Atoi(as[i])
		bn, berr := strconv.Atoi(bs[i])
		if aerr == nil && berr == nil {
			return an < bn
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}
