package awsarn

import "testing"

const (
	lbARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
	lsnARN   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	ruleARN  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
	tgARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/2453ed029918f21f"
	lbSuffix = "app/web/50dc6c495c0c9188"
	tgSuffix = "targetgroup/web-green/2453ed029918f21f"
)

func TestSuffixes(t *testing.T) {
	for _, in := range []string{lbARN, lsnARN, ruleARN, lbSuffix} {
		if got, err := LoadBalancerSuffix(in); err != nil || got != lbSuffix {
			t.Errorf("LoadBalancerSuffix(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{tgARN, tgSuffix} {
		if got, err := TargetGroupSuffix(in); err != nil || got != tgSuffix {
			t.Errorf("TargetGroupSuffix(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "arn:aws:s3:::bucket", "loadbalancer/app/x"} {
		if _, err := LoadBalancerSuffix(bad); err == nil {
			t.Errorf("LoadBalancerSuffix(%q) should fail", bad)
		}
	}
	for _, bad := range []string{"", lbARN, "targetgroup/x"} {
		if _, err := TargetGroupSuffix(bad); err == nil {
			t.Errorf("TargetGroupSuffix(%q) should fail", bad)
		}
	}
}

func TestTargetGroupName(t *testing.T) {
	for in, want := range map[string]string{tgARN: "web-green", lbARN: "", tgSuffix: "", "": ""} {
		if got := TargetGroupName(in); got != want {
			t.Errorf("TargetGroupName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestListenerOfRule(t *testing.T) {
	cases := map[string]string{
		ruleARN:      lsnARN,
		lsnARN:       "",
		"not an arn": "",
	}
	for in, want := range cases {
		if got := ListenerOfRule(in); got != want {
			t.Errorf("ListenerOfRule(%q) = %q, want %q", in, got, want)
		}
		if IsListenerRule(in) != (want != "") {
			t.Errorf("IsListenerRule(%q) = %v", in, IsListenerRule(in))
		}
	}
}
