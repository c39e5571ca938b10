package traffic_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/gatewayroute"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/kubeservice"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/route53"
)

// Every router says "does not exist" one way: its error matches
// traffic.ErrNotFound, however it is wrapped, and its own ErrNotFound is that
// same value.
func TestEveryRoutersNotFoundIsTrafficNotFound(t *testing.T) {
	cause := errors.New("the API said so")
	for name, err := range map[string]error{
		"alb":          &alb.NotFoundError{Kind: "listener", ARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef", Err: cause},
		"route53":      &route53.NotFoundError{What: "hosted zone Z1", Err: cause},
		"kubeservice":  &kubeservice.NotFoundError{Namespace: "default", Name: "web", Err: cause},
		"gatewayroute": &gatewayroute.NotFoundError{Namespace: "default", Route: "web", Err: cause},
	} {
		if wrapped := fmt.Errorf("reading weights: %w", err); !errors.Is(wrapped, traffic.ErrNotFound) {
			t.Errorf("%s: errors.Is(%v, traffic.ErrNotFound) = false", name, wrapped)
		}
	}
	for name, sentinel := range map[string]error{
		"alb": alb.ErrNotFound, "route53": route53.ErrNotFound, "kubeservice": kubeservice.ErrNotFound, "gatewayroute": gatewayroute.ErrNotFound,
	} {
		if sentinel != traffic.ErrNotFound {
			t.Errorf("%s.ErrNotFound is not traffic.ErrNotFound", name)
		}
	}
}
