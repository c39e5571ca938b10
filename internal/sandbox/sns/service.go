package sns

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// XMLNS is the namespace of SNS's awsQuery responses.
const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/"

// APIVersion is the awsQuery Version of SNS.
const APIVersion = "2010-03-31"

// Limits AWS documents.
const (
	MaxMessageBytes   = 262144 // "at most 256 KB in size (262,144 bytes, not 262,144 characters)"
	MaxSubject        = 100
	MaxAttributes     = 10
	dedupWindow       = 5 * time.Minute
	listTopicsPerPage = 100
)

// Options configure the service.
type Options struct {
	Region    string
	AccountID string
	Now       func() time.Time
}

// Attribute is a message attribute as published.
type Attribute struct {
	DataType    string `json:"dataType"`
	StringValue string `json:"stringValue,omitempty"`
	BinaryValue string `json:"binaryValue,omitempty"` // base64, as sent
}

// Message is one accepted Publish.
type Message struct {
	MessageID       string               `json:"messageId"`
	TopicARN        string               `json:"topicArn"`
	Message         string               `json:"message"`
	Subject         string               `json:"subject,omitempty"`
	Attributes      map[string]Attribute `json:"attributes,omitempty"`
	GroupID         string               `json:"messageGroupId,omitempty"`
	DeduplicationID string               `json:"messageDeduplicationId,omitempty"`
	SequenceNumber  string               `json:"sequenceNumber,omitempty"`
	Time            time.Time            `json:"time"`
}

type topic struct {
	arn, name, region  string
	fifo, contentDedup bool
	displayName        string
	created            int // creation order for listings
	seq                uint64
	dedup              map[string]dedupEntry
}

type dedupEntry struct {
	id  string
	seq string
	at  time.Time
}

// Service is the SNS emulation. It is safe for concurrent use.
type Service struct {
	opts      Options
	mu        sync.Mutex
	topics    map[string]*topic // by ARN
	messages  []Message
	created   int
	reqRegion string
}

// New creates an empty service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{opts: o, topics: map[string]*topic{}}
}

// Messages returns the messages published to topicARN ("" = all), oldest first.
func (s *Service) Messages(topicARN string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Message{}
	for _, m := range s.messages {
		if topicARN == "" || m.TopicARN == topicARN {
			cp := m
			cp.Attributes = make(map[string]Attribute, len(m.Attributes))
			for k, v := range m.Attributes {
				cp.Attributes[k] = v
			}
			out = append(out, cp)
		}
	}
	return out
}

// ServeQueryIn serves one awsQuery action in region ("" = the service's).
func (s *Service) ServeQueryIn(region, action string, params url.Values, requestID string) ([]byte, *awserr.Error) {
	if region == "" {
		region = s.opts.Region
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqRegion = region
	var result any
	var err *awserr.Error
	switch action {
	case "CreateTopic":
		result, err = s.createTopic(params)
	case "DeleteTopic":
		result, err = s.deleteTopic(params)
	case "ListTopics":
		result, err = s.listTopics(params)
	case "GetTopicAttributes":
		result, err = s.getTopicAttributes(params)
	case "Publish":
		result, err = s.publish(params)
	default:
		return nil, awserr.Sender(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", action)
	}
	if err != nil {
		return nil, err
	}
	return marshal(action, result, requestID)
}

func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.Sender(http.StatusBadRequest, "InvalidParameter", format, args...)
}

func parameterValueInvalid(format string, args ...any) *awserr.Error {
	return awserr.Sender(http.StatusBadRequest, "ParameterValueInvalid", format, args...)
}

func notFound(format string, args ...any) *awserr.Error {
	return awserr.Sender(http.StatusNotFound, "NotFound", format, args...)
}

var topicName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// entries reads an awsQuery map: Prefix.entry.N.key / Prefix.entry.N.value.
func entries(p url.Values, prefix string) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		k := prefix + ".entry." + strconv.Itoa(i)
		key, ok := p[k+".key"]
		if !ok {
			return out
		}
		out[key[0]] = p.Get(k + ".value")
	}
}

func (s *Service) createTopic(p url.Values) (any, *awserr.Error) {
	name := p.Get("Name")
	if name == "" {
		return nil, invalidParameter("Invalid parameter: Topic Name")
	}
	attrs := entries(p, "Attributes")
	fifo := strings.EqualFold(attrs["FifoTopic"], "true")
	base := name
	if fifo {
		var ok bool
		if base, ok = strings.CutSuffix(name, ".fifo"); !ok {
			return nil, invalidParameter("Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
		}
	}
	if !topicName.MatchString(base) || len(name) > 256 {
		return nil, invalidParameter("Invalid parameter: Topic Name")
	}
	for k, v := range attrs {
		switch k {
		case "FifoTopic", "ContentBasedDeduplication":
			if v != "true" && v != "false" {
				return nil, invalidParameter("Invalid parameter: Attributes Reason: %s must be true or false", k)
			}
		case "DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "ArchivePolicy",
			"FifoThroughputScope", "HTTPSuccessFeedbackRoleArn", "HTTPFailureFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate":
		default:
			return nil, invalidParameter("Invalid parameter: Attributes Reason: Unknown attribute %s", k)
		}
	}
	arn := fmt.Sprintf("arn:%s:sns:%s:%s:%s", partition(s.reqRegion), s.reqRegion, s.opts.AccountID, name)
	if _, ok := s.topics[arn]; !ok {
		s.created++
		s.topics[arn] = &topic{arn: arn, name: name, region: s.reqRegion, fifo: fifo, contentDedup: attrs["ContentBasedDeduplication"] == "true",
			displayName: attrs["DisplayName"], created: s.created, dedup: map[string]dedupEntry{}}
	}
	return struct {
		TopicArn string `xml:"TopicArn"`
	}{arn}, nil
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// checkARN checks a topic ARN's form: arn:<partition>:sns:<region>:<12 digits>:<name>.
func checkARN(param, arn string) *awserr.Error {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sns" || parts[3] == "" || len(parts[4]) != 12 || parts[5] == "" {
		return invalidParameter("Invalid parameter: %s", param)
	}
	return nil
}

func (s *Service) deleteTopic(p url.Values) (any, *awserr.Error) {
	arn := p.Get("TopicArn")
	if err := checkARN("TopicArn", arn); err != nil {
		return nil, err
	}
	// "This action is idempotent, so deleting a topic that does not exist
	// does not result in an error." (API_DeleteTopic)
	delete(s.topics, arn)
	return nil, nil
}

func (s *Service) regionTopics() []*topic {
	var ts []*topic
	for _, t := range s.topics {
		if t.region == s.reqRegion {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].created < ts[j].created })
	return ts
}

func (s *Service) listTopics(p url.Values) (any, *awserr.Error) {
	ts := s.regionTopics()
	start := 0
	if tok := p.Get("NextToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(ts) {
			return nil, invalidParameter("Invalid parameter: NextToken")
		}
		start = n
	}
	type member struct {
		TopicArn string `xml:"TopicArn"`
	}
	out := struct {
		Topics    []member `xml:"Topics>member"`
		NextToken string   `xml:"NextToken,omitempty"`
	}{Topics: []member{}}
	end := min(start+listTopicsPerPage, len(ts))
	for _, t := range ts[start:end] {
		out.Topics = append(out.Topics, member{t.arn})
	}
	if end < len(ts) {
		out.NextToken = strconv.Itoa(end)
	}
	return out, nil
}

func (s *Service) find(param, arn string) (*topic, *awserr.Error) {
	if err := checkARN(param, arn); err != nil {
		return nil, err
	}
	t, ok := s.topics[arn]
	if !ok || t.region != s.reqRegion {
		return nil, notFound("Topic does not exist")
	}
	return t, nil
}

func (s *Service) getTopicAttributes(p url.Values) (any, *awserr.Error) {
	t, err := s.find("TopicArn", p.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{
		"TopicArn": t.arn, "Owner": s.opts.AccountID, "DisplayName": t.displayName,
		"SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "SubscriptionsDeleted": "0",
		"Policy": fmt.Sprintf(`{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:Publish"],"Resource":%q,"Condition":{"StringEquals":{"AWS:SourceOwner":%q}}}]}`, t.arn, s.opts.AccountID),
	}
	if t.fifo {
		attrs["FifoTopic"] = "true"
		attrs["ContentBasedDeduplication"] = strconv.FormatBool(t.contentDedup)
	}
	type entry struct {
		Key   string `xml:"key"`
		Value string `xml:"value"`
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := struct {
		Entries []entry `xml:"Attributes>entry"`
	}{}
	for _, k := range keys {
		out.Entries = append(out.Entries, entry{k, attrs[k]})
	}
	return out, nil
}

var attrName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

func (s *Service) publish(p url.Values) (any, *awserr.Error) {
	arn := p.Get("TopicArn")
	param := "TopicArn"
	if target := p.Get("TargetArn"); target != "" {
		if arn != "" {
			return nil, invalidParameter("Invalid parameter: TopicArn Reason: Only one of TopicArn or TargetArn may be specified")
		}
		arn, param = target, "TargetArn"
	}
	if arn == "" {
		if p.Get("PhoneNumber") != "" {
			return nil, invalidParameter("Invalid parameter: PhoneNumber Reason: the sandbox sends no SMS")
		}
		return nil, invalidParameter("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	}
	msg, hasMsg := p["Message"]
	if !hasMsg {
		return nil, awserr.Validation("1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null")
	}
	if msg[0] == "" {
		return nil, invalidParameter("Invalid parameter: Empty message")
	}
	if len(msg[0]) > MaxMessageBytes {
		return nil, invalidParameter("Invalid parameter: Message too long")
	}
	if !utf8.ValidString(msg[0]) {
		return nil, invalidParameter("Invalid parameter: Message Reason: not UTF-8")
	}
	subject, hasSubject := p["Subject"]
	if hasSubject {
		if err := checkSubject(subject[0]); err != nil {
			return nil, err
		}
	}
	if ms := p.Get("MessageStructure"); ms != "" && ms != "json" {
		return nil, invalidParameter("Invalid parameter: MessageStructure")
	}
	attrs, aerr := messageAttributes(p)
	if aerr != nil {
		return nil, aerr
	}
	t, err := s.find(param, arn)
	if err != nil {
		return nil, err
	}
	group, dedupID := p.Get("MessageGroupId"), p.Get("MessageDeduplicationId")
	now := s.opts.Now()
	m := Message{MessageID: newID(), TopicARN: t.arn, Message: msg[0], Attributes: attrs, GroupID: group, DeduplicationID: dedupID, Time: now}
	if hasSubject {
		m.Subject = subject[0]
	}
	if t.fifo {
		if group == "" {
			return nil, invalidParameter("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
		}
		if dedupID == "" {
			if !t.contentDedup {
				return nil, invalidParameter("Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(msg[0]))
			dedupID = hex.EncodeToString(sum[:])
		}
		for k, e := range t.dedup {
			if now.Sub(e.at) >= dedupWindow {
				delete(t.dedup, k)
			}
		}
		if e, ok := t.dedup[dedupID]; ok {
			return publishResult{MessageID: e.id, SequenceNumber: e.seq}, nil
		}
		t.seq++
		m.SequenceNumber = fmt.Sprintf("%020d", t.seq)
		t.dedup[dedupID] = dedupEntry{id: m.MessageID, seq: m.SequenceNumber, at: now}
	} else if dedupID != "" {
		return nil, invalidParameter("Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
	}
	s.messages = append(s.messages, m)
	return publishResult{MessageID: m.MessageID, SequenceNumber: m.SequenceNumber}, nil
}

type publishResult struct {
	MessageID      string `xml:"MessageId"`
	SequenceNumber string `xml:"SequenceNumber,omitempty"`
}

// checkSubject: "Subjects must be UTF-8 text with no line breaks or control
// characters, and less than 100 characters long" — AWS accepts exactly 100
// (moto's note, https://github.com/getmoto/moto/issues/1503), and an empty
// subject is refused.
func checkSubject(s string) *awserr.Error {
	if s == "" || utf8.RuneCountInString(s) > MaxSubject {
		return invalidParameter("Invalid parameter: Subject")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 {
			return invalidParameter("Invalid parameter: Subject")
		}
	}
	return nil
}

// messageAttributes reads MessageAttributes.entry.N.Name /
// .Value.DataType / .Value.StringValue / .Value.BinaryValue.
func messageAttributes(p url.Values) (map[string]Attribute, *awserr.Error) {
	out := map[string]Attribute{}
	for i := 1; ; i++ {
		k := "MessageAttributes.entry." + strconv.Itoa(i)
		names, ok := p[k+".Name"]
		if !ok {
			break
		}
		name := names[0]
		if len(out) == MaxAttributes {
			return nil, parameterValueInvalid("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(out)+1, MaxAttributes)
		}
		if !attrName.MatchString(name) || strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon.") {
			return nil, parameterValueInvalid("The message attribute name '%s' is invalid.", name)
		}
		a := Attribute{DataType: p.Get(k + ".Value.DataType"), StringValue: p.Get(k + ".Value.StringValue"), BinaryValue: p.Get(k + ".Value.BinaryValue")}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case a.DataType == "":
			return nil, parameterValueInvalid("The message attribute '%s' must contain non-empty message attribute type.", name)
		case base != "String" && base != "Number" && base != "Binary":
			return nil, parameterValueInvalid("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		case base == "Binary" && a.BinaryValue == "", base != "Binary" && a.StringValue == "":
			return nil, parameterValueInvalid("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
		case base == "Number":
			if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
				return nil, parameterValueInvalid("Could not cast message attribute '%s' value to number.", name)
			}
		}
		out[name] = a
	}
	return out, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// marshal renders <ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>.
func marshal(action string, result any, requestID string) ([]byte, *awserr.Error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	resp := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: XMLNS}}}
	err := enc.EncodeToken(resp)
	if err == nil && result != nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(struct {
			RequestID string `xml:"RequestId"`
		}{requestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(resp.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		return nil, awserr.ReceiverFault(0, "InternalError", "encoding response: %v", err)
	}
	return b.Bytes(), nil
}
