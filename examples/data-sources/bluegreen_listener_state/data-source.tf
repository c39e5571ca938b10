# Which color is live? Deploy the next version to the idle one.
data "bluegreen_listener_state" "web" {
  listener_arn = aws_lb_listener.http.arn
}

locals {
  live_color = data.bluegreen_listener_state.web.active_color # "blue", "green", "split" or "none"
  idle_color = data.bluegreen_listener_state.web.idle_color   # where the new version goes
}

output "traffic" {
  value = "${data.bluegreen_listener_state.web.green_percent}% on green"
}
