# A module for many services. Callers say which version they want; the module
# reads which color is live (data.bluegreen_listener_state), deploys the
# version to the idle color, gates it, and with promote = true shifts traffic
# to it. Once the live color runs the wanted version, nothing moves:
#
#   module "payments" {
#     source       = "./modules/bluegreen-service"
#     name         = "payments"
#     listener_arn = aws_lb_listener.payments.arn
#     vpc_id       = var.vpc_id
#     app_version  = "2.4.0"
#     promote      = true
#     targets      = { blue = ["10.0.1.10", "10.0.2.10"], green = ["10.0.1.20", "10.0.2.20"] }
#   }
#
# The listener follows the recommended shape (guide "Handing a listener to
# bluegreen"): a forward to both of the pair's groups, <name>-blue at weight
# 100 and <name>-green at weight 0, with
# lifecycle { ignore_changes = [default_action] }.
#
# Bootstrapping: the module reads the live color from that listener, and the
# listener forwards to the module's own target groups, so the listener and
# the groups must exist before the module's first apply, and the listener
# must not reference the module's outputs (that would be a dependency
# cycle). Create the <name>-blue/<name>-green groups and the listener once
# (in another configuration, or with the listener looking the groups up by
# name with data "aws_lb_target_group"), then adopt the groups with an import
# block in the root module:
#
#   import {
#     to = module.payments.bluegreen_environment_pair.this
#     id = "payments"
#   }
#
# To remove the service, point the listener elsewhere first (AWS refuses to
# delete groups a listener forwards to), then `terraform destroy
# -refresh=false` (the live-color read fails on a listener that no longer
# forwards to the pair). From an empty state in one apply, use the flagship's
# module instead (examples/blue-green-alb/bluegreen), which takes the color
# as an input. TestAccExamples applies this module exactly as described here.

terraform {
  required_providers {
    bluegreen = {
      source = "bluegreen-tf/bluegreen"
    }
  }
}

variable "name" {
  type = string
}

variable "listener_arn" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "app_version" {
  description = "The version the service should run."
  type        = string
}

variable "promote" {
  description = "Shift traffic to the color running app_version once its gate passes."
  type        = bool
  default     = false
}

# strategy and rollback_on are nested attributes of the switch, so the module
# passes whatever the caller gives straight through: no dynamic blocks.
variable "strategy" {
  description = "How traffic moves (bluegreen_listener_switch strategy)."
  type = object({
    type          = string
    steps         = optional(list(number))
    step_percent  = optional(number)
    step_interval = optional(string)
  })
  default = { type = "linear", step_percent = 25, step_interval = "2m" }
}

variable "rollback_on" {
  description = "Checks that roll the shift back (bluegreen_listener_switch rollback_on), written once for whichever color receives traffic, e.g. { http = [{ name = \"health\", url = \"http://web-{{color}}.internal/health\" }] }."
  type        = any
  default     = { metrics = { max_5xx_rate = 0.02, min_requests = 50 } }
}

variable "targets" {
  description = "Targets (IP addresses) of each color."
  type        = map(list(string))
}

data "bluegreen_listener_state" "live" {
  listener_arn = var.listener_arn
}

locals {
  state         = data.bluegreen_listener_state.live
  live          = local.state.active_color == "green" ? "green" : "blue"
  other         = local.live == "blue" ? "green" : "blue"
  live_version  = local.live == "blue" ? local.state.blue_version : local.state.green_version
  other_version = local.live == "blue" ? local.state.green_version : local.state.blue_version

  # The color that runs (or will run) app_version: the live one when it
  # already does, else the idle one.
  released = local.live_version == var.app_version
  target   = local.released ? local.live : local.other
  versions = {
    (local.live)  = coalesce(local.live_version, var.app_version)
    (local.other) = local.released ? coalesce(local.other_version, var.app_version) : var.app_version
  }
}

resource "bluegreen_environment_pair" "this" {
  name   = var.name
  vpc_id = var.vpc_id
  port   = 8080
  health_check = {
    path = "/health"
  }
  blue = {
    version = local.versions["blue"]
    targets = [for ip in var.targets["blue"] : { id = ip }]
  }
  green = {
    version = local.versions["green"]
    targets = [for ip in var.targets["green"] : { id = ip }]
  }
}

resource "bluegreen_health_gate" "target" {
  target_health = {
    target_group_arn = local.target == "blue" ? bluegreen_environment_pair.this.blue.target_group_arn : bluegreen_environment_pair.this.green.target_group_arn
  }
  consecutive_successes = 3
  triggers              = { version = var.app_version, color = local.target }
}

resource "bluegreen_listener_switch" "this" {
  listener_arn           = var.listener_arn
  blue_target_group_arn  = bluegreen_environment_pair.this.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.this.green.target_group_arn
  active_color           = var.promote ? local.target : local.live

  strategy    = var.strategy
  rollback_on = var.rollback_on
  depends_on  = [bluegreen_health_gate.target]
}

output "live_color" {
  description = "The color serving traffic after this apply."
  value       = bluegreen_listener_switch.this.active_color
}

output "release_color" {
  description = "The color that runs app_version."
  value       = local.target
}
