# Canary through Gateway API: rule "main" of HTTPRoute "web" sends traffic to
# the Services web-blue and web-green by its backendRefs' weights. Moving
# active_color to green writes 90/10, then 50/50, then 0/100, each step held
# and watched; the green Pods must be ready first and stay ready.
resource "bluegreen_gateway_route_switch" "web" {
  namespace     = "prod"
  route         = "web"
  rule_name     = "main"
  blue_service  = { name = "web-blue", port = 80 }
  green_service = { name = "web-green", port = 80 }
  active_color  = var.active_color # "blue" or "green"

  pod_readiness = {
    min_ready_percent = 100
  }

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  bake_time = "5m"

  rollback_on = {
    evaluation_interval = "20s"
    failure_threshold   = 2
    prometheus = [{
      url   = "http://prometheus.monitoring:9090"
      query = "sum(rate(http_requests_total{service=\"web-{{color}}\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{service=\"web-{{color}}\"}[1m]))"
      max   = 0.02
    }]
  }
}

variable "active_color" {
  type    = string
  default = "blue"
}
