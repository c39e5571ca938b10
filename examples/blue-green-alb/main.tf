# A complete blue-green stack on AWS: the VPC, the ALB and its listener, and
# one Auto Scaling group per color come from the aws provider; the twin target
# groups, the health gates and the gated, self-rolling-back switch from
# bluegreen.
#
# The first apply creates everything in one go: the listener forwards to
# both groups (blue 100, green 0), both colors' instances come up and pass
# their gates, and the switch adopts the listener on blue without moving
# traffic.
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
      source  = "bluegreen-tf/bluegreen"
      version = "~> 0.1"
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

# The blue-green part: target groups, health gates and the switch (./bluegreen).
module "bluegreen" {
  source       = "./bluegreen"
  name         = "web"
  vpc_id       = aws_vpc.main.id
  listener_arn = aws_lb_listener.http.arn
  active_color = var.active_color
  versions     = { blue = var.blue_version, green = var.green_version }
  fleets       = { for color, asg in aws_autoscaling_group.app : color => asg.arn }
  # The alarm of whichever color receives traffic: its name with the color
  # written as {{color}} (the reference also orders both alarms first).
  alarm_names = [replace(aws_cloudwatch_metric_alarm.target_5xx["blue"].alarm_name, "-blue-", "-{{color}}-")]
}

locals {
  target_group_arn = {
    blue  = module.bluegreen.blue_target_group_arn
    green = module.bluegreen.green_target_group_arn
  }
}

# The recommended listener shape: a forward to BOTH groups, blue 100 and
# green 0, so the ALB health-checks green's targets from the first apply (a
# group no listener uses is never health-checked, and its gate could never
# pass). From then on only the switch writes the forward's weights: ignore
# them here. To change the default action later, see the "Handing a listener
# to bluegreen" guide.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = module.bluegreen.blue_target_group_arn
        weight = 100
      }
      target_group {
        arn    = module.bluegreen.green_target_group_arn
        weight = 0
      }
    }
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

# One alarm per color, on its own target group (an alarm on the whole load
# balancer would mix the colors while a canary splits traffic).
resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each            = local.target_group_arn
  alarm_name          = "web-${each.key}-target-5xx"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 50
  comparison_operator = "GreaterThanThreshold"
  dimensions = {
    LoadBalancer = aws_lb.web.arn_suffix
    TargetGroup  = element(split(":", each.value), 5) # targetgroup/<name>/<id>
  }
}

output "status" {
  value = module.bluegreen.status
}
