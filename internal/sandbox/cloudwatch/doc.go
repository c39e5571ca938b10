// Package cloudwatch is an in-memory emulation of the Amazon CloudWatch API
// (metrics and metric alarms), used as a test sandbox. It speaks the wire
// protocol aws-sdk-go-v2's service/cloudwatch (v1.75.x) uses: Smithy RPC v2
// CBOR, with the service marked @awsQueryCompatible.
//
// # Wire protocol
//
//   - Requests: POST /service/GraniteServiceVersion20100801/operation/<Op>,
//     Smithy-Protocol: rpc-v2-cbor, Content-Type: application/cbor, body a
//     CBOR map of the operation's input members (timestamps are tag 1 epoch
//     seconds, integers major types 0/1, doubles floats or integers). The
//     HTTP routing is the server core's; ServeCBOR gets the operation name
//     and the raw body. Bodies the SDK gzips (PutMetricData carries
//     @requestCompression, Content-Encoding: gzip) are recognised by their
//     gzip magic and inflated by ServeCBOR and DecodeParams. Encoding and
//     decoding use smithy-go's encoding/cbor.
//   - Success: status 200, Smithy-Protocol: rpc-v2-cbor and, when ServeCBOR
//     returns a body, Content-Type: application/cbor. Operations whose output
//     is the Unit shape (PutMetricData, PutMetricAlarm, SetAlarmState,
//     DeleteAlarms) return a nil body; the rpcv2Cbor spec says such
//     responses carry no body and no Content-Type.
//   - Errors (WriteError): the status, Smithy-Protocol: rpc-v2-cbor,
//     Content-Type: application/cbor, x-amzn-query-error: <Code>;Sender|Receiver
//     and a CBOR body {"__type": "<absolute shape id>", "message": "..."}.
//     The SDK looks __type up in its type registry — so modelled errors
//     decode to typed errors (*types.ResourceNotFound,
//     *types.InvalidParameterValueException, *types.ValidationException for
//     "ValidationError", …) — and, the service being query-compatible,
//     overrides the code with the one in x-amzn-query-error. Hence
//     ErrorCode() is always awserr.Error.Code: "ResourceNotFound",
//     "InvalidParameterValue", "ValidationError", … Codes that are not in
//     the model (Throttling, InternalFailure, ServiceUnavailable,
//     AccessDenied, UnknownOperationException, SerializationException, …)
//     are sent with a com.amazon.coral.* shape id that the SDK does not know
//     and surface as *smithy.GenericAPIError with that code; "Throttling" is
//     in the SDK retryer's throttle codes and is retried, as are 5xx.
//     Statuses default to the model's @httpError (e.g. ResourceNotFound 404,
//     InternalServiceError 500) when awserr.Error.Status is 0.
//   - An operation name ServeCBOR does not emulate — including CloudWatch
//     operations listed below as not implemented — yields
//     UnknownOperationException with status 404, as Smithy RPC v2 servers
//     (smithy-rs) answer for a path that names no known operation. A body
//     that is not a CBOR map, or a member of the wrong CBOR type, yields
//     SerializationException (400).
//
// # Implemented operations
//
// PutMetricData — MetricData and EntityMetricData (the Entity is ignored)
// with Value, Values+Counts or StatisticValues, Dimensions, Timestamp
// (default: now), Unit (default "None") and StorageResolution (1 or 60).
// Validation, all before anything is stored: Namespace 1–255 chars, not
// starting with ":" (ValidationError) or "AWS/" (InvalidParameterValue); at
// most 1000 datums (InvalidParameterValue); MetricName required, 1–255;
// at most 30 dimensions, unique names, name 1–255, value 1–1024; Value and
// Values mutually exclusive (InvalidParameterValue), Value/Values and
// StatisticValues mutually exclusive (InvalidParameterCombination), Counts
// only with Values and of the same length, at most 150 Values; values must
// be finite and within ±2^360; StatisticValues needs all four members,
// SampleCount > 0, Minimum <= Maximum; Timestamp no more than two weeks in
// the past or two hours in the future (InvalidParameterValue); Unit must be
// a StandardUnit (ValidationError); one of Value, Values or StatisticValues
// is required (MissingParameter).
//
// GetMetricData — MetricStat queries with Stat SampleCount, Sum, Average,
// Minimum, Maximum or a percentile pNN[.N] (p0..p100), optional Unit
// filter; ReturnData; Label (default: the metric name for MetricStat, the
// Id for expressions); ScanBy (default TimestampDescending). Results carry
// StatusCode "Complete", one value per period that has data. Expression
// queries support a subset of metric math: query ids, numbers, + - * / ^,
// unary minus and parentheses (series ⊕ series keeps the timestamps both
// have; NaN/±Inf results such as x/0 are dropped); arrays [a, b];
// METRICS() and METRICS("part of a label") (the MetricStat queries);
// SUM, AVG, MIN, MAX (of a series: a scalar over its values; of an array:
// a series aggregating, per timestamp, the series that have a value there);
// FILL(x, number) (every period of the range gets a value; at most 100800
// periods, the datapoints of one call). Other functions,
// FILL with REPEAT/LINEAR, arithmetic on arrays, an expression whose result
// is a number or an array, and Metrics Insights (SELECT …) are rejected with
// ValidationError "Error in expression <id>: …", as are unknown ids and
// circular references. Several queries may return data (only alarms need
// exactly one). Validation: Ids unique and matching ^[a-z][a-zA-Z0-9_]*$
// (ValidationError with CloudWatch's message), at most 500 queries, exactly
// one of MetricStat and Expression, Period 1, 5, 10, 20, 30 or a multiple of
// 60, StartTime < EndTime, valid statistic (other CloudWatch extended
// statistics — tm99, wm99, IQM, PR(…), TM(…) … — are rejected as not
// supported). Not implemented: MaxDatapoints (validated, not enforced),
// pagination (no NextToken is returned; a NextToken is InvalidNextToken),
// LabelOptions, dynamic labels, AccountId (cross-account).
//
// GetMetricStatistics — Statistics or ExtendedStatistics (pNN[.N] only),
// Dimensions (exact match), Unit filter. Datapoints are returned in
// ascending time order, one per period and unit (data without a unit filter
// but published with different units yields separate datapoints), with
// ExtendedStatistics as a map. Validation: exactly one of Statistics and
// ExtendedStatistics (InvalidParameterCombination), at most 5 statistics /
// 10 extended statistics, invalid percentile (InvalidParameterValue),
// StartTime < EndTime (InvalidParameterValue), Period 1, 5, 10, 20, 30 or a
// multiple of 60 (InvalidParameterValue), at most 1440 datapoints
// (InvalidParameterCombination, with CloudWatch's message).
//
// ListMetrics — Namespace, MetricName, Dimensions filters (name, optional
// value), RecentlyActive PT3H, pagination by 500.
//
// PutMetricAlarm — single-metric alarms (MetricName, Namespace, Dimensions,
// Statistic or ExtendedStatistic, Period, Unit) and metric-math alarms
// (Metrics, stored and returned as sent), Threshold or ThresholdMetricId,
// ComparisonOperator, EvaluationPeriods, DatapointsToAlarm,
// TreatMissingData, EvaluateLowSampleCountPercentile, actions, ActionsEnabled
// (default true), AlarmDescription and Tags (ignored on update). A new alarm
// starts in INSUFFICIENT_DATA ("Unchecked: Initial alarm creation"); an
// update overwrites the configuration and keeps the state. Validation
// includes: ComparisonOperator and EvaluationPeriods required
// (MissingParameter) and valid, Statistic xor ExtendedStatistic
// (InvalidParameterCombination), Metrics exclusive with the single-metric
// members, exactly one Metrics entry returning data, Period 10, 20, 30 or a
// multiple of 60 (InvalidParameterValue), Period × EvaluationPeriods <= 7
// days (1 day when Period < 1 hour), DatapointsToAlarm <= EvaluationPeriods,
// anomaly-detection operators need ThresholdMetricId. PromQL alarms
// (EvaluationCriteria, EvaluationInterval), EvaluationWindow,
// WarmUpConfiguration and ActionConfiguration are rejected as not supported.
// No alarm quota is enforced. Alarm ARNs are
// arn:aws:cloudwatch:<Region>:<AccountID>:alarm:<name>.
//
// DescribeAlarms — AlarmNames (xor AlarmNamePrefix), StateValue,
// ActionPrefix (any action list), AlarmTypes, MaxRecords (1–100, default 50)
// and NextToken; alarms sorted by name; CompositeAlarms always empty.
// DescribeAlarmsForMetric — filters on the alarm's metric.
//
// SetAlarmState — StateValue (ValidationError when not OK, ALARM or
// INSUFFICIENT_DATA), StateReason, StateReasonData (must be JSON, else
// InvalidFormat); unknown alarm → ResourceNotFound (404).
// StateUpdatedTimestamp and StateTransitionedTimestamp change only when the
// state value changes.
//
// DeleteAlarms — all or nothing: an unknown name → ResourceNotFound and
// nothing is deleted.
//
// ListTagsForResource, TagResource, UntagResource — for alarm ARNs; other
// ARNs → ResourceNotFoundException.
//
// # Semantics
//
// A metric is identified by namespace, name and the exact set of dimensions
// (no aggregation across dimensions). StartTime is rounded as CloudWatch
// documents it (to the minute when under 15 days old, 5 minutes up to 63
// days, the hour beyond; with 1–30 s periods to a multiple of the period) and
// periods are laid end to end from it (a query from 12:07 with 300 s periods
// has datapoints at 12:07, 12:12, …); a point belongs to a query when
// rounded StartTime <= timestamp < EndTime.
// Percentiles are computed over the raw stored values of each period with
// the nearest-rank method, weighted by Counts: the smallest value v such
// that at least p% of the samples are <= v (p0 is the minimum). E.g. the
// values 1..100 give p50 = 50, p90 = 90, p99 = 99, p99.5 = 100. As in
// CloudWatch, a percentile is unavailable (omitted) for a period containing
// a negative value or a StatisticValues entry with SampleCount > 1 and
// Minimum != Maximum. No data retention limits or rollups are applied.
//
// Alarms are NOT evaluated against metric data: their state changes only
// through SetAlarmState (API or Service.SetAlarmState), and no actions are
// executed. There is no alarm history (DescribeAlarmHistory is not
// implemented).
//
// # Not implemented
//
// Composite and log alarms, alarm history, alarm actions enable/disable,
// alarm mute rules, dashboards, anomaly detectors, Contributor Insights,
// metric streams, metric widget images, OTel enrichment, datasets and KMS
// associations, resource metrics configuration. These operations answer
// UnknownOperationException (404).
//
// # Admin API
//
// Publish stores data points in the same store as PutMetricData (no
// validation, so AWS/... namespaces are allowed); SetAlarmState sets an
// alarm's state like the API. Service is safe for concurrent use.
package cloudwatch
