# Import by "<address>|<backend>": the Runtime API address as in `address`,
# then the backend. "<address>/<backend>" works too (HAProxy names cannot
# contain "/", so the last one separates them).
terraform import bluegreen_haproxy_switch.web 'ipv4@10.0.0.5:9999|app'
terraform import bluegreen_haproxy_switch.web 'unix@/run/haproxy/admin.sock|app'
# Over SSH the import ID cannot carry credentials: the import reads HAProxy
# if it can from where Terraform runs, and otherwise the next plan reads the
# weights through the configuration's ssh block.
