# A complete blue-green stack on AWS: the VPC, the ALB and its listener, and
# one Auto Scaling group per color come from the aws provider; the twin target
# groups, the health gates and the gated, self-rolling-back switch from
# bluegreen.
#
# To release: set the idle color's version (var.blue_version or
# var.green_version), apply once so its instances roll and its gate passes,
# then set active_color to that color and apply. One apply can do both: the
# gate re-runs for the new version (triggers) and the switch waits for it.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    bluegreen = {
      source = "bluegreen-tf/bluegreen"
    }
  }
}

provider "aws" {
  region = var.region
}

provider "bluegreen" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "active_color" {
  description = "The color that should receive all traffic."
  type        = string
  default     = "blue"
}

variable "blue_version" {
  type    = string
  default = "2.3.1"
}

variable "green_version" {
  type    = string
  default = "2.4.0"
}

variable "ami_id" {
  description = "AMI of the application; user data starts version var.<color>_version."
  type        = string
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  count                   = 2
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone       = data.aws_availability_zones.available.names[count.index]
  map_public_ip_on_launch = true
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  count          = 2
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "alb" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "app" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.alb.id]
}

# The twin target groups, from one specification.
resource "bluegreen_environment_pair" "web" {
  name        = "web"
  vpc_id      = aws_vpc.main.id
  port        = 8080
  target_type = "instance"
  health_check = {
    path     = "/health"
    interval = "10s"
  }
  deregistration_delay = "30s"
  blue                 = { version = var.blue_version }
  green                = { version = var.green_version }
}

locals {
  target_group_arn = {
    blue  = bluegreen_environment_pair.web.blue.target_group_arn
    green = bluegreen_environment_pair.web.green.target_group_arn
  }
}

# The listener starts forwarding to blue; from then on only the switch writes
# its forward weights.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = bluegreen_environment_pair.web.blue.target_group_arn
  }
  lifecycle {
    ignore_changes = [default_action]
  }
}

# One Auto Scaling group per color; each registers itself with its color's group.
resource "aws_launch_template" "app" {
  for_each               = { blue = var.blue_version, green = var.green_version }
  name_prefix            = "web-${each.key}-"
  image_id               = var.ami_id
  instance_type          = "t3.small"
  vpc_security_group_ids = [aws_security_group.app.id]
  user_data              = base64encode("#!/bin/sh\nAPP_VERSION=${each.value} APP_COLOR=${each.key} /opt/app/start\n")
}

resource "aws_autoscaling_group" "app" {
  for_each            = aws_launch_template.app
  name                = "web-${each.key}"
  min_size            = 2
  max_size            = 4
  vpc_zone_identifier = aws_subnet.public[*].id
  target_group_arns   = [local.target_group_arn[each.key]]
  launch_template {
    id      = each.value.id
    version = each.value.latest_version
  }
  instance_refresh {
    strategy = "Rolling"
  }
}

# Each color must be healthy, and answer /version with its version, before
# it takes traffic; a new version re-runs its gate.
resource "bluegreen_health_gate" "color" {
  for_each = { blue = var.blue_version, green = var.green_version }
  target_health {
    target_group_arn  = local.target_group_arn[each.key]
    min_healthy_count = 2
  }
  consecutive_successes = 3
  interval              = "10s"
  triggers              = { version = each.value }
  timeouts {
    create = "15m"
  }
  depends_on = [aws_autoscaling_group.app]
}

resource "bluegreen_listener_switch" "web" {
  listener_arn           = aws_lb_listener.http.arn
  blue_target_group_arn  = bluegreen_environment_pair.web.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.web.green.target_group_arn
  active_color           = var.active_color

  strategy {
    type          = "canary"
    steps         = [10, 25, 50]
    step_interval = "3m"
  }
  bake_time = "10m"

  rollback_on {
    metrics {
      max_5xx_rate    = 0.01
      max_p99_latency = "1s"
      min_requests    = 100
      window          = "2m"
    }
    alarm_names         = [aws_cloudwatch_metric_alarm.target_5xx.alarm_name]
    evaluation_interval = "30s"
    failure_threshold   = 3
  }

  timeouts {
    update = "45m"
  }

  depends_on = [bluegreen_health_gate.color]
}

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  alarm_name          = "web-target-5xx"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 50
  comparison_operator = "GreaterThanThreshold"
  dimensions = {
    LoadBalancer = aws_lb.web.arn_suffix
  }
}

output "status" {
  value = {
    active_color = bluegreen_listener_switch.web.active_color
    status       = bluegreen_listener_switch.web.status
    weights      = "${bluegreen_listener_switch.web.blue_weight}/${bluegreen_listener_switch.web.green_weight}"
    last_shift   = bluegreen_listener_switch.web.last_shift
  }
}
