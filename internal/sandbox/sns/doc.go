// Package sns is the sandbox's Amazon SNS: topics and Publish over awsQuery
// (form POSTs with Version=2010-03-31), with SNS's validation rules and
// error codes, and every accepted message kept so that tests can read what
// was published (Service.Messages; GET /_sandbox/sns/messages).
//
// Operations: CreateTopic (standard and FIFO, name rules, idempotent for
// the same name), DeleteTopic (idempotent), ListTopics (100 per page),
// GetTopicAttributes and Publish.
//
// Publish checks what AWS checks (API_Publish in the SNS API reference):
// a TopicArn or TargetArn (or PhoneNumber, refused here: the sandbox sends
// no SMS); a well-formed topic ARN (InvalidParameter) of an existing topic
// (NotFound, 404); a non-empty Message of at most 256 KiB (262,144 bytes);
// a Subject of printable ASCII, 1–100 characters; MessageStructure "json"
// only; message attributes (at most 10) whose DataType begins with String,
// Number or Binary, with a non-empty value that is a number for Number
// (ParameterValueInvalid); for FIFO topics a MessageGroupId and, unless
// ContentBasedDeduplication is on, a MessageDeduplicationId — a repeated
// deduplication ID within 5 minutes returns the first message's ID and is
// not stored again. FIFO messages get a SequenceNumber.
//
// Not emulated: subscriptions and delivery to endpoints, SMS, mobile push,
// PublishBatch, topic policies and KMS, data protection, tags, and message
// archiving. The sandbox checks no IAM (sns:Publish is always allowed).
package sns
