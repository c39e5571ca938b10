package awsclient

import "regexp"

// Partition is one AWS partition as the SDK's endpoint rules describe it:
// its id, the pattern of its region names and the regions it lists by name.
//
// The table mirrors internal/endpoints/awsrulesfn/partitions.json of
// github.com/aws/aws-sdk-go-v2 (an internal package, so it cannot be
// imported); TestPartitionsMatchSDK fails when the SDK pinned in go.mod
// ships different partitions.
type Partition struct {
	ID          string
	RegionRegex string
	Regions     []string
}

// Partitions are the AWS partitions, in the SDK's order.
var Partitions = []Partition{
	{ID: "aws", RegionRegex: `^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`, Regions: []string{
		"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "aws-global", "ca-central-1", "ca-west-1",
		"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
		"eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1",
		"us-east-2", "us-west-1", "us-west-2",
	}},
	{ID: "aws-cn", RegionRegex: `^cn\-\w+\-\d+$`, Regions: []string{"aws-cn-global", "cn-north-1", "cn-northwest-1"}},
	{ID: "aws-eusc", RegionRegex: `^eusc\-(de)\-\w+\-\d+$`, Regions: []string{"eusc-de-east-1"}},
	{ID: "aws-iso", RegionRegex: `^us\-iso\-\w+\-\d+$`, Regions: []string{"aws-iso-global", "us-iso-east-1", "us-iso-west-1"}},
	{ID: "aws-iso-b", RegionRegex: `^us\-isob\-\w+\-\d+$`, Regions: []string{"aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"}},
	{ID: "aws-iso-e", RegionRegex: `^eu\-isoe\-\w+\-\d+$`, Regions: []string{"aws-iso-e-global", "eu-isoe-west-1"}},
	{ID: "aws-iso-f", RegionRegex: `^us\-isof\-\w+\-\d+$`, Regions: []string{"aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"}},
	{ID: "aws-us-gov", RegionRegex: `^us\-gov\-\w+\-\d+$`, Regions: []string{"aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"}},
}

var partitionRegexes = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(Partitions))
	for i, p := range Partitions {
		out[i] = regexp.MustCompile(p.RegionRegex)
	}
	return out
}()

// PartitionOf returns the id of the partition that accepts region (a region
// it lists by name first, then one its region pattern matches), or "" when
// no partition does.
func PartitionOf(region string) string {
	for _, p := range Partitions {
		for _, r := range p.Regions {
			if r == region {
				return p.ID
			}
		}
	}
	for i, re := range partitionRegexes {
		if re.MatchString(region) {
			return Partitions[i].ID
		}
	}
	return ""
}

// ValidRegion reports whether some AWS partition accepts s as a region name:
// us-east-1, eu-central-2, us-gov-west-1, cn-north-1, eusc-de-east-1,
// us-isob-east-1, and regions not launched yet that follow a partition's
// pattern (ap-southeast-9).
func ValidRegion(s string) bool { return PartitionOf(s) != "" }
