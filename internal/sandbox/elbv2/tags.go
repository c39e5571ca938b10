package elbv2

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

const maxTagsPerResource = 50

type tag struct{ key, value string }

// tagSet keeps tags in insertion order.
type tagSet struct{ items []tag }

func (t *tagSet) set(k, v string) {
	for i := range t.items {
		if t.items[i].key == k {
			t.items[i].value = v
			return
		}
	}
	t.items = append(t.items, tag{k, v})
}

func (t *tagSet) remove(k string) {
	for i := range t.items {
		if t.items[i].key == k {
			t.items = append(t.items[:i], t.items[i+1:]...)
			return
		}
	}
}

func (t *tagSet) has(k string) bool {
	for _, it := range t.items {
		if it.key == k {
			return true
		}
	}
	return false
}

// parseTags decodes Tags.member.N.{Key,Value} and applies AWS's checks.
func parseTags(p params, key, path string) ([]tag, *awserr.Error) {
	ms := p.members(key)
	var c constraints
	out := make([]tag, 0, len(ms))
	seen := map[string]bool{}
	for i, m := range ms {
		k, ok := m.str("Key")
		if !ok {
			c.null(memberPath(path, i) + ".key")
			continue
		}
		if len(k) < 1 {
			c.msgs = append(c.msgs, "Value '' at '"+memberPath(path, i)+".key' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		c.maxLen(memberPath(path, i)+".key", k, 128)
		c.tagPattern(memberPath(path, i)+".key", k)
		v := m.get("Value")
		c.maxLen(memberPath(path, i)+".value", v, 256)
		c.tagPattern(memberPath(path, i)+".value", v)
		out = append(out, tag{k, v})
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	for _, t := range out {
		if seen[t.key] {
			return nil, errf(codeDuplicateTagKeys, "Tag key was specified more than once: %s", t.key)
		}
		seen[t.key] = true
		if strings.HasPrefix(strings.ToLower(t.key), "aws:") {
			return nil, validation("Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return out, nil
}

// applyTags merges tags into the resource's tag set, enforcing the quota.
func (s *Service) applyTags(arn string, tags []tag) *awserr.Error {
	ts := s.tags[arn]
	if ts == nil {
		ts = &tagSet{}
	}
	n := len(ts.items)
	for _, t := range tags {
		if !ts.has(t.key) {
			n++
		}
	}
	if n > maxTagsPerResource {
		return errf(codeTooManyTags, "The quota for the number of tags that can be assigned to a load balancer has been reached")
	}
	for _, t := range tags {
		ts.set(t.key, t.value)
	}
	s.tags[arn] = ts
	return nil
}

// resolveTaggable checks that arn names an existing resource.
func (s *Service) resolveTaggable(arn string) *awserr.Error {
	switch {
	case reLBArn.MatchString(arn):
		_, err := s.lookupLB(arn)
		return err
	case reTGArn.MatchString(arn):
		_, err := s.lookupTG(arn)
		return err
	case reListenerArn.MatchString(arn):
		_, err := s.lookupListener(arn)
		return err
	case reRuleArn.MatchString(arn):
		_, err := s.lookupRule(arn)
		return err
	}
	return validation("'%s' is not a valid resource ARN", arn)
}

func (s *Service) addTags(p params) ([]byte, *awserr.Error) {
	var c constraints
	if !p.listSent("ResourceArns") {
		c.null("resourceArns")
	}
	if !p.listSent("Tags") {
		c.null("tags")
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	arns := p.strList("ResourceArns")
	tags, err := parseTags(p, "Tags", "tags")
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, validation("1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(arns) > 20 {
		return nil, validation("You cannot specify more than '20' resources at a time")
	}
	for _, a := range arns {
		if err := s.resolveTaggable(a); err != nil {
			return nil, err
		}
	}
	for _, a := range arns {
		if err := s.applyTags(a, tags); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (s *Service) removeTags(p params) ([]byte, *awserr.Error) {
	var c constraints
	if !p.listSent("ResourceArns") {
		c.null("resourceArns")
	}
	if !p.listSent("TagKeys") {
		c.null("tagKeys")
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	arns := p.strList("ResourceArns")
	keys := p.strList("TagKeys")
	for _, a := range arns {
		if err := s.resolveTaggable(a); err != nil {
			return nil, err
		}
	}
	for _, a := range arns {
		if ts := s.tags[a]; ts != nil {
			for _, k := range keys {
				ts.remove(k)
			}
		}
	}
	return nil, nil
}

func (s *Service) describeTags(p params) ([]byte, *awserr.Error) {
	if !p.listSent("ResourceArns") {
		var c constraints
		c.null("resourceArns")
		return nil, c.err()
	}
	arns := p.strList("ResourceArns")
	if len(arns) > 20 {
		return nil, validation("You cannot specify more than '20' resources at a time")
	}
	for _, a := range arns {
		if err := s.resolveTaggable(a); err != nil {
			return nil, err
		}
	}
	var w xw
	w.open("TagDescriptions")
	for _, a := range arns {
		w.open("member")
		w.str("ResourceArn", a)
		ts := s.tags[a]
		if ts == nil || len(ts.items) == 0 {
			w.empty("Tags")
		} else {
			w.open("Tags")
			for _, t := range ts.items {
				w.open("member")
				w.str("Key", t.key)
				w.str("Value", t.value)
				w.close("member")
			}
			w.close("Tags")
		}
		w.close("member")
	}
	w.close("TagDescriptions")
	return w.b.Bytes(), nil
}

// tagPatternText is the pattern of the Tag Key and Value members in the ELBv2
// API reference.
const tagPatternText = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`

var tagPattern = regexp.MustCompile(tagPatternText)

// tagPattern adds AWS's constraint message when v does not match the tag
// pattern.
func (c *constraints) tagPattern(field, v string) {
	if !tagPattern.MatchString(v) {
		c.msgs = append(c.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, field, tagPatternText))
	}
}
