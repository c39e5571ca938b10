package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The bad-input catalogue: every row is an invalid configuration that must be
// rejected at plan time with a diagnostic whose summary is exactly Summary and
// that names Attribute (the dotted path as written in the configuration; the
// check looks for its last step in the diagnostic). TestAccBadInputs runs each
// row against the real CLI; with BLUEGREEN_WRITE_CATALOGUE=1 it also writes
// the table to templates/guides/bad-inputs.md.tmpl (rendered into
// docs/guides/bad-inputs.md by scripts/docs.sh generate).

const (
	biARN      = "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
	biBlueTG   = biARN + "targetgroup/app-blue/0123456789abcdef"
	biGreenTG  = biARN + "targetgroup/app-green/0123456789abcdef"
	biLB       = biARN + "loadbalancer/app/app/0123456789abcdef"
	biListener = biARN + "listener/app/app/0123456789abcdef/0123456789abcdef"
	biRule     = biARN + "listener-rule/app/app/0123456789abcdef/0123456789abcdef/0123456789abcdef"
	// biNLBListener is a Network Load Balancer listener: listener mode only.
	biNLBListener = biARN + "listener/net/edge/0123456789abcdef/0123456789abcdef"
)

// Resource column values.
const (
	biProvider = "provider"
	biPair     = "bluegreen_environment_pair"
	biSwitch   = "bluegreen_listener_switch"
	biGate     = "bluegreen_health_gate"
	biState    = "data.bluegreen_listener_state"
)

// biProviderConfig is a provider block with body, plus a data source so the
// provider is configured during the plan.
func biProviderConfig(body string) string {
	return fmt.Sprintf(`provider "bluegreen" {
  %s
}

data "bluegreen_listener_state" "test" {
  listener_arn = %q
}
`, body, biListener)
}

const biPairRequired = `vpc_id = "vpc-0123456789abcdef0"
  port   = 8080`

// biPairConfig is an environment pair; body replaces name and adds attributes
// to vpc_id and port (biPairRequired) unless it sets them itself.
func biPairConfig(body string) string {
	if !strings.Contains(body, "name ") && !strings.Contains(body, "name=") {
		body = "name = \"app\"\n  " + body
	}
	if !strings.Contains(body, "vpc_id") {
		body += "\n  " + biPairRequired
	}
	return fmt.Sprintf("resource \"bluegreen_environment_pair\" \"bad\" {\n  %s\n}\n", body)
}

var (
	biTGs = fmt.Sprintf(`blue_target_group_arn  = %q
  green_target_group_arn = %q`, biBlueTG, biGreenTG)
	biSwitchListener = fmt.Sprintf(`listener_arn = %q`, biListener)
	// biSwitchBase is a valid switch on a listener's default action.
	biSwitchBase = biSwitchListener + "\n  " + biTGs + "\n  active_color = \"green\""
)

func biSwitchConfig(body string) string {
	return fmt.Sprintf("resource \"bluegreen_listener_switch\" \"bad\" {\n  %s\n}\n", body)
}

// biRollbackOn is a valid switch whose rollback_on block has body.
func biRollbackOn(body string) string {
	return biSwitchConfig(biSwitchBase + "\n  rollback_on = {\n    " + body + "\n  }")
}

func biGateConfig(body string) string {
	return fmt.Sprintf("resource \"bluegreen_health_gate\" \"bad\" {\n  %s\n}\n", body)
}

// biGateHTTP is a gate with one http check of body.
func biGateHTTP(body string) string {
	return biGateConfig("http = [{\n    " + body + "\n  }]")
}

// biGatePrometheus is a gate with one prometheus check of body.
func biGatePrometheus(body string) string {
	return biGateConfig("prometheus = [{\n    " + body + "\n  }]")
}

func biStateConfig(body string) string {
	return fmt.Sprintf("data \"bluegreen_listener_state\" \"bad\" {\n  %s\n}\n", body)
}

type badInput struct {
	Resource  string // resource type, data.<type> or provider
	Case      string // what is wrong, in a few words
	Attribute string // dotted path of the attribute the diagnostic names
	Config    string // the whole configuration
	Summary   string // exact summary of the expected diagnostic
}

var badInputs = []badInput{
	// Provider configuration.
	{biProvider, "unknown region", "region", biProviderConfig(`region = "nowhere"`), "Invalid region"},
	{biProvider, "region in upper case", "region", biProviderConfig(`region = "US-EAST-1"`), "Invalid region"},
	{biProvider, "max_retries above 100", "max_retries", biProviderConfig(`max_retries = 1000`), "Invalid Attribute Value"},
	{biProvider, "negative max_retries", "max_retries", biProviderConfig(`max_retries = -1`), "Invalid Attribute Value"},
	{biProvider, "endpoint without scheme", "endpoints.elbv2", biProviderConfig(`endpoints { elbv2 = "localhost:4566" }`), "Invalid elbv2"},
	{biProvider, "endpoint with ftp scheme", "endpoints.cloudwatch", biProviderConfig(`endpoints { cloudwatch = "ftp://example.com" }`), "Invalid cloudwatch"},
	{biProvider, "endpoint without host", "endpoints.sts", biProviderConfig(`endpoints { sts = "https://" }`), "Invalid sts"},
	{biProvider, "endpoint with port but no host", "endpoints.route53", biProviderConfig(`endpoints { route53 = "http://:4566" }`), "Invalid route53"},
	{biProvider, "assume_role without role_arn", "assume_role.role_arn", biProviderConfig(`assume_role { session_name = "ci" }`), "Missing role ARN"},
	{biProvider, "role_arn not an ARN", "assume_role.role_arn", biProviderConfig(`assume_role { role_arn = "deployer" }`), "Invalid role arn"},
	{biProvider, "role_arn of another service", "assume_role.role_arn", biProviderConfig(`assume_role { role_arn = "arn:aws:s3:::deployer" }`), "Invalid role arn"},
	{biProvider, "role_arn of an IAM user", "assume_role.role_arn", biProviderConfig(`assume_role { role_arn = "arn:aws:iam::123456789012:user/deployer" }`), "Invalid role arn"},
	{biProvider, "duration does not parse", "assume_role.duration", biProviderConfig(`assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deployer"
    duration = "forever"
  }`), "Invalid duration"},
	{biProvider, "duration below 15m", "assume_role.duration", biProviderConfig(`assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deployer"
    duration = "5m"
  }`), "Invalid duration"},
	{biProvider, "duration above 12h", "assume_role.duration", biProviderConfig(`assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deployer"
    duration = "13h"
  }`), "Invalid duration"},
	{biProvider, "session name too short", "assume_role.session_name", biProviderConfig(`assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deployer"
    session_name = "a"
  }`), "Invalid session name"},
	{biProvider, "session name too long", "assume_role.session_name", biProviderConfig(fmt.Sprintf(`assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deployer"
    session_name = %q
  }`, strings.Repeat("s", 65))), "Invalid session name"},
	{biProvider, "session name with a space", "assume_role.session_name", biProviderConfig(`assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deployer"
    session_name = "my session"
  }`), "Invalid session name"},
	{biProvider, "external ID too short", "assume_role.external_id", biProviderConfig(`assume_role {
    role_arn    = "arn:aws:iam::123456789012:role/deployer"
    external_id = "x"
  }`), "Invalid external id"},
	{biProvider, "reserved default tag key", "default_tags.tags", biProviderConfig(`default_tags {
    tags = { "aws:owner" = "me" }
  }`), "Reserved tag key"},
	{biProvider, "default tag key too long", "default_tags.tags", biProviderConfig(fmt.Sprintf(`default_tags {
    tags = { %q = "x" }
  }`, strings.Repeat("k", 129))), "Invalid tag key"},

	// bluegreen_environment_pair.
	{biPair, "missing name", "name", "resource \"bluegreen_environment_pair\" \"bad\" {\n  " + biPairRequired + "\n}\n", "Missing pair name"},
	{biPair, "name too long", "name", biPairConfig(`name = "abcdefghijklmnopqrstuvwxyz0"`), "Invalid Attribute Value Match"},
	{biPair, "name starting with a hyphen", "name", biPairConfig(`name = "-app"`), "Invalid Attribute Value Match"},
	{biPair, "name with an underscore", "name", biPairConfig(`name = "my_app"`), "Invalid Attribute Value Match"},
	{biPair, "malformed VPC ID", "vpc_id", biPairConfig(`vpc_id = "vpc-123"
  port   = 8080`), "Invalid Attribute Value Match"},
	{biPair, "subnet ID as VPC ID", "vpc_id", biPairConfig(`vpc_id = "subnet-0123456789abcdef0"
  port   = 8080`), "Invalid Attribute Value Match"},
	{biPair, "port 0", "port", biPairConfig(`vpc_id = "vpc-0123456789abcdef0"
  port   = 0`), "Invalid Attribute Value"},
	{biPair, "port above 65535", "port", biPairConfig(`vpc_id = "vpc-0123456789abcdef0"
  port   = 70000`), "Invalid Attribute Value"},
	{biPair, "unknown protocol", "protocol", biPairConfig(`protocol = "TCP"`), "Invalid Attribute Value Match"},
	{biPair, "unknown target type", "target_type", biPairConfig(`target_type = "lambda"`), "Invalid Attribute Value Match"},
	{biPair, "health check timeout not shorter than interval", "health_check.timeout", biPairConfig(`health_check = { interval = "5s", timeout = "5s" }`), "Health check timeout not shorter than interval"},
	{biPair, "health check interval below 5s", "health_check.interval", biPairConfig(`health_check = { interval = "4s", timeout = "2s" }`), "Invalid interval"},
	{biPair, "health check interval in fractional seconds", "health_check.interval", biPairConfig(`health_check = { interval = "30.5s" }`), "Invalid interval"},
	{biPair, "health check timeout below 2s", "health_check.timeout", biPairConfig(`health_check = { timeout = "1s" }`), "Invalid timeout"},
	{biPair, "matcher not a code", "health_check.matcher", biPairConfig(`health_check = { matcher = "ok" }`), "Invalid Attribute Value Match"},
	{biPair, "matcher code out of range", "health_check.matcher", biPairConfig(`health_check = { matcher = "200,600" }`), "Invalid matcher"},
	{biPair, "matcher range reversed", "health_check.matcher", biPairConfig(`health_check = { matcher = "299-200" }`), "Invalid matcher"},
	{biPair, "healthy_threshold below 2", "health_check.healthy_threshold", biPairConfig(`health_check = { healthy_threshold = 1 }`), "Invalid Attribute Value"},
	{biPair, "unhealthy_threshold above 10", "health_check.unhealthy_threshold", biPairConfig(`health_check = { unhealthy_threshold = 11 }`), "Invalid Attribute Value"},
	{biPair, "health check port above 65535", "health_check.port", biPairConfig(`health_check = { port = "70000" }`), "Invalid Attribute Value Match"},
	{biPair, "health check path without leading slash", "health_check.path", biPairConfig(`health_check = { path = "health" }`), "Invalid Attribute Value Match"},
	{biPair, "health check protocol TCP", "health_check.protocol", biPairConfig(`health_check = { protocol = "TCP" }`), "Invalid Attribute Value Match"},
	{biPair, "deregistration delay in fractional seconds", "deregistration_delay", biPairConfig(`deregistration_delay = "1.5s"`), "Invalid deregistration delay"},
	{biPair, "deregistration delay above 3600s", "deregistration_delay", biPairConfig(`deregistration_delay = "2h"`), "Invalid deregistration delay"},
	{biPair, "slow start between 0s and 30s", "slow_start", biPairConfig(`slow_start = "10s"`), "Invalid slow start"},
	{biPair, "reserved tag key bluegreen:", "tags", biPairConfig(`tags = { "bluegreen:color" = "red" }`), "Reserved tag key"},
	{biPair, "reserved tag key aws: in any case", "tags", biPairConfig(`tags = { "AWS:Name" = "app" }`), "Reserved tag key"},
	{biPair, "tag value too long", "tags", biPairConfig(fmt.Sprintf(`tags = { team = %q }`, strings.Repeat("v", 257))), "Invalid tag value"},
	{biPair, "version label too long", "blue.version", biPairConfig(fmt.Sprintf(`blue = { version = %q }`, strings.Repeat("1", 257))), "Invalid Attribute Value Length"},
	{biPair, "empty target id", "green.targets.id", biPairConfig(`green = { targets = [{ id = "" }] }`), "Invalid Attribute Value Length"},
	{biPair, "target port 0", "green.targets.port", biPairConfig(`green = { targets = [{ id = "10.0.0.1", port = 0 }] }`), "Invalid Attribute Value"},
	{biPair, "instance ID with target_type ip", "blue.targets", biPairConfig(`blue = { targets = [{ id = "i-0123456789abcdef0" }] }`), "Target does not match target_type"},
	{biPair, "IP address with target_type instance", "green.targets", biPairConfig(`target_type = "instance"
  green = { targets = [{ id = "10.0.0.1" }] }`), "Target does not match target_type"},

	// bluegreen_listener_switch.
	{biSwitch, "missing active_color", "active_color", biSwitchConfig(biSwitchListener + "\n  " + biTGs), "Missing required argument"},
	{biSwitch, "unknown color", "active_color", biSwitchConfig(biSwitchListener + "\n  " + biTGs + "\n  active_color = \"purple\""), "Invalid Attribute Value Match"},
	{biSwitch, "same target group for both colors", "green_target_group_arn", biSwitchConfig(fmt.Sprintf(`%s
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "green"`, biSwitchListener, biBlueTG, biBlueTG)), "Same target group for blue and green"},
	{biSwitch, "neither listener_arn nor rule", "listener_arn", biSwitchConfig(biTGs + "\n  active_color = \"green\""), "Missing Attribute Configuration"},
	{biSwitch, "both listener_arn and rule", "rule", biSwitchConfig(biSwitchBase + fmt.Sprintf(`
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/api/*"]
  }`, biListener)), "Invalid Attribute Combination"},
	{biSwitch, "listener_arn of a target group", "listener_arn", biSwitchConfig(fmt.Sprintf("listener_arn = %q\n  %s\n  active_color = \"green\"", biBlueTG, biTGs)), "Invalid listener arn"},
	{biSwitch, "listener_arn of another service", "listener_arn", biSwitchConfig(fmt.Sprintf("listener_arn = %q\n  %s\n  active_color = \"green\"",
		"arn:aws:ec2:us-east-1:123456789012:listener/app/app/0123456789abcdef/0123456789abcdef", biTGs)), "Invalid listener arn"},
	{biSwitch, "listener_arn of a Gateway Load Balancer", "listener_arn", biSwitchConfig(fmt.Sprintf("listener_arn = %q\n  %s\n  active_color = \"green\"",
		biARN+"listener/gwy/app/0123456789abcdef/0123456789abcdef", biTGs)), "Invalid listener arn"},
	{biSwitch, "rule on a Network Load Balancer listener", "rule.listener_arn", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/api/*"]
  }`, biNLBListener)), "Rule mode on a Network Load Balancer"},
	{biSwitch, "stickiness on a Network Load Balancer listener", "stickiness", biSwitchConfig(fmt.Sprintf("listener_arn = %q\n  %s\n  active_color = \"green\"\n  stickiness = { enabled = true }",
		biNLBListener, biTGs)), "Target group stickiness on a Network Load Balancer"},
	{biSwitch, "ALB metrics check on a Network Load Balancer listener", "rollback_on.metrics", biSwitchConfig(fmt.Sprintf("listener_arn = %q\n  %s\n  active_color = \"green\"\n  rollback_on = { metrics = { max_5xx_rate = 0.05 } }",
		biNLBListener, biTGs)), "ALB metrics check on a Network Load Balancer"},
	{biSwitch, "listener_arn without region and account", "listener_arn", biSwitchConfig(fmt.Sprintf("listener_arn = %q\n  %s\n  active_color = \"green\"",
		"arn:aws:elasticloadbalancing:::listener/app/app/0123456789abcdef/0123456789abcdef", biTGs)), "Invalid listener arn"},
	{biSwitch, "blue target group ARN of a listener", "blue_target_group_arn", biSwitchConfig(fmt.Sprintf(`%s
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "green"`, biSwitchListener, biListener, biGreenTG)), "Invalid blue target group arn"},
	{biSwitch, "green target group ARN without its ID", "green_target_group_arn", biSwitchConfig(fmt.Sprintf(`%s
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "green"`, biSwitchListener, biBlueTG, biARN+"targetgroup/app-green")), "Invalid green target group arn"},
	{biSwitch, "rule without listener_arn", "rule.listener_arn", biSwitchConfig(biTGs + `
  active_color = "green"
  rule = {
    priority      = 10
    path_patterns = ["/api/*"]
  }`), "Incorrect attribute value type"},
	{biSwitch, "rule without priority", "rule.priority", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn  = %q
    path_patterns = ["/api/*"]
  }`, biListener)), "Incorrect attribute value type"},
	{biSwitch, "rule priority 0", "rule.priority", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn  = %q
    priority      = 0
    path_patterns = ["/api/*"]
  }`, biListener)), "Invalid Attribute Value"},
	{biSwitch, "rule priority above 50000", "rule.priority", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn  = %q
    priority      = 50001
    path_patterns = ["/api/*"]
  }`, biListener)), "Invalid Attribute Value"},
	{biSwitch, "rule without conditions", "rule.path_patterns", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn = %q
    priority     = 10
  }`, biListener)), "Rule without conditions"},
	{biSwitch, "more than 5 path patterns", "rule.path_patterns", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/a", "/b", "/c", "/d", "/e", "/f"]
  }`, biListener)), "Invalid Attribute Value"},
	{biSwitch, "empty path pattern", "rule.path_patterns", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = [""]
  }`, biListener)), "Invalid Attribute Value Length"},
	{biSwitch, "host header too long", "rule.host_headers", biSwitchConfig(biTGs + fmt.Sprintf(`
  active_color = "green"
  rule = {
    listener_arn = %q
    priority     = 10
    host_headers = [%q]
  }`, biListener, strings.Repeat("h", 129)+".example.com")), "Invalid Attribute Value Length"},
	{biSwitch, "unknown strategy type", "strategy.type", biSwitchConfig(biSwitchBase + `
  strategy = {
    type = "big_bang"
  }`), "Invalid Attribute Value Match"},
	{biSwitch, "canary without steps", "strategy.steps", biSwitchConfig(biSwitchBase + `
  strategy = {
    type = "canary"
  }`), "Canary without steps"},
	{biSwitch, "canary steps not ascending", "strategy.steps", biSwitchConfig(biSwitchBase + `
  strategy = {
    type  = "canary"
    steps = [50, 10]
  }`), "Invalid strategy"},
	{biSwitch, "canary step of 100", "strategy.steps", biSwitchConfig(biSwitchBase + `
  strategy = {
    type  = "canary"
    steps = [10, 100]
  }`), "Invalid strategy"},
	{biSwitch, "canary with a null step", "strategy.steps", biSwitchConfig(biSwitchBase + `
  strategy = {
    type  = "canary"
    steps = [10, null]
  }`), "Null List Value"},
	{biSwitch, "canary with step_percent", "strategy.step_percent", biSwitchConfig(biSwitchBase + `
  strategy = {
    type         = "canary"
    steps        = [10]
    step_percent = 10
  }`), "Conflicting strategy attributes"},
	{biSwitch, "linear without step_percent", "strategy.step_percent", biSwitchConfig(biSwitchBase + `
  strategy = {
    type = "linear"
  }`), "Linear without step_percent"},
	{biSwitch, "linear step_percent of 100", "strategy.step_percent", biSwitchConfig(biSwitchBase + `
  strategy = {
    type         = "linear"
    step_percent = 100
  }`), "Invalid Attribute Value"},
	{biSwitch, "linear with steps", "strategy.steps", biSwitchConfig(biSwitchBase + `
  strategy = {
    type         = "linear"
    step_percent = 25
    steps        = [10]
  }`), "Conflicting strategy attributes"},
	{biSwitch, "all_at_once with steps", "strategy.type", biSwitchConfig(biSwitchBase + `
  strategy = {
    type  = "all_at_once"
    steps = [10]
  }`), "Conflicting strategy attributes"},
	{biSwitch, "step_interval does not parse", "strategy.step_interval", biSwitchConfig(biSwitchBase + `
  strategy = {
    type          = "canary"
    steps         = [10]
    step_interval = "soon"
  }`), "Invalid step interval"},
	{biSwitch, "negative step_interval", "strategy.step_interval", biSwitchConfig(biSwitchBase + `
  strategy = {
    type          = "canary"
    steps         = [10]
    step_interval = "-1m"
  }`), "Invalid step interval"},
	{biSwitch, "bake_time does not parse", "bake_time", biSwitchConfig(biSwitchBase + `
  bake_time = "ten minutes"`), "Invalid bake time"},
	{biSwitch, "negative bake_time", "bake_time", biSwitchConfig(biSwitchBase + `
  bake_time = "-5m"`), "Invalid bake time"},
	{biSwitch, "worst case beyond the create timeout", "timeouts.create", biSwitchConfig(biSwitchBase + `
  strategy = {
    type          = "linear"
    step_percent  = 10
    step_interval = "10m"
  }
  timeouts {
    create = "30m"
  }`), "Shift cannot finish within the timeout"},
	{biSwitch, "bake_time beyond the create timeout", "timeouts.create", biSwitchConfig(biSwitchBase + `
  bake_time = "2h"`), "Shift cannot finish within the timeout"},
	{biSwitch, "timeout does not parse", "timeouts.create", biSwitchConfig(biSwitchBase + `
  timeouts {
    create = "half an hour"
  }`), "Invalid Attribute Value Time Duration"},
	{biSwitch, "unknown on_interrupt", "on_interrupt", biSwitchConfig(biSwitchBase + `
  on_interrupt = "abort"`), "Invalid Attribute Value Match"},
	{biSwitch, "stickiness without enabled", "stickiness.enabled", biSwitchConfig(biSwitchBase + `
  stickiness = {
    duration = "1h"
  }`), "Incorrect attribute value type"},
	{biSwitch, "stickiness longer than 7 days", "stickiness.duration", biSwitchConfig(biSwitchBase + `
  stickiness = {
    enabled  = true
    duration = "169h"
  }`), "Invalid duration"},
	{biSwitch, "stickiness of 0s", "stickiness.duration", biSwitchConfig(biSwitchBase + `
  stickiness = {
    enabled  = true
    duration = "0s"
  }`), "Invalid duration"},
	{biSwitch, "preflight min_healthy_count 0", "preflight.min_healthy_count", biSwitchConfig(biSwitchBase + `
  preflight = {
    min_healthy_count = 0
  }`), "Invalid Attribute Value"},
	{biSwitch, "preflight min_healthy_percent above 100", "preflight.min_healthy_percent", biSwitchConfig(biSwitchBase + `
  preflight = {
    min_healthy_percent = 150
  }`), "Invalid Attribute Value"},

	// bluegreen_listener_switch rollback_on: tolerance knobs and checks.
	{biSwitch, "evaluation_interval below 1s", "rollback_on.evaluation_interval", biRollbackOn(`evaluation_interval = "500ms"
    alarm_names         = ["app-5xx"]`), "Invalid evaluation interval"},
	{biSwitch, "failure_threshold 0", "rollback_on.failure_threshold", biRollbackOn(`failure_threshold = 0
    alarm_names       = ["app-5xx"]`), "Invalid Attribute Value"},
	{biSwitch, "negative inconclusive_limit", "rollback_on.inconclusive_limit", biRollbackOn(`inconclusive_limit = -1
    alarm_names        = ["app-5xx"]`), "Invalid Attribute Value"},
	{biSwitch, "metrics without a threshold", "rollback_on.metrics", biRollbackOn(`metrics = {
      min_requests = 10
    }`), "Metrics check without a threshold"},
	{biSwitch, "max_5xx_rate as a percentage", "rollback_on.metrics.max_5xx_rate", biRollbackOn(`metrics = {
      max_5xx_rate = 5
    }`), "Invalid Attribute Value"},
	{biSwitch, "max_p99_latency does not parse", "rollback_on.metrics.max_p99_latency", biRollbackOn(`metrics = {
      max_p99_latency = "fast"
    }`), "Invalid max p99 latency"},
	{biSwitch, "metrics window below 1m", "rollback_on.metrics.window", biRollbackOn(`metrics = {
      max_5xx_rate = 0.05
      window       = "30s"
    }`), "Invalid window"},
	{biSwitch, "negative min_requests", "rollback_on.metrics.min_requests", biRollbackOn(`metrics = {
      max_5xx_rate = 0.05
      min_requests = -1
    }`), "Invalid Attribute Value"},
	{biSwitch, "comparison without a relative threshold", "rollback_on.metrics.compare_to_other_color", biRollbackOn(`metrics = {
      max_5xx_rate           = 0.05
      compare_to_other_color = true
    }`), "Comparison without a relative threshold"},
	{biSwitch, "relative threshold without comparison", "rollback_on.metrics.compare_to_other_color", biRollbackOn(`metrics = {
      max_5xx_rate_increase = 0.01
    }`), "Relative threshold without comparison"},
	{biSwitch, "other_target_group_arn without comparison", "rollback_on.metrics.other_target_group_arn", biRollbackOn(fmt.Sprintf(`metrics = {
      max_5xx_rate           = 0.05
      other_target_group_arn = %q
    }`, biBlueTG)), "Comparison setting without comparison"},
	{biSwitch, "p99 latency ratio below 1", "rollback_on.metrics.max_p99_latency_ratio", biRollbackOn(`metrics = {
      compare_to_other_color = true
      max_p99_latency_ratio  = 0.5
    }`), "Invalid Attribute Value"},
	{biSwitch, "metrics load balancer ARN of a listener", "rollback_on.metrics.load_balancer_arn", biRollbackOn(fmt.Sprintf(`metrics = {
      max_5xx_rate      = 0.05
      load_balancer_arn = %q
    }`, biListener)), "Invalid load balancer arn"},
	{biSwitch, "metrics load balancer ARN of an NLB", "rollback_on.metrics.load_balancer_arn", biRollbackOn(fmt.Sprintf(`metrics = {
      max_5xx_rate      = 0.05
      load_balancer_arn = %q
    }`, biARN+"loadbalancer/net/app/0123456789abcdef")), "Invalid load balancer arn"},
	{biSwitch, "target_health min_healthy_percent above 100", "rollback_on.target_health.min_healthy_percent", biRollbackOn(`target_health = {
      min_healthy_percent = 101
    }`), "Invalid Attribute Value"},
	{biSwitch, "target_health min_healthy_count 0", "rollback_on.target_health.min_healthy_count", biRollbackOn(`target_health = {
      min_healthy_count = 0
    }`), "Invalid Attribute Value"},
	{biSwitch, "empty alarm_names", "rollback_on.alarm_names", biRollbackOn(`alarm_names = []`), "Invalid Attribute Value"},
	{biSwitch, "duplicate alarm name", "rollback_on.alarm_names", biRollbackOn(`alarm_names = ["app-5xx", "app-5xx"]`), "Duplicate List Value"},
	{biSwitch, "empty alarm name", "rollback_on.alarm_names", biRollbackOn(`alarm_names = [""]`), "Invalid Attribute Value Length"},
	{biSwitch, "alarm name too long", "rollback_on.alarm_names", biRollbackOn(fmt.Sprintf(`alarm_names = [%q]`, strings.Repeat("a", 256))), "Invalid Attribute Value Length"},
	{biSwitch, "http check without url", "rollback_on.http.url", biRollbackOn(`http = [{
      expect_status = [200]
    }]`), "Missing URL"},
	{biSwitch, "prometheus query of blanks", "rollback_on.prometheus.query", biRollbackOn(`prometheus = [{
      url   = "http://prometheus:9090"
      query = "   "
      max   = 1
    }]`), "Invalid query"},
	{biSwitch, "prometheus check without url", "rollback_on.prometheus.url", biRollbackOn(`prometheus = [{
      query = "up"
      min   = 1
    }]`), "Missing URL"},
	{biSwitch, "prometheus check without query", "rollback_on.prometheus.query", biRollbackOn(`prometheus = [{
      url = "http://prometheus:9090"
      min = 1
    }]`), "Missing query"},
	{biSwitch, "second http check without url", "rollback_on.http.url", biRollbackOn(`http = [{
      url = "http://10.0.2.5/health"
    }, {
      name = "version"
    }]`), "Missing URL"},
	{biSwitch, "two http checks of one name", "rollback_on.http.name", biRollbackOn(`http = [{
      name = "api"
      url  = "http://10.0.2.5/health"
    }, {
      name = "api"
      url  = "http://10.0.2.5/version"
    }]`), "Duplicate check name"},
	{biSwitch, "check name with a space", "rollback_on.prometheus.name", biRollbackOn(`prometheus = [{
      name  = "error rate"
      url   = "http://prometheus:9090"
      query = "up"
      min   = 1
    }]`), "Invalid Attribute Value Match"},
	{biSwitch, "empty http list", "rollback_on.http", biRollbackOn(`http = []`), "Invalid Attribute Value"},
	{biSwitch, "metrics target group of a load balancer", "rollback_on.metrics.target_group_arn", biRollbackOn(fmt.Sprintf(`metrics = {
      target_group_arn = %q
      max_5xx_rate     = 0.05
    }`, biLB)), "Invalid target group arn"},

	// bluegreen_health_gate.
	{biGate, "no checks", "target_health", biGateConfig(`interval = "5s"`), "Health gate without checks"},
	{biGate, "interval below 1s", "interval", biGateConfig(`interval    = "500ms"
  alarm_names = ["app-5xx"]`), "Invalid interval"},
	{biGate, "consecutive_successes 0", "consecutive_successes", biGateConfig(`consecutive_successes = 0
  alarm_names           = ["app-5xx"]`), "Invalid Attribute Value"},
	{biGate, "cannot pass within the create timeout", "timeouts.create", biGateConfig(`interval              = "1m"
  consecutive_successes = 20
  alarm_names           = ["app-5xx"]
  timeouts {
    create = "10m"
  }`), "Gate cannot pass within the timeout"},
	{biGate, "cannot pass within the default timeout (no timeouts block)", "timeouts.create", biGateConfig(`interval              = "1m"
  consecutive_successes = 20
  alarm_names           = ["app-5xx"]`), "Gate cannot pass within the timeout"},
	{biGate, "timeout does not parse", "timeouts.create", biGateConfig(`alarm_names = ["app-5xx"]
  timeouts {
    create = "10 minutes"
  }`), "Invalid Attribute Value Time Duration"},
	{biGate, "target_health without target group", "target_health.target_group_arn", biGateConfig(`target_health = {
    min_healthy_count = 2
  }`), "Incorrect attribute value type"},
	{biGate, "target_health target group ARN of a load balancer", "target_health.target_group_arn", biGateConfig(fmt.Sprintf(`target_health = {
    target_group_arn = %q
  }`, biLB)), "Invalid target group arn"},
	{biGate, "metrics without target group", "metrics.target_group_arn", biGateConfig(fmt.Sprintf(`metrics = {
    load_balancer_arn = %q
    max_5xx_rate      = 0.05
  }`, biLB)), "Incorrect attribute value type"},
	{biGate, "http check without url", "http.url", biGateHTTP(`method = "GET"`), "Missing URL"},
	{biGate, "metrics without load balancer", "metrics.load_balancer_arn", biGateConfig(fmt.Sprintf(`metrics = {
    target_group_arn = %q
    max_5xx_rate     = 0.05
  }`, biGreenTG)), "Incorrect attribute value type"},
	{biGate, "comparison without the other target group", "metrics.other_target_group_arn", biGateConfig(fmt.Sprintf(`metrics = {
    load_balancer_arn      = %q
    target_group_arn       = %q
    compare_to_other_color = true
    max_5xx_rate_increase  = 0.01
  }`, biLB, biGreenTG)), "Missing target group to compare with"},
	{biGate, "comparison with the checked target group itself", "metrics.other_target_group_arn", biGateConfig(fmt.Sprintf(`metrics = {
    load_balancer_arn      = %q
    target_group_arn       = %q
    compare_to_other_color = true
    other_target_group_arn = %q
    max_5xx_rate_increase  = 0.01
  }`, biLB, biGreenTG, biGreenTG)), "Same target group to compare with"},
	{biGate, "metrics window above 1h", "metrics.window", biGateConfig(fmt.Sprintf(`metrics = {
    load_balancer_arn = %q
    target_group_arn  = %q
    max_5xx_rate      = 0.05
    window            = "2h"
  }`, biLB, biGreenTG)), "Invalid window"},
	{biGate, "http url without scheme", "http.url", biGateHTTP(`url = "/health"`), "Invalid url"},
	{biGate, "http url without host", "http.url", biGateHTTP(`url = "http://:8080/health"`), "Invalid url"},
	{biGate, "unknown http method", "http.method", biGateHTTP(`url    = "http://app:8080/health"
    method = "FETCH"`), "Invalid Attribute Value Match"},
	{biGate, "status code out of range", "http.expect_status", biGateHTTP(`url           = "http://app:8080/health"
    expect_status = [700]`), "Invalid Attribute Value"},
	{biGate, "empty expect_status", "http.expect_status", biGateHTTP(`url           = "http://app:8080/health"
    expect_status = []`), "Invalid Attribute Value"},
	{biGate, "body_regex does not compile", "http.body_regex", biGateHTTP(`url        = "http://app:8080/health"
    body_regex = "ok("`), "Invalid body regex"},
	{biGate, "json_path without json_value", "http.json_value", biGateHTTP(`url       = "http://app:8080/version"
    json_path = "version"`), "json_path and json_value go together"},
	{biGate, "json_path with an empty segment", "http.json_path", biGateHTTP(`url        = "http://app:8080/version"
    json_path  = "build..version"
    json_value = "2.4.0"`), "Invalid json path"},
	{biGate, "HEAD with body_regex", "http.method", biGateHTTP(`url        = "http://app:8080/health"
    method     = "HEAD"
    body_regex = "ok"`), "HEAD request with a body check"},
	{biGate, "http timeout above 5m", "http.timeout", biGateHTTP(`url     = "http://app:8080/health"
    timeout = "10m"`), "Invalid timeout"},
	{biGate, "ca_cert_pem not PEM", "http.ca_cert_pem", biGateHTTP(`url         = "https://app:8443/health"
    ca_cert_pem = "not a certificate"`), "Invalid ca cert pem"},
	{biGate, "insecure_skip_verify with ca_cert_pem", "http.insecure_skip_verify", biGateHTTP(fmt.Sprintf(`url                  = "https://app:8443/health"
    insecure_skip_verify = true
    ca_cert_pem          = %q`, biTestCACert)), "Conflicting TLS settings"},
	{biGate, "header name with a space", "http.headers", biGateHTTP(`url     = "http://app:8080/health"
    headers = { "X Api Key" = "secret" }`), "Invalid header name"},
	{biGate, "prometheus without url", "prometheus.url", biGatePrometheus(`query = "up"
    min   = 1`), "Missing URL"},
	{biGate, "prometheus without query", "prometheus.query", biGatePrometheus(`url = "http://prometheus:9090"
    min = 1`), "Missing query"},
	{biGate, "prometheus url without scheme", "prometheus.url", biGatePrometheus(`url   = "prometheus:9090"
    query = "up"
    min   = 1`), "Invalid url"},
	{biGate, "prometheus without a threshold", "prometheus", biGatePrometheus(`url   = "http://prometheus:9090"
    query = "up"`), "Prometheus check without a threshold"},
	{biGate, "prometheus min above max", "prometheus.min", biGatePrometheus(`url   = "http://prometheus:9090"
    query = "up"
    min   = 2
    max   = 1`), "min greater than max"},
	{biGate, "prometheus timeout below 100ms", "prometheus.timeout", biGatePrometheus(`url     = "http://prometheus:9090"
    query   = "up"
    min     = 1
    timeout = "50ms"`), "Invalid timeout"},
	{biGate, "prometheus header name with a colon", "prometheus.headers", biGatePrometheus(`url     = "http://prometheus:9090"
    query   = "up"
    min     = 1
    headers = { "X-Scope-OrgID:" = "tenant" }`), "Invalid header name"},

	// data.bluegreen_listener_state.
	{biState, "neither listener_arn nor rule_arn", "listener_arn", biStateConfig(fmt.Sprintf(`blue_target_group_arn = %q`, biBlueTG)), "Missing Attribute Configuration"},
	{biState, "both listener_arn and rule_arn", "rule_arn", biStateConfig(fmt.Sprintf(`listener_arn = %q
  rule_arn     = %q`, biListener, biRule)), "Invalid Attribute Combination"},
	{biState, "listener_arn of a rule", "listener_arn", biStateConfig(fmt.Sprintf(`listener_arn = %q`, biRule)), "Invalid listener arn"},
	{biState, "rule_arn of a listener", "rule_arn", biStateConfig(fmt.Sprintf(`rule_arn = %q`, biListener)), "Invalid rule arn"},
	{biState, "listener_arn with a short account", "listener_arn", biStateConfig(`listener_arn = "arn:aws:elasticloadbalancing:us-east-1:1234:listener/app/app/0123456789abcdef/0123456789abcdef"`), "Invalid listener arn"},
	{biState, "blue target group not an ARN", "blue_target_group_arn", biStateConfig(fmt.Sprintf(`listener_arn          = %q
  blue_target_group_arn = "app-blue"`, biListener)), "Invalid blue target group arn"},
	{biState, "same target group for both colors", "green_target_group_arn", biStateConfig(fmt.Sprintf(`listener_arn           = %q
  blue_target_group_arn  = %q
  green_target_group_arn = %q`, biListener, biBlueTG, biBlueTG)), "Same target group for blue and green"},
}

// biTestCACert is a self-signed CA certificate (EC P-256, CN=test-ca).
const biTestCACert = `-----BEGIN CERTIFICATE-----
MIIBeTCCAR+gAwIBAgIUZxnsSJpe2Esulv++H/qtOVFjmL0wCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjExMjMxMDQ4MDBaFw0zNjExMjAxMDQ4
MDBaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AARe4Z36F5wROJqJkOza/L7WynvaqGAs36TUvr9HbG7XGrfLCvk3VqERRLYzELiC
sgkaJ1R+azE62zFSzPVf0CrFo1MwUTAdBgNVHQ4EFgQUtdCXP4qYI+huYbZH0vkV
Ner9WYcwHwYDVR0jBBgwFoAUtdCXP4qYI+huYbZH0vkVNer9WYcwDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiA5oVIJY85Xfby9epA1VYz8jlYYxPAY
GGG9sSYswKP4EwIhAOuVkk51sdU4eC38nS7g+nUgpk+WdGKKZunM10gh0VNy
-----END CERTIFICATE-----`

// biAttributeLeaf is the last step of a dotted attribute path.
func biAttributeLeaf(attribute string) string {
	if i := strings.LastIndex(attribute, "."); i >= 0 {
		return attribute[i+1:]
	}
	return attribute
}

// biDiagnosticRegexp matches the diagnostic "Error: <summary>" when it names
// attribute: the attribute's last step must appear inside that diagnostic
// (its location, source excerpt or detail), before any following
// "Error: "/"Warning: " line starts the next diagnostic. RE2 has no
// lookahead, so "a line that does not start a diagnostic" is spelt out.
func biDiagnosticRegexp(summary, attribute string) *regexp.Regexp {
	notPrefix := func(p string) string { // a line starting with p[0] but not with p
		var alts []string
		for i := 1; i < len(p); i++ {
			alts = append(alts, regexp.QuoteMeta(p[:i])+`(?:[^`+regexp.QuoteMeta(p[i:i+1])+`\n][^\n]*)?`)
		}
		return strings.Join(alts, "|")
	}
	line := `(?:[^EW\n][^\n]*|` + notPrefix("Error: ") + `|` + notPrefix("Warning: ") + `)?`
	leaf := regexp.QuoteMeta(biAttributeLeaf(attribute))
	// The attribute on the summary line itself, or on a later line of the
	// same diagnostic (the line holding it must not start a new one either:
	// it starts with a blank, a box character or anything but E and W, or is
	// an E/W line that is not a diagnostic header).
	return regexp.MustCompile(`(?m)Error: ` + regexp.QuoteMeta(summary) + `(?:[^\n]*\b` + leaf + `\b|[^\n]*(?:\n` + line + `)*?\n` +
		`(?:[^EW\n][^\n]*|` + notPrefix("Error: ") + `|` + notPrefix("Warning: ") + `)?\b` + leaf + `\b)`)
}

func TestBadInputsCatalogueShape(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range badInputs {
		if tc.Resource == "" || tc.Case == "" || tc.Attribute == "" || tc.Config == "" || tc.Summary == "" {
			t.Errorf("incomplete row %+v", tc)
		}
		key := tc.Resource + "/" + tc.Case
		if seen[key] {
			t.Errorf("duplicate case %q", key)
		}
		seen[key] = true
	}
	if len(badInputs) < 60 {
		t.Errorf("the catalogue has %d cases, want at least 60", len(badInputs))
	}
	// The regexp finds the attribute within the expected diagnostic only.
	out := "Error: Invalid region\n\n  with provider[\"x\"],\n  on main.tf line 2, in provider \"bluegreen\":\n   2:   foo = 1\n\nAttribute region value is bad.\n\nError: Other\n\nmax_retries\n"
	if !biDiagnosticRegexp("Invalid region", "region").MatchString(out) {
		t.Error("attribute in the diagnostic's detail not found")
	}
	if biDiagnosticRegexp("Invalid region", "max_retries").MatchString(out) {
		t.Error("attribute of the next diagnostic matched")
	}
	if !biDiagnosticRegexp("Other", "max_retries").MatchString(out) {
		t.Error("attribute of the last diagnostic not found")
	}
}

func TestAccBadInputs(t *testing.T) {
	t.Parallel()
	if os.Getenv("BLUEGREEN_WRITE_CATALOGUE") == "1" {
		writeBadInputsCatalogue(t)
	}
	for _, tc := range badInputs {
		t.Run(tc.Resource+"/"+tc.Case, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.Config,
					PlanOnly:    true,
					ExpectError: biDiagnosticRegexp(tc.Summary, tc.Attribute),
				}},
			})
		})
	}
}

// writeBadInputsCatalogue writes the catalogue as a tfplugindocs guide template.
func writeBadInputsCatalogue(t *testing.T) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`---
page_title: "Bad-input catalogue"
subcategory: "Reliability"
description: |-
  Invalid configurations the provider rejects at plan time, and the diagnostic each one gets.
---

# Bad-input catalogue

Every row below is an invalid configuration that the provider rejects **at plan time** — before any AWS
call — with an error diagnostic that names the attribute and says what is allowed. Each row is checked by
the acceptance test ` + "`TestAccBadInputs`" + ` (` + "`internal/provider/bad_inputs_acc_test.go`" + `), which plans it with
Terraform 1.8.5 and OpenTofu 1.12.6 and expects exactly this diagnostic summary on this attribute.
This page is generated from that test's table (` + "`BLUEGREEN_WRITE_CATALOGUE=1`" + `).

`)
	fmt.Fprintf(&b, "%d cases.\n\n", len(badInputs))
	b.WriteString("| Resource | Case | Attribute | Diagnostic summary |\n|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, tc := range badInputs {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", tc.Resource, cell(tc.Case), tc.Attribute, cell(tc.Summary))
	}
	file := filepath.Join("..", "..", "templates", "guides", "bad-inputs.md.tmpl")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d cases)", file, len(badInputs))
}
