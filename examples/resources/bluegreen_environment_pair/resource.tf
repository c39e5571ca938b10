# Twin target groups web-blue and web-green from one specification.
resource "bluegreen_environment_pair" "web" {
  name     = "web"
  vpc_id   = "vpc-0123456789abcdef0"
  port     = 8080
  protocol = "HTTP"

  health_check = {
    path                = "/health"
    matcher             = "200-299"
    interval            = "10s"
    timeout             = "5s"
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  deregistration_delay = "30s" # connection draining
  slow_start           = "60s"

  tags = {
    service = "web"
  }

  # Blue runs the current release; green gets the next one.
  blue = {
    version = "2.3.1"
    targets = [
      { id = "10.0.1.10" },
      { id = "10.0.2.10" },
    ]
  }
  green = {
    version = "2.4.0"
    targets = [
      { id = "10.0.1.20" },
      { id = "10.0.2.20" },
    ]
  }
}

output "green_target_group_arn" {
  value = bluegreen_environment_pair.web.green.target_group_arn
}
