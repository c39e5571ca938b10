// Package awsarn is the one place that reads AWS ARNs.
//
// Check validates an ARN a user gave (partition, region, account, service,
// resource form) and says what was expected; the provider's schema
// validators and import call it. The Elastic Load Balancing helpers derive
// what the rest of the code needs from an ARN without calling AWS: a target
// group's name (the pair's naming, import), the CloudWatch dimension values
// ("app/<name>/<id>", "targetgroup/<name>/<id>"), whether an ARN is a
// listener rule, and a rule's listener. It knows nothing of Terraform or of
// the engine.
package awsarn
