# The demo stack that `make demo` applies against the local sandbox: twin
# target groups, a health gate per color that re-runs for each new version,
# and a canary switch that rolls back by itself on a 5xx breach.
#
# The load balancer and listener are created by the demo driver (the sandbox
# has no aws provider); in a real stack they are an aws_lb and an
# aws_lb_listener whose default action forwards to both groups (blue 100,
# green 0) with lifecycle { ignore_changes = [default_action] }.

terraform {
  required_providers {
    bluegreen = {
      source = "bluegreen-tf/bluegreen"
    }
  }
}

# Endpoints and credentials come from the environment the demo driver sets
# (AWS_ENDPOINT_URL pointing at the sandbox).
provider "bluegreen" {
  region = "us-east-1"
}

variable "listener_arn" {
  type = string
}

variable "load_balancer_arn" {
  type = string
}

variable "active_color" {
  type    = string
  default = "blue"
}

variable "blue_version" {
  type    = string
  default = "1.0.0"
}

variable "green_version" {
  type    = string
  default = "1.0.0"
}

variable "blue_targets" {
  description = "Instances of the blue release (the demo driver runs them on 127.0.0.1)."
  type        = list(object({ id = string, port = number }))
}

variable "green_targets" {
  type = list(object({ id = string, port = number }))
}

resource "bluegreen_environment_pair" "demo" {
  name   = "demo"
  vpc_id = "vpc-0123456789abcdef0"
  port   = 8080

  health_check = {
    path                = "/health"
    interval            = "5s"
    timeout             = "2s"
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
  deregistration_delay = "5s"

  blue = {
    version = var.blue_version
    targets = var.blue_targets
  }
  green = {
    version = var.green_version
    targets = var.green_targets
  }
}

# Each color must be healthy before traffic moves to it; a new version re-runs its gate.
resource "bluegreen_health_gate" "blue" {
  target_health = {
    target_group_arn  = bluegreen_environment_pair.demo.blue.target_group_arn
    min_healthy_count = length(var.blue_targets)
  }
  interval              = "1s"
  consecutive_successes = 2
  triggers              = { version = var.blue_version }
  timeouts {
    create = "1m"
  }
}

resource "bluegreen_health_gate" "green" {
  target_health = {
    target_group_arn  = bluegreen_environment_pair.demo.green.target_group_arn
    min_healthy_count = length(var.green_targets)
  }
  interval              = "1s"
  consecutive_successes = 2
  triggers              = { version = var.green_version }
  timeouts {
    create = "1m"
  }
}

resource "bluegreen_listener_switch" "demo" {
  listener_arn           = var.listener_arn
  blue_target_group_arn  = bluegreen_environment_pair.demo.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.demo.green.target_group_arn
  active_color           = var.active_color

  # ALB metrics reach CloudWatch per minute, each about a minute after it ends
  # (on AWS as in the sandbox): the check judges only published minutes, so a
  # step must be held long enough for one to be published and judged.
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "3m30s"
  }
  bake_time = "3m30s"

  rollback_on = {
    metrics = {
      load_balancer_arn = var.load_balancer_arn
      max_5xx_rate      = 0.05
      max_p99_latency   = "500ms"
      min_requests      = 10
      window            = "1m"
    }
    evaluation_interval = "15s"
    failure_threshold   = 2
  }

  timeouts {
    create = "90m"
    update = "90m"
  }

  depends_on = [bluegreen_health_gate.blue, bluegreen_health_gate.green]
}

output "switch" {
  value = {
    active_color = bluegreen_listener_switch.demo.active_color
    status       = bluegreen_listener_switch.demo.status
    blue_weight  = bluegreen_listener_switch.demo.blue_weight
    green_weight = bluegreen_listener_switch.demo.green_weight
    last_shift   = bluegreen_listener_switch.demo.last_shift
  }
}
