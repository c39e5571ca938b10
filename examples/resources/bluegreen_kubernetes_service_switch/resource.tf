# The classic Kubernetes blue-green switch: Service "web" selects
# app=web,color=blue; setting active_color = "green" changes its selector to
# color=green once at least two green Pods (all of them) are ready, watches
# them for five minutes, and puts color=blue back by itself if they stop
# being ready (a crash loop) or the new version answers wrongly.
resource "bluegreen_kubernetes_service_switch" "web" {
  namespace    = "prod"
  service      = "web"
  active_color = var.active_color # "blue" or "green"

  # The label that tells the colors apart (these are the defaults).
  selector_key = "color"
  blue_value   = "blue"
  green_value  = "green"

  # Pre-flight, and watched during the bake.
  pod_readiness = {
    min_ready_count   = 2
    min_ready_percent = 100
  }

  # A selector has no weights: the switch is all at once by nature.
  bake_time = "5m"

  rollback_on = {
    evaluation_interval = "15s"
    failure_threshold   = 2
    http = [{
      url        = "https://web.example.com/version"
      json_path  = "version"
      json_value = var.app_version
    }]
  }
}

variable "active_color" {
  type    = string
  default = "blue"
}

variable "app_version" {
  type    = string
  default = "1.4.0"
}
