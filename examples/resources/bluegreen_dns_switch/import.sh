# A DNS switch is imported by <zone_id>/<name>/<type>/<blue set_identifier>/<green set_identifier>;
# the weights and the record sets' targets are read from Route 53, and
# active_color is the color with more weight.
terraform import bluegreen_dns_switch.app Z0123456789ABCDEFGHIJ/app.example.com/A/blue/green
