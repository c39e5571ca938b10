package provider

// Notifications of a switch's shifts (see package notify): the schema of the
// `notifications` attribute every switch has, its expansion into targets,
// and the warnings a failed delivery becomes. A notification failure is never
// an error: the shift's outcome alone decides the apply.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/notify"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
)

type notificationsModel struct {
	Name         types.String  `tfsdk:"name"`
	Webhooks     types.List    `tfsdk:"webhooks"`
	SNS          types.Object  `tfsdk:"sns"`
	EventTimeout durationValue `tfsdk:"event_timeout"`
}

type webhookModel struct {
	URL            types.String  `tfsdk:"url"`
	Secret         types.String  `tfsdk:"secret"`
	Events         types.List    `tfsdk:"events"`
	MaxAttempts    types.Int64   `tfsdk:"max_attempts"`
	AttemptTimeout durationValue `tfsdk:"attempt_timeout"`
}

type snsTargetModel struct {
	TopicARN types.String `tfsdk:"topic_arn"`
	Events   types.List   `tfsdk:"events"`
}

func eventTypeNames() []string {
	out := make([]string, len(notify.EventTypes))
	for i, t := range notify.EventTypes {
		out[i] = string(t)
	}
	return out
}

func eventsAttribute(what string) schema.ListAttribute {
	return schema.ListAttribute{
		ElementType: types.StringType, Optional: true,
		MarkdownDescription: fmt.Sprintf("Event types sent to this %s; default all: `%s`.", what, strings.Join(eventTypeNames(), "`, `")),
		Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(),
			listvalidator.ValueStringsAre(stringvalidator.OneOf(eventTypeNames()...))},
	}
}

// notificationsAttribute is the `notifications` attribute of every switch.
func notificationsAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "Where to report this switch's shifts: on shift start, after each step, when a rollback starts " +
			"and ends, and when the shift finishes. Every event is one JSON document (see the notifications guide). Delivery " +
			"never holds up a step or a rollback, and a notification that cannot be delivered is a warning, never a reason to " +
			"roll back or fail the apply. After the shift the apply waits for pending notifications for at most twice " +
			"`event_timeout`.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A name for the switch in every event (`switch.name`), e.g. `checkout-web`: a provider does not " +
					"know the resource's address. The switch's `id` is always sent too.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"event_timeout": durationAttribute(fmt.Sprintf("Longest the delivery of one event to one target may take, all attempts included. "+
				"A target that failed an event gets no further events in that shift. Go duration, default `%s`, 1s–5m.", notify.DefaultEventTimeout),
				time.Second, 5*time.Minute),
			"webhooks": schema.ListNestedAttribute{
				Optional: true,
				MarkdownDescription: "HTTP(S) endpoints that receive every event as a JSON POST (`Content-Type: application/json`), " +
					"with headers `" + notify.EventHeader + "` (event type) and `" + notify.DeliveryHeader + "` (event ID, the same on every attempt). " +
					"Any 2xx answer is success; transport errors, 408, 429 and 5xx are retried; redirects are not followed.",
				Validators: []validator.List{listvalidator.SizeBetween(1, 10)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"url": schema.StringAttribute{
						Required: true, MarkdownDescription: "The endpoint, `http://` or `https://`. A query string is sent but never shown in diagnostics.",
						Validators: []validator.String{urlValidator{}},
					},
					"secret": schema.StringAttribute{
						Optional: true, Sensitive: true,
						MarkdownDescription: "Shared secret: every request carries `" + notify.SignatureHeader + ": sha256=<hex>`, the " +
							"HMAC-SHA256 of the raw body under this secret (as GitHub's `X-Hub-Signature-256`). Without it no signature is sent.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"events": eventsAttribute("webhook"),
					"max_attempts": schema.Int64Attribute{
						Optional: true, MarkdownDescription: fmt.Sprintf("Attempts per event, first try included; default %d, 1–10.", notify.DefaultWebhookAttempts),
						Validators: []validator.Int64{int64validator.Between(1, 10)},
					},
					"attempt_timeout": durationAttribute(fmt.Sprintf("Longest one attempt may take; Go duration, default `%s`, 100ms–1m.", notify.DefaultAttemptTimeout),
						100*time.Millisecond, time.Minute),
				}},
			},
			"sns": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "An Amazon SNS topic that receives every event (`sns:Publish`, with the provider's AWS credentials): " +
					"the message is the same JSON document, with message attributes `event`, `switch_id` and `result` for " +
					"subscription filter policies. A FIFO topic gets the switch ID as message group and the event ID as deduplication ID.",
				Attributes: map[string]schema.Attribute{
					"topic_arn": schema.StringAttribute{
						Required: true, MarkdownDescription: "ARN of the topic, e.g. `arn:aws:sns:us-east-1:123456789012:deploys`.",
						Validators: []validator.String{arnValidator{service: "sns"}},
					},
					"events": eventsAttribute("topic"),
				},
			},
		},
	}
}

// shiftNotify is what runShift needs to notify: the targets and who the
// switch is.
type shiftNotify struct {
	Switch       notify.Switch
	Targets      []notify.Notifier
	EventTimeout time.Duration
}

func eventList(ctx context.Context, l types.List, diags *diag.Diagnostics) []notify.EventType {
	var names []string
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	diags.Append(l.ElementsAs(ctx, &names, false)...)
	out := make([]notify.EventType, len(names))
	for i, n := range names {
		out[i] = notify.EventType(n)
	}
	return out
}

// notificationsFor builds the targets of a switch's notifications; nil when
// none are configured. A target that cannot be built is a warning (the shift
// goes ahead without it).
func notificationsFor(ctx context.Context, d *providerData, n types.Object, id, typeName string, diags *diag.Diagnostics) *shiftNotify {
	if n.IsNull() || n.IsUnknown() {
		return nil
	}
	var m notificationsModel
	diags.Append(n.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil
	}
	sn := &shiftNotify{Switch: notify.Switch{ID: id, Name: m.Name.ValueString(), Type: typeName},
		EventTimeout: durationOr(m.EventTimeout, notify.DefaultEventTimeout)}
	warn := func(what string, err error) {
		diags.AddWarning("Notification target not used", fmt.Sprintf("%s: %v. The shift runs without it.", what, err))
	}
	if !m.Webhooks.IsNull() && !m.Webhooks.IsUnknown() {
		var hooks []webhookModel
		diags.Append(m.Webhooks.ElementsAs(ctx, &hooks, false)...)
		for i, h := range hooks {
			w, err := notify.NewWebhook(notify.WebhookConfig{URL: h.URL.ValueString(), Secret: h.Secret.ValueString(),
				Events: eventList(ctx, h.Events, diags), Attempts: int(h.MaxAttempts.ValueInt64()),
				AttemptTimeout: durationOr(h.AttemptTimeout, 0), UserAgent: "terraform-provider-bluegreen"})
			if err != nil {
				warn(fmt.Sprintf("notifications.webhooks[%d]", i), err)
				continue
			}
			sn.Targets = append(sn.Targets, w)
		}
	}
	if !m.SNS.IsNull() && !m.SNS.IsUnknown() {
		var s snsTargetModel
		diags.Append(m.SNS.As(ctx, &s, basetypes.ObjectAsOptions{})...)
		switch {
		case d == nil || d.Clients == nil:
			err := fmt.Errorf("AWS is not configured")
			if d != nil && d.awsErr != nil {
				err = d.awsErr
			}
			warn("notifications.sns "+s.TopicARN.ValueString(), err)
		default:
			t, err := notify.NewSNSTopic(d.Clients.SNS(), s.TopicARN.ValueString(), eventList(ctx, s.Events, diags))
			if err != nil {
				warn("notifications.sns", err)
				break
			}
			sn.Targets = append(sn.Targets, t)
		}
	}
	if len(sn.Targets) == 0 {
		return nil
	}
	return sn
}

// startNotifications starts delivering a shift's events; the returned hook
// goes into the engine's Logger (it never blocks), and finish sends the
// outcome, waits a bounded time for delivery and turns failures into
// warnings. With no targets both do nothing.
func startNotifications(sn *shiftNotify, plan rollout.ShiftPlan) (hook func(rollout.Event), finish func(ctx context.Context, o rollout.Outcome, diags *diag.Diagnostics)) {
	if sn == nil {
		return func(rollout.Event) {}, func(context.Context, rollout.Outcome, *diag.Diagnostics) {}
	}
	events := notify.NewShiftEvents(sn.Switch, "", plan)
	d := notify.Start(sn.Targets, notify.Options{EventTimeout: sn.EventTimeout})
	hook = func(e rollout.Event) {
		if n, ok := events.FromEngine(e); ok {
			d.Send(n)
		}
	}
	finish = func(ctx context.Context, o rollout.Outcome, diags *diag.Diagnostics) {
		d.Send(events.Finished(o))
		// A fresh context: a cancelled apply still reports its rollback.
		wait, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*sn.EventTimeout)
		defer cancel()
		failures := d.Close(wait)
		byTarget := notify.Summarize(failures)
		targets := make([]string, 0, len(byTarget))
		for t := range byTarget {
			targets = append(targets, t)
		}
		sort.Strings(targets)
		for _, t := range targets {
			lines := byTarget[t]
			tflog.Warn(ctx, "notification not delivered", map[string]any{"target": t, "failures": len(lines)})
			if diags != nil {
				diags.AddWarning("Notification not delivered",
					fmt.Sprintf("%s did not receive %d event(s) of this shift:\n  %s\n\nThe shift itself is unaffected (%s). "+
						"Notifications are best effort: each event gets at most its configured attempts within notifications.event_timeout, "+
						"and a target that failed one event gets no further events in this shift.",
						t, len(lines), strings.Join(lines, "\n  "), o.Result))
			}
		}
	}
	return hook, finish
}
