# A TCP service behind a Network Load Balancer, moved from blue to green in
# canary steps and rolled back by itself when the green smoke test fails.
#
# NLB listeners take weighted target groups on their default action (0–999
# per group), so bluegreen_listener_switch drives them as it drives an ALB
# listener. On an NLB the weights choose a target group per new connection:
# a 10 % step is 10 % of new connections, and a connection stays on the color
# it reached until it closes — hold steps long enough for clients to
# reconnect. NLBs have no listener rules, no group stickiness and no HTTP
# metrics, so `rule`, `stickiness` and `rollback_on.metrics` are refused at
# plan; check the receiving color over HTTP, by its target health, or with
# CloudWatch alarms on AWS/NetworkELB metrics.
#
# Inputs: the NLB (aws_lb with load_balancer_type = "network") and its two
# TCP target groups (aws_lb_target_group with protocol = "TCP"), and a URL
# that reaches the green targets directly.

variable "nlb_arn" {
  type = string
}

variable "blue_target_group_arn" {
  type = string
}

variable "green_target_group_arn" {
  type = string
}

variable "green_smoke_url" {
  type = string
}

variable "active_color" {
  type    = string
  default = "blue"
}

# The listener starts with all connections on blue; the switch owns the
# weights from then on.
resource "aws_lb_listener" "tcp" {
  load_balancer_arn = var.nlb_arn
  port              = 443
  protocol          = "TCP"

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = var.blue_target_group_arn
        weight = 100
      }
      target_group {
        arn    = var.green_target_group_arn
        weight = 0
      }
    }
  }

  lifecycle {
    ignore_changes = [default_action]
  }
}

resource "bluegreen_listener_switch" "tcp" {
  listener_arn           = aws_lb_listener.tcp.arn
  blue_target_group_arn  = var.blue_target_group_arn
  green_target_group_arn = var.green_target_group_arn
  active_color           = var.active_color

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "5m"
  }
  bake_time = "10m"

  rollback_on = {
    http = [{
      name = "smoke"
      url  = var.green_smoke_url
    }]
    target_health = {
      target_group_arn  = var.green_target_group_arn
      min_healthy_count = 1
    }
    evaluation_interval = "30s"
    failure_threshold   = 2
  }
}

output "weights" {
  value = "${bluegreen_listener_switch.tcp.blue_weight}/${bluegreen_listener_switch.tcp.green_weight}"
}
