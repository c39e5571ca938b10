# A switch on a listener's default action is imported by the listener ARN;
# blue and green are the forward's groups named <name>-blue and <name>-green.
terraform import bluegreen_listener_switch.web arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2

# A switch in rule mode is imported by the rule ARN.
terraform import bluegreen_listener_switch.api arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
