# Import by the absolute path of the owned file on the machine running Terraform.
# The upstream, each color's servers and the weights are read from the file
# (the "# blue:" / "# green:" markers the switch writes).
terraform import bluegreen_nginx_switch.app /etc/nginx/bluegreen/app.conf

# A file on an SSH host, or one written by hand, is adopted by declaring the
# resource and applying: the create plans from the file's weights.
