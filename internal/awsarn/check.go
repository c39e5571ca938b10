package awsarn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var arnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$`)

// Check validates an ARN a user gave: the shape
// arn:<partition>:<service>:<region>:<account>:<resource>, a partition AWS has
// and a region of it, and, when set, the service and the resource prefix (e.g.
// "targetgroup/"). For the Elastic Load Balancing resources of the provider's
// schemas it checks the complete form, IDs included. The error says what was
// expected, for a diagnostic.
func Check(s, service, resource string) error {
	m := arnPattern.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("expected an ARN of the form arn:aws:%s:<region>:<account>:%s…", orAny(service), resource)
	}
	if service != "" && m[1] != service {
		return fmt.Errorf("expected an ARN of service %q, got %q", service, m[1])
	}
	if resource != "" && !strings.HasPrefix(m[4], resource) {
		return fmt.Errorf("expected a resource of the form %s…, got %q", resource, m[4])
	}
	if service == "elasticloadbalancing" && (m[2] == "" || m[3] == "") {
		return fmt.Errorf("expected an ARN with a region and a 12-digit account ID, e.g. arn:aws:elasticloadbalancing:us-east-1:123456789012:%s…", resource)
	}
	if err := checkPartitionRegion(s); err != nil {
		return err
	}
	if form, ok := arnResourceForms[resource]; ok {
		parts := strings.Split(m[4], "/")
		if len(parts) != strings.Count(form, "/")+1 || slices.Contains(parts, "") {
			return fmt.Errorf("expected a resource of the form %s, got %q", form, m[4])
		}
		if service == "elasticloadbalancing" {
			// Every part after the type (and the app/ or net/ kind) is a
			// name or a 16-digit lowercase hexadecimal ID; IDs are the parts
			// at the ID positions of the form.
			formParts := strings.Split(form, "/")
			for i, fp := range formParts {
				if strings.HasSuffix(fp, "id>") && !elbIDPattern.MatchString(parts[i]) {
					return fmt.Errorf("%q in %q is not an ELB ID: IDs are 16 lowercase hexadecimal digits", parts[i], m[4])
				}
			}
		}
	} else if resource != "" && (m[4] == resource || strings.HasSuffix(m[4], "/")) {
		return fmt.Errorf("expected a resource of the form %s<name>, got %q", resource, m[4])
	}
	return nil
}

// arnResourceForms are the complete resource parts of the Elastic Load
// Balancing ARNs the schemas take, by resource prefix.
var arnResourceForms = map[string]string{
	"targetgroup/":       "targetgroup/<name>/<id>",
	"loadbalancer/app/":  "loadbalancer/app/<name>/<id>",
	"listener/app/":      "listener/app/<load balancer name>/<load balancer id>/<listener id>",
	"listener/net/":      "listener/net/<load balancer name>/<load balancer id>/<listener id>",
	"listener-rule/app/": "listener-rule/app/<load balancer name>/<load balancer id>/<listener id>/<rule id>",
}

func orAny(s string) string {
	if s == "" {
		return "<service>"
	}
	return s
}

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
