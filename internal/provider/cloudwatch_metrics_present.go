package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// cloudwatchMetricsPresent refuses a cloudwatch check without metrics. It
// reads the configuration itself, where a metrics list known only at apply
// (metrics = module.app.metrics) is unknown rather than absent: the decoded
// model cannot tell the two apart (unknown_parts.go makes unknown objects
// and lists of objects null), and validateChecks would refuse it as missing.
type cloudwatchMetricsPresent struct{}

func (cloudwatchMetricsPresent) Description(context.Context) string {
	return "each cloudwatch check has metrics"
}

func (v cloudwatchMetricsPresent) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (cloudwatchMetricsPresent) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if !known(req.ConfigValue) {
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		check, ok := e.(types.Object)
		if !ok || !known(check) {
			continue
		}
		if m := check.Attributes()["metrics"]; m != nil && m.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("metrics"), "Missing metrics",
				"A cloudwatch check needs metrics: the metrics its expression uses, each with an id.")
		}
	}
}
