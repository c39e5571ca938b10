# The configuration of terraform.tfstate (written by the previous build from
# main.tf.v0) in today's syntax: planning it with this build must show no
# change.
terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}

resource "bluegreen_listener_switch" "app" {
  listener_arn           = "{{LISTENER_ARN}}"
  blue_target_group_arn  = "{{BLUE_TG}}"
  green_target_group_arn = "{{GREEN_TG}}"
  active_color           = "blue"
  bake_time              = "30s"
  on_interrupt           = "rollback"

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  preflight = {
    min_healthy_count = 1
  }
  rollback_on = {
    evaluation_interval = "15s"
    failure_threshold   = 2
    alarm_names         = ["app-green-5xx"]
    http = [{
      url           = "{{HTTP_URL}}"
      timeout       = "2s"
      expect_status = [200, 204]
      headers       = { Authorization = "Bearer upgrade-test" }
    }]
    prometheus = [{
      url   = "{{PROM_URL}}"
      query = "sum(rate(http_requests_total{code=~\"5..\"}[1m]))"
      max   = 0.05
    }]
    metrics = {
      max_5xx_rate    = 0.05
      max_p99_latency = "800ms"
      window          = "2m"
    }
    target_health = {
      min_healthy_count = 1
    }
  }
  timeouts {
    create = "45m"
  }
}

resource "bluegreen_health_gate" "gate" {
  interval              = "1s"
  consecutive_successes = 1
  http = [{
    url = "{{HTTP_URL}}"
  }]
  prometheus = [{
    url   = "{{PROM_URL}}"
    query = "up"
    min   = 1
  }]
}
