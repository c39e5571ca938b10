# The whole-stack part of `make demo`: app.example.com answers the address of
# the blue stack or of the green one (each a load balancer of its own, with
# its own release behind it), and bluegreen_dns_switch moves the answers by
# Route 53 weight, checking the receiving stack at every step.
#
# The stacks and the hosted zone are created by the demo driver (the sandbox
# has no aws provider); in a real configuration they are two aws_lb (usually
# two instances of one stack module) and an aws_route53_zone, and each color
# is `alias = { name = aws_lb.x.dns_name, zone_id = aws_lb.x.zone_id }`.
# The demo uses plain records of the stacks' addresses with a 5 s TTL so that
# each step settles in seconds: Route 53 answers aliases with a fixed 60 s
# TTL, and the switch holds one TTL per step.

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

variable "zone_id" {
  type = string
}

variable "active_color" {
  type    = string
  default = "blue"
}

variable "blue_address" {
  description = "The blue stack's address (its load balancer)."
  type        = string
}

variable "green_address" {
  type = string
}

variable "blue_url" {
  description = "The blue stack's base URL, for its checks."
  type        = string
}

variable "green_url" {
  type = string
}

resource "bluegreen_dns_switch" "app" {
  zone_id      = var.zone_id
  name         = "app.example.com"
  active_color = var.active_color
  ttl          = 5

  blue  = { set_identifier = "blue", records = [var.blue_address] }
  green = { set_identifier = "green", records = [var.green_address] }

  # Each step is written in one ChangeResourceRecordSets batch, waits for
  # INSYNC and one TTL, then is held and checked.
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "15s"
  }
  bake_time = "15s"

  # The receiving stack's health, straight to its load balancer (not through
  # DNS): the pre-flight before any weight moves, then every 2 s. {{base_url}}
  # is the receiving color's entry in color_values.
  rollback_on = {
    color_values = {
      blue  = { base_url = var.blue_url }
      green = { base_url = var.green_url }
    }
    http = [{
      url = "{{base_url}}/health"
    }]
    evaluation_interval = "2s"
    failure_threshold   = 2
  }

  timeouts {
    create = "15m"
    update = "15m"
  }
}
