# Whole-stack blue-green by weighted DNS: app.example.com resolves to the load
# balancer of the blue stack or of the green one. Moving to green runs a
# canary 10 % → 50 % → 100 % by DNS weight; each step is held only after
# Route 53 serves it everywhere (INSYNC) and one TTL (60 s for aliases) has
# passed, and a failing smoke test rolls the weights back.
resource "bluegreen_dns_switch" "app" {
  zone_id      = aws_route53_zone.main.zone_id
  name         = "app.example.com"
  type         = "A"
  active_color = "green"

  blue = {
    set_identifier  = "blue"
    alias           = { name = aws_lb.blue.dns_name, zone_id = aws_lb.blue.zone_id }
    health_check_id = aws_route53_health_check.blue.id
  }
  green = {
    set_identifier  = "green"
    alias           = { name = aws_lb.green.dns_name, zone_id = aws_lb.green.zone_id }
    health_check_id = aws_route53_health_check.green.id # the pre-flight of a shift to green
  }

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "5m"
  }
  bake_time = "10m"

  rollback_on = {
    http = [{
      url           = "https://app.example.com/healthz"
      expect_status = [200]
    }]
    evaluation_interval = "30s"
    failure_threshold   = 2
  }

  timeouts {
    update = "45m"
  }
}

# Plain records (no alias): the same switch between two fixed addresses.
# Route 53 needs one TTL on every weighted record set of a name.
resource "bluegreen_dns_switch" "legacy" {
  zone_id      = aws_route53_zone.main.zone_id
  name         = "legacy.example.com"
  active_color = "blue"
  ttl          = 30

  blue  = { set_identifier = "legacy-blue", records = ["192.0.2.10"] }
  green = { set_identifier = "legacy-green", records = ["192.0.2.20"] }

  # Each color's own address, whichever receives traffic.
  rollback_on = {
    color_values = {
      blue  = { address = "192.0.2.10" }
      green = { address = "192.0.2.20" }
    }
    http = [{ url = "http://{{address}}/healthz" }]
  }
}
