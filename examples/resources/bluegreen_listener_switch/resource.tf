# Canary 10 % → 50 % → 100 % from blue to green, watched by CloudWatch
# metrics and an alarm, rolled back automatically on a breach.
resource "bluegreen_listener_switch" "web" {
  listener_arn           = aws_lb_listener.http.arn
  blue_target_group_arn  = bluegreen_environment_pair.web.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.web.green.target_group_arn
  active_color           = "green"

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  bake_time = "5m"

  stickiness = {
    enabled  = true
    duration = "1h"
  }

  preflight = {
    min_healthy_count = 2
  }

  rollback_on = {
    metrics = {
      max_5xx_rate    = 0.01
      max_p99_latency = "800ms"
      min_requests    = 50
      window          = "1m"
    }
    # Written once for whichever color receives traffic: web-green-5xx
    # while green receives it, web-blue-5xx on the next release.
    alarm_names         = ["web-{{color}}-5xx"]
    evaluation_interval = "15s"
    failure_threshold   = 2
  }

  timeouts {
    update = "30m"
  }
}

# Rule mode: the switch creates and owns a listener rule for /api/*.
resource "bluegreen_listener_switch" "api" {
  rule = {
    listener_arn  = aws_lb_listener.http.arn
    priority      = 100
    path_patterns = ["/api/*"]
  }
  blue_target_group_arn  = bluegreen_environment_pair.api.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.api.green.target_group_arn
  active_color           = "blue"

  strategy = {
    type          = "linear"
    step_percent  = 25
    step_interval = "1m"
  }

  # Several named checks of one kind: a failure reads "check http:version …".
  # {{color}} is the color receiving traffic; {{version}} its entry in
  # color_values. The same checks serve blue→green and green→blue.
  rollback_on = {
    color_values = {
      blue  = { version = var.api_versions.blue }
      green = { version = var.api_versions.green }
    }
    http = [{
      name = "health"
      url  = "https://api-{{color}}.internal.example.com/health"
      }, {
      name       = "version"
      url        = "https://api-{{color}}.internal.example.com/version"
      json_path  = "version"
      json_value = "{{version}}"
    }]
    evaluation_interval = "10s"
  }
}

variable "api_versions" {
  description = "Version each color of the API runs, e.g. { blue = \"2.3.1\", green = \"2.4.0\" }."
  type        = object({ blue = string, green = string })
  default     = { blue = "2.3.1", green = "2.4.0" }
}
