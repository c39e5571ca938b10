# In nginx.conf, once (the switch owns the included file; do not edit it):
#
#   http {
#       include /etc/nginx/bluegreen/app.conf;
#       server {
#           listen 80;
#           location / { proxy_pass http://app; }
#       }
#   }

resource "bluegreen_nginx_switch" "app" {
  file          = "/etc/nginx/bluegreen/app.conf"
  upstream      = "app"
  blue_servers  = ["10.0.1.10:8080", "10.0.1.11:8080"]
  green_servers = ["10.0.2.10:8080", "10.0.2.11:8080"]
  server_params = ["max_fails=3", "fail_timeout=10s"]

  active_color = var.active_color

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  bake_time = "5m"

  # Every server of the receiving color must answer before traffic moves.
  preflight = {
    path = "/healthz"
  }

  rollback_on = {
    evaluation_interval = "15s"
    failure_threshold   = 2
    http = [{
      url     = "https://app.example.com/healthz"
      timeout = "3s"
    }]
  }

  # Nginx on another machine, reloaded through systemd as root.
  ssh = {
    host        = "lb1.example.com"
    user        = "deploy"
    private_key = file("~/.ssh/deploy")
    known_hosts = file("~/.ssh/known_hosts")
    sudo        = true
  }
  reload_command = ["systemctl", "reload", "nginx"]
}

variable "active_color" {
  type    = string
  default = "blue"
}
