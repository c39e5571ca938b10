# Nothing shifts to green until it is healthy, reports the new version, and
# its error rate and p99 latency (from Prometheus) are within bounds — three
# rounds in a row. A new version re-runs the gate.
resource "bluegreen_health_gate" "green" {
  target_health = {
    target_group_arn    = bluegreen_environment_pair.web.green.target_group_arn
    min_healthy_count   = 2
    min_healthy_percent = 100
  }

  http = [{
    url        = "https://green.internal.example.com/version"
    json_path  = "version"
    json_value = var.green_version
    headers = {
      Authorization = "Bearer ${var.smoke_test_token}" # sensitive: never logged or shown
    }
  }]

  # Error rate above 5 % fails…
  prometheus = [{
    url   = "http://prometheus.monitoring:9090"
    query = "sum(rate(http_requests_total{status=~\"5..\",color=\"green\"}[1m])) / sum(rate(http_requests_total{color=\"green\"}[1m]))"
    max   = 0.05
  }]

  interval              = "15s"
  consecutive_successes = 3
  triggers              = { version = var.green_version }

  timeouts {
    create = "15m"
  }
}

# …and so does a p99 above one second, watched during the shift — of
# whichever color receives traffic ({{color}}), so the next release to blue
# needs no change here.
resource "bluegreen_listener_switch" "web" {
  listener_arn           = aws_lb_listener.http.arn
  blue_target_group_arn  = bluegreen_environment_pair.web.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.web.green.target_group_arn
  active_color           = "green"

  rollback_on = {
    prometheus = [{
      url   = "http://prometheus.monitoring:9090"
      query = "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{color=\"{{color}}\"}[1m])) by (le))"
      max   = 1
    }]
  }

  depends_on = [bluegreen_health_gate.green]
}
