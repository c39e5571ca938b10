package provider

import (
	"fmt"
	"regexp"
)

// partitionRegions are AWS's partitions and the region names each accepts
// (from the partition metadata aws-sdk-go-v2 ships in
// internal/endpoints/awsrulesfn/partitions.json).
var partitionRegions = map[string]*regexp.Regexp{
	"aws":        regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$`),
	"aws-cn":     regexp.MustCompile(`^cn-\w+-\d+$`),
	"aws-eusc":   regexp.MustCompile(`^eusc-(de)-\w+-\d+$`),
	"aws-iso":    regexp.MustCompile(`^us-iso-\w+-\d+$`),
	"aws-iso-b":  regexp.MustCompile(`^us-isob-\w+-\d+$`),
	"aws-iso-e":  regexp.MustCompile(`^eu-isoe-\w+-\d+$`),
	"aws-iso-f":  regexp.MustCompile(`^us-isof-\w+-\d+$`),
	"aws-us-gov": regexp.MustCompile(`^us-gov-\w+-\d+$`),
}

var arnHead = regexp.MustCompile(`^arn:([^:]*):([^:]*):([^:]*):`)

// checkPartitionRegion checks that an ARN's partition exists and that its
// region belongs to it (an empty region passes: IAM ARNs have none).
func checkPartitionRegion(s string) error {
	m := arnHead.FindStringSubmatch(s)
	if m == nil {
		return nil // the shape check reports it
	}
	re, ok := partitionRegions[m[1]]
	if !ok {
		return fmt.Errorf("unknown partition %q: AWS partitions are aws, aws-cn, aws-us-gov, aws-eusc, aws-iso, aws-iso-b, aws-iso-e and aws-iso-f", m[1])
	}
	if m[3] != "" && !re.MatchString(m[3]) {
		return fmt.Errorf("region %q is not a region of partition %s", m[3], m[1])
	}
	return nil
}

// elbIDPattern is the hexadecimal ID ELBv2 gives load balancers, listeners,
// rules and target groups.
var elbIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)
