# An environment pair is imported by its name: the target groups
# <name>-blue and <name>-green must both exist.
terraform import bluegreen_environment_pair.web web
