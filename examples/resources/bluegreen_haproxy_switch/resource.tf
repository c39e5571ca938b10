# HAProxy on a VM or on-premises load balancer, reached over SSH: the
# switch opens the admin unix socket through sshd and changes server
# weights with the Runtime API (no reload). No AWS account is involved.
resource "bluegreen_haproxy_switch" "web" {
  address      = "unix@/run/haproxy/admin.sock"
  backend      = "app"
  active_color = var.active_color # "blue" or "green"

  # Servers blue1, blue2, … and green1, green2, … (the default prefixes).
  # Keeps the shift across reloads (HAProxy's server-state-file).
  state_file = "/var/lib/haproxy/server-state"

  ssh = {
    host        = "lb1.internal.example.com"
    user        = "deploy"
    private_key = file("~/.ssh/deploy_ed25519")
    known_hosts = file("~/.ssh/known_hosts")
  }

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  bake_time = "5m"

  # Both green servers must be UP in HAProxy's health checks first.
  preflight = {
    min_up_percent = 100
  }

  # Rollback from HAProxy's own counters of the receiving color's servers ...
  haproxy_stats = {
    max_5xx_rate   = 0.02
    max_error_rate = 0.01
    min_requests   = 50
    window         = "1m"
  }

  # ... and from the receiving color's own endpoint: {{host}} and
  # {{version}} are that color's entries in color_values.
  rollback_on = {
    evaluation_interval = "15s"
    failure_threshold   = 2
    color_values = {
      blue  = { host = "10.0.1.11", version = var.versions.blue }
      green = { host = "10.0.2.11", version = var.versions.green }
    }
    http = [{
      url        = "http://{{host}}:8080/version"
      json_path  = "version"
      json_value = "{{version}}"
    }]
  }
}

variable "active_color" {
  type    = string
  default = "blue"
}

variable "versions" {
  description = "Version each color runs, e.g. { blue = \"2.3.1\", green = \"2.4.0\" }."
  type        = object({ blue = string, green = string })
}
