# The bluegreen part of the blue-green-alb example, as a module: the twin
# target groups, one health gate per color, and the gated, self-rolling-back
# switch. It needs no aws provider; ../main.tf wires it to the VPC, the ALB's
# listener, the Auto Scaling groups and the alarm. The provider's acceptance
# tests (TestAccExamples) apply this module against the local sandbox.
#
# The listener it is given must follow the recommended shape (see the
# "Handing a listener to bluegreen" guide): a forward to both of this
# module's groups, blue weight 100 and green weight 0, with
# lifecycle { ignore_changes = [default_action] }.

terraform {
  required_providers {
    bluegreen = {
      source  = "bluegreen-tf/bluegreen"
      version = "~> 0.1"
    }
  }
}

variable "name" {
  description = "Name of the service; the target groups are <name>-blue and <name>-green."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "listener_arn" {
  description = "The listener whose default action the switch owns (forward to both groups, blue 100, green 0)."
  type        = string
}

variable "active_color" {
  description = "The color that should receive all traffic."
  type        = string
  default     = "blue"
}

variable "versions" {
  description = "Version each color runs, e.g. { blue = \"2.3.1\", green = \"2.4.0\" }; a new version re-runs that color's gate."
  type        = map(string)
}

variable "fleets" {
  description = "Per color, an identifier of what registers its targets (an Auto Scaling group ARN, an ECS service ID): the gate waits for it to exist and re-runs when it is replaced."
  type        = map(string)
}

variable "min_healthy_count" {
  description = "Healthy targets each color needs before traffic moves to it."
  type        = number
  default     = 2
}

variable "alarm_names" {
  description = "CloudWatch alarms that roll the shift back when they go to ALARM; {{color}} in a name is the color receiving traffic (web-{{color}}-5xx)."
  type        = list(string)
  default     = []
}

# The twin target groups, from one specification.
resource "bluegreen_environment_pair" "this" {
  name        = var.name
  vpc_id      = var.vpc_id
  port        = 8080
  target_type = "instance"
  health_check = {
    path     = "/health"
    interval = "10s"
  }
  deregistration_delay = "30s"
  blue                 = { version = var.versions["blue"] }
  green                = { version = var.versions["green"] }
}

locals {
  target_group_arn = {
    blue  = bluegreen_environment_pair.this.blue.target_group_arn
    green = bluegreen_environment_pair.this.green.target_group_arn
  }
}

# Each color must be healthy before it takes traffic; a new version (or a
# replaced fleet) re-runs its gate. The targets only become healthy once the
# listener forwards to their group: a group no listener uses is never
# health-checked and its targets stay "unused".
resource "bluegreen_health_gate" "color" {
  for_each = local.target_group_arn
  target_health = {
    target_group_arn  = each.value
    min_healthy_count = var.min_healthy_count
  }
  consecutive_successes = 3
  interval              = "10s"
  triggers              = { version = var.versions[each.key], fleet = var.fleets[each.key] }
  timeouts {
    create = "15m"
    update = "15m"
  }
}

resource "bluegreen_listener_switch" "this" {
  listener_arn           = var.listener_arn
  blue_target_group_arn  = local.target_group_arn["blue"]
  green_target_group_arn = local.target_group_arn["green"]
  active_color           = var.active_color

  strategy = {
    type          = "canary"
    steps         = [10, 25, 50]
    step_interval = "3m"
  }
  bake_time = "10m"

  rollback_on = {
    metrics = {
      max_5xx_rate    = 0.01
      max_p99_latency = "1s"
      min_requests    = 100
      window          = "2m"
    }
    alarm_names         = var.alarm_names
    evaluation_interval = "30s"
    failure_threshold   = 3
  }

  # The canary's worst case (every step, hold and the bake, with evaluations
  # and AWS retries) is about 39 minutes: both timeouts must cover it.
  timeouts {
    create = "45m"
    update = "45m"
  }

  depends_on = [bluegreen_health_gate.color]
}

output "blue_target_group_arn" {
  value = local.target_group_arn["blue"]
}

output "green_target_group_arn" {
  value = local.target_group_arn["green"]
}

output "status" {
  value = {
    active_color = bluegreen_listener_switch.this.active_color
    status       = bluegreen_listener_switch.this.status
    weights      = "${bluegreen_listener_switch.this.blue_weight}/${bluegreen_listener_switch.this.green_weight}"
    last_shift   = bluegreen_listener_switch.this.last_shift
  }
}
