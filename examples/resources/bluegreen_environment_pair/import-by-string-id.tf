# Adopt existing twin target groups web-blue and web-green (both must exist):
# an environment pair is imported by its name. Plan shows what the next
# apply changes to make them match the configuration.
import {
  to = bluegreen_environment_pair.web
  id = "web"
}
