# Import by "<namespace>/<service>". The colors are color=blue / color=green
# until the configuration says otherwise; active_color is the color the
# Service's selector selects.
terraform import bluegreen_kubernetes_service_switch.web prod/web
