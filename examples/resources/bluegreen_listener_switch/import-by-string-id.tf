# Adopt a listener whose default action already forwards to a blue and a
# green group (named *-blue and *-green, or given in the configuration): a
# switch on a listener's default action is imported by the listener ARN.
import {
  to = bluegreen_listener_switch.web
  id = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
}

# A switch in rule mode is imported by the rule ARN.
import {
  to = bluegreen_listener_switch.api
  id = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
}
