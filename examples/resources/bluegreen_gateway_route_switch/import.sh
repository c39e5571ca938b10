# Import by "<namespace>/<route>". The backends come from the configuration at
# the next plan; the first apply takes the route over (it marks it with a new
# owner ID, so a switch that owned it before is refused from then on).
terraform import bluegreen_gateway_route_switch.web prod/web
