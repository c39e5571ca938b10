package provider

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
)

// bluegreen_nginx_switch: the switch layer over the Nginx router
// (internal/traffic/nginx). This file holds the schema, the model and its
// translation into nginx.Config; nginx_switch_apply.go the lifecycle.

var (
	_ resource.ResourceWithConfigure      = (*nginxSwitchResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*nginxSwitchResource)(nil)
	_ resource.ResourceWithImportState    = (*nginxSwitchResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*nginxSwitchResource)(nil)
	_ resource.ResourceWithValidateConfig = (*nginxSwitchResource)(nil)
)

// NewNginxSwitchResource is the bluegreen_nginx_switch resource.
func NewNginxSwitchResource() resource.Resource { return &nginxSwitchResource{} }

type nginxSwitchResource struct{ data *providerData }

type nginxSwitchModel struct {
	switchModel
	ID                 types.String         `tfsdk:"id"`
	File               types.String         `tfsdk:"file"`
	FileMode           types.String         `tfsdk:"file_mode"`
	Upstream           types.String         `tfsdk:"upstream"`
	BlueServers        types.List           `tfsdk:"blue_servers"`
	GreenServers       types.List           `tfsdk:"green_servers"`
	ServerParams       types.List           `tfsdk:"server_params"`
	UpstreamDirectives types.List           `tfsdk:"upstream_directives"`
	TestCommand        types.List           `tfsdk:"test_command"`
	ReloadCommand      types.List           `tfsdk:"reload_command"`
	PIDFile            types.String         `tfsdk:"pid_file"`
	GenerationURL      types.String         `tfsdk:"generation_url"`
	ConfirmTimeout     durationValue        `tfsdk:"confirm_timeout"`
	Sudo               types.Bool           `tfsdk:"sudo"`
	SSH                *sshModel            `tfsdk:"ssh"`
	Preflight          *nginxPreflightModel `tfsdk:"preflight"`
}

type nginxPreflightModel struct {
	Scheme       types.String  `tfsdk:"scheme"`
	Path         types.String  `tfsdk:"path"`
	ExpectStatus types.List    `tfsdk:"expect_status"`
	BodyRegex    types.String  `tfsdk:"body_regex"`
	Headers      types.Map     `tfsdk:"headers"`
	Timeout      durationValue `tfsdk:"timeout"`
}

const (
	defaultNginxPreflightPath = "/"
)

var (
	fileModePattern = regexp.MustCompile(`^0?[0-7]{3}$`)
	upstreamPattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

func (r *nginxSwitchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_nginx_switch"
}

func (r *nginxSwitchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *nginxSwitchResource) clock() clock.Clock {
	if r.data != nil && r.data.deps.Clock != nil {
		return r.data.deps.Clock
	}
	return clock.Real{}
}

func nginxStringList(desc string, required bool, v ...validator.List) schema.ListAttribute {
	return schema.ListAttribute{ElementType: types.StringType, Required: required, Optional: !required, MarkdownDescription: desc, Validators: v}
}

func (r *nginxSwitchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	common, commonBlocks := switchSchemaParts(ctx, "the color receiving the new traffic")
	// The layer's weight attributes speak of ALB forward weights; an Nginx
	// switch reads them from its file.
	common["blue_weight"] = schema.Int64Attribute{Computed: true,
		MarkdownDescription: "Blue's weight as read from the owned file (the sum of the weights of blue's servers in rotation, reduced; " +
			"the switch writes percentages: 0–100, `down` for 0)."}
	common["green_weight"] = schema.Int64Attribute{Computed: true, MarkdownDescription: "Green's weight as read from the owned file."}
	serverList := []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(), listvalidator.NoNullValues(),
		listvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[^\s;{}#"'\\$]+$`),
			"must be a plain Nginx server address such as 10.0.1.5:8080 (no spaces, quotes, ;, {, }, #, $)"))}
	argv := []validator.List{listvalidator.SizeAtLeast(1), listvalidator.NoNullValues(), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}
	resp.Schema = schema.Schema{
		Version: checksSchemaVersion,
		MarkdownDescription: "Owns one file holding an Nginx `upstream` block with the servers of a blue and a green color, " +
			"and moves traffic to `active_color` — all at once, in canary steps or linearly — by rewriting the weights, " +
			"validating the whole configuration (`nginx -t`), reloading Nginx and confirming the new configuration is live " +
			"before each step's hold. The receiving servers are checked over HTTP before any weight moves; a failing " +
			"`rollback_on` check puts the previous file back byte for byte and reloads. Nginx runs on the machine running " +
			"Terraform or, with `ssh = { ... }`, on another one. No AWS call is made.\n\n" +
			"Destroying the switch leaves the file and the traffic where they are.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The owned file's path.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"file": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Absolute path of the file the switch owns, e.g. `/etc/nginx/bluegreen/app.conf`, on the Nginx host. " +
					"Include it in the `http` block (`include /etc/nginx/bluegreen/app.conf;`) and `proxy_pass http://<upstream>;`. " +
					"Writes go through a hidden temporary file in the same directory (`.<name>.bluegreen-tmp`), renamed into place. " +
					"A missing file is created by the first apply with all traffic on `active_color`. Changing it replaces the switch.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{absolutePathValidator{}},
			},
			"file_mode": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Octal mode of the written file, e.g. `0640`. Default `0644` (the `nginx -t` user must be able to read it).",
				Validators:          []validator.String{stringvalidator.RegexMatches(fileModePattern, "must be an octal file mode such as 0644")},
			},
			"upstream": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Name of the `upstream` block the file defines (letters, digits, underscores), e.g. `app`. " +
					"The file also defines the variable `$bluegreen_generation_<upstream>` (see `generation_url`). Changing it replaces the switch.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.RegexMatches(upstreamPattern, "must be letters, digits and underscores")},
			},
			"blue_servers": nginxStringList("Blue's servers as Nginx's `server` directive takes them (`10.0.1.5:8080`, `app-blue:80`), "+
				"at least one. A color's servers can only change while it receives no traffic (weight 0): the plan refuses otherwise.", true, serverList...),
			"green_servers": nginxStringList("Green's servers, at least one, none of them also blue. Same rule as `blue_servers`.", true, serverList...),
			"server_params": nginxStringList("Parameters added to every server line, e.g. `[\"max_fails=3\", \"fail_timeout=10s\"]`. "+
				"`weight=`, `down` and `backup` are the switch's. Default none.", false,
				listvalidator.NoNullValues(), listvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[^\s;{}#"'\\$]+$`), "must be one plain word"))),
			"upstream_directives": nginxStringList("Directives written inside the upstream block before the servers, without the "+
				"trailing `;`, e.g. `[\"keepalive 16\", \"least_conn\"]`. Default none.", false, listvalidator.NoNullValues()),
			"test_command": nginxStringList("Command (argv, no shell) that validates the whole configuration after the new file is "+
				"in place; a non-zero exit puts the previous file back and fails the step. Default `[\"nginx\", \"-t\", \"-q\"]`.", false, argv...),
			"reload_command": nginxStringList("Command (argv, no shell) that reloads Nginx, e.g. `[\"systemctl\", \"reload\", \"nginx\"]` or "+
				"`[\"docker\", \"exec\", \"web\", \"nginx\", \"-s\", \"reload\"]`. Default `[\"nginx\", \"-s\", \"reload\"]`.", false, argv...),
			"pid_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("The Nginx master's pid file. After each reload the switch waits until the master has "+
					"new worker processes and every old one is shutting down (read from `/proc` on the Nginx host). Default `%s`. "+
					"Ignored when `generation_url` is set.", nginx.DefaultPIDFile),
				Validators: []validator.String{absolutePathValidator{}},
			},
			"generation_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Confirm reloads through Nginx itself instead of `/proc` (containers, other pid namespaces): an " +
					"`http://` URL, as seen from the Nginx host, of a location answering `$bluegreen_generation_<upstream>`, e.g. " +
					"`location = /.bluegreen/generation { return 200 \"$bluegreen_generation_app\"; }`. Each write waits until it " +
					"answers the new file's token steadily for 500 ms. Default unset (process confirmation).",
				Validators: []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^http://\S+$`), "must be an http:// URL")},
			},
			"confirm_timeout": schema.StringAttribute{
				Optional: true, CustomType: durationType{},
				MarkdownDescription: fmt.Sprintf("How long a write waits for Nginx to serve the new file; past it the previous file "+
					"is put back, Nginx reloaded with it, and the step fails. Go duration, `1s`–`10m`, default `%s`.", nginx.DefaultConfirmTimeout),
				Validators: []validator.String{durationValidator{min: time.Second, max: 10 * time.Minute}},
			},
			"sudo": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Run the commands on the local machine (`test_command`, `reload_command`) through `sudo -n --` " +
					"(never prompts). The file itself is read and written as the user running Terraform, so its directory must be " +
					"writable by that user. Default `false`. Over SSH use `ssh.sudo`, which covers file access too.",
			},
			"ssh": sshAttribute("Reach Nginx over SSH: every file access and command (test, reload, the `/proc` reads of the confirmation, "+
				"the generation URL) goes through it.", "every command and file access on the host"),
			"preflight": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "The HTTP check every server of the receiving color must pass, from the machine running Terraform, " +
					"before any weight moves to it (Nginx OSS keeps no health state to read). It is never skipped. Default: " +
					"`GET http://<server>/` answering 200 within 5 s.",
				Attributes: map[string]schema.Attribute{
					"scheme": schema.StringAttribute{Optional: true, MarkdownDescription: "`http` (default) or `https`.",
						Validators: []validator.String{stringvalidator.OneOf("http", "https")}},
					"path": schema.StringAttribute{Optional: true, MarkdownDescription: "Path and query requested on each server, e.g. `/healthz`. Default `/`.",
						Validators: []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^/\S*$`), "must start with /")}},
					"expect_status": schema.ListAttribute{ElementType: types.Int64Type, Optional: true,
						MarkdownDescription: "Passing status codes, 100–599. Default `[200]`.",
						Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueInt64sAre(int64validator.Between(100, 599))}},
					"body_regex": schema.StringAttribute{Optional: true, MarkdownDescription: "RE2 regular expression the body must match. Default none."},
					"headers": schema.MapAttribute{ElementType: types.StringType, Optional: true, Sensitive: true,
						MarkdownDescription: "Request headers (sensitive: never logged), e.g. `{ Host = \"app.example.com\" }`. Default none."},
					"timeout": schema.StringAttribute{Optional: true, CustomType: durationType{},
						MarkdownDescription: fmt.Sprintf("Per attempt, Go duration `1s`–`1m`. Default `%s`.", httpcheck.DefaultTimeout),
						Validators:          []validator.String{durationValidator{min: time.Second, max: time.Minute}}},
				},
			},
		},
	}
	for k, v := range common {
		resp.Schema.Attributes[k] = v
	}
	resp.Schema.Blocks = commonBlocks
	nginxSchemaWording(resp.Schema.Attributes)
	nameNestedPaths(resp.Schema.Attributes)
}

// nginxSchemaWording adapts the layer's shared descriptions to Nginx: the
// checks that read AWS are refused, and a step is a file write, not a
// listener write.
func nginxSchemaWording(attrs map[string]schema.Attribute) {
	markRefusedChecks(attrs, "**Not available on `bluegreen_nginx_switch`** (it reads AWS; refused at plan time). Use `http` or `prometheus`.")
	rewordStrategy(attrs, func(d string) string {
		return strings.ReplaceAll(d, "re-reads the listener to verify the write took effect", "writes the file (test, reload, confirmed live) and reads it back")
	})
}

// absolutePathValidator accepts an absolute, clean path (on the host the
// switch manages).
type absolutePathValidator struct{}

func (absolutePathValidator) Description(context.Context) string { return "an absolute path" }
func (v absolutePathValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (absolutePathValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !known(req.ConfigValue) {
		return
	}
	p := req.ConfigValue.ValueString()
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		resp.Diagnostics.AddAttributeError(req.Path, "Not an absolute path",
			fmt.Sprintf("%q must be an absolute, clean path, such as /etc/nginx/bluegreen/app.conf or /var/lib/haproxy/server-state.", p))
	}
}

func (r *nginxSwitchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m nginxSwitchModel
	_, d := getConfig(ctx, req.Config, &m)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateNginxSwitch(ctx, &m, &resp.Diagnostics)
	validateSwitchConfig(ctx, &m.switchModel, &resp.Diagnostics)
}

// validateNginxSwitch checks what is the Nginx switch's own.
func validateNginxSwitch(ctx context.Context, m *nginxSwitchModel, diags *diag.Diagnostics) {
	if ro := m.RollbackOn; ro != nil {
		base := path.Root("rollback_on")
		refuse := func(name, what string) {
			diags.AddAttributeError(base.AtName(name), "Check not available for an Nginx switch",
				fmt.Sprintf("rollback_on.%s reads %s from AWS, which an Nginx upstream does not have. Use rollback_on.http "+
					"(a health or canary URL) or rollback_on.prometheus (e.g. Nginx or application metrics) instead.", name, what))
		}
		if ro.TargetHealth != nil {
			refuse("target_health", "ALB target group health")
		}
		if ro.Metrics != nil {
			refuse("metrics", "ALB CloudWatch metrics")
		}
		if !ro.AlarmNames.IsNull() {
			refuse("alarm_names", "CloudWatch alarms")
		}
	}
	if s := m.SSH; s != nil {
		s.validate("the Nginx host", diags)
		if !m.Sudo.IsNull() && m.Sudo.ValueBool() {
			diags.AddAttributeError(path.Root("sudo"), "sudo applies to the local host", "With ssh, set ssh.sudo instead of sudo.")
		}
	}
	// Cross-attribute rules the router enforces (a server in both colors,
	// unix sockets with the HTTP pre-flight, directives naming servers), when
	// everything is known.
	if diags.HasError() || !m.routerConfigKnown() {
		return
	}
	cfg, d := m.routerConfig(ctx, remote.Local{})
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	router, err := nginx.New(cfg)
	if err != nil {
		diags.AddError("Invalid Nginx switch configuration", err.Error())
		return
	}
	for _, c := range []traffic.Color{traffic.Blue, traffic.Green} {
		if _, err := router.PreflightChecks(c, m.preflightTemplate(ctx, nil, diags)); err != nil {
			diags.AddAttributeError(path.Root(string(c)+"_servers"), "Server cannot be pre-flight checked", err.Error())
		}
	}
}

// routerConfigKnown reports whether everything the router needs is known.
func (m *nginxSwitchModel) routerConfigKnown() bool {
	for _, v := range []interface {
		IsNull() bool
		IsUnknown() bool
	}{m.File, m.Upstream} {
		if !known(v) {
			return false
		}
	}
	for _, l := range []types.List{m.BlueServers, m.GreenServers, m.ServerParams, m.UpstreamDirectives, m.TestCommand, m.ReloadCommand} {
		if !listFullyKnown(l) {
			return false
		}
	}
	for _, v := range []durationLike{m.FileMode, m.PIDFile, m.GenerationURL, m.ConfirmTimeout} {
		if v.IsUnknown() {
			return false
		}
	}
	if m.Sudo.IsUnknown() {
		return false
	}
	if s := m.SSH; s != nil {
		for _, v := range []types.String{s.Host, s.User, s.PrivateKey, s.Passphrase, s.Password, s.HostKey, s.KnownHosts} {
			if v.IsUnknown() {
				return false
			}
		}
		if s.Port.IsUnknown() || s.InsecureIgnoreHostKey.IsUnknown() || s.Sudo.IsUnknown() {
			return false
		}
	}
	if p := m.Preflight; p != nil {
		if p.Scheme.IsUnknown() || p.Path.IsUnknown() || !listFullyKnown(p.ExpectStatus) || p.BodyRegex.IsUnknown() ||
			p.Headers.IsUnknown() || p.Timeout.IsUnknown() {
			return false
		}
	}
	return true
}

func stringsOf(ctx context.Context, l types.List, diags *diag.Diagnostics) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

// host builds the host Nginx runs on; close releases it.
func (m *nginxSwitchModel) host() (h remote.Host, closeFn func(), err error) {
	s := m.SSH
	if s == nil {
		return remote.Local{Sudo: m.Sudo.ValueBool()}, func() {}, nil
	}
	h2, err := s.connect()
	if err != nil {
		return nil, nil, err
	}
	return h2, func() { _ = h2.Close() }, nil
}

// routerConfig maps the model onto nginx.Config on host h.
func (m *nginxSwitchModel) routerConfig(ctx context.Context, h remote.Host) (nginx.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	cfg := nginx.Config{
		Host: h, File: m.File.ValueString(), Upstream: m.Upstream.ValueString(),
		Blue: stringsOf(ctx, m.BlueServers, &diags), Green: stringsOf(ctx, m.GreenServers, &diags),
		ServerParams: stringsOf(ctx, m.ServerParams, &diags), Directives: stringsOf(ctx, m.UpstreamDirectives, &diags),
		TestCommand: stringsOf(ctx, m.TestCommand, &diags), ReloadCommand: stringsOf(ctx, m.ReloadCommand, &diags),
		PIDFile: m.PIDFile.ValueString(), GenerationURL: m.GenerationURL.ValueString(),
		ConfirmTimeout: durationOr(m.ConfirmTimeout, nginx.DefaultConfirmTimeout),
	}
	if known(m.FileMode) {
		mode, err := strconv.ParseUint(m.FileMode.ValueString(), 8, 32)
		if err != nil {
			diags.AddAttributeError(path.Root("file_mode"), "Invalid file mode", err.Error())
		}
		cfg.FileMode = fs.FileMode(mode)
	}
	return cfg, diags
}

// router builds the router of m; close releases its host.
func (m *nginxSwitchModel) router(ctx context.Context, diags *diag.Diagnostics) (*nginx.Router, func()) {
	h, closeFn, err := m.host()
	if err != nil {
		diags.AddAttributeError(path.Root("ssh"), "Invalid SSH configuration", err.Error())
		return nil, func() {}
	}
	cfg, d := m.routerConfig(ctx, h)
	diags.Append(d...)
	if diags.HasError() {
		closeFn()
		return nil, func() {}
	}
	rt, err := nginx.New(cfg)
	if err != nil {
		diags.AddError("Invalid Nginx switch configuration", err.Error())
		closeFn()
		return nil, func() {}
	}
	return rt, closeFn
}

// preflightTemplate is the pre-flight check every receiving server gets
// (the host is replaced by each server's address).
func (m *nginxSwitchModel) preflightTemplate(ctx context.Context, now func() time.Time, diags *diag.Diagnostics) httpcheck.Config {
	cfg := httpcheck.Config{URL: "http://server" + defaultNginxPreflightPath, Timeout: httpcheck.DefaultTimeout, Now: now}
	p := m.Preflight
	if p == nil {
		return cfg
	}
	scheme, pth := "http", defaultNginxPreflightPath
	if known(p.Scheme) {
		scheme = p.Scheme.ValueString()
	}
	if known(p.Path) {
		pth = p.Path.ValueString()
	}
	cfg.URL = scheme + "://server" + pth
	cfg.BodyRegex = p.BodyRegex.ValueString()
	cfg.Headers = stringMap(ctx, p.Headers, diags)
	cfg.Timeout = durationOr(p.Timeout, httpcheck.DefaultTimeout)
	if known(p.ExpectStatus) {
		var codes []int64
		diags.Append(p.ExpectStatus.ElementsAs(ctx, &codes, false)...)
		for _, c := range codes {
			cfg.ExpectStatus = append(cfg.ExpectStatus, int(c))
		}
	}
	return cfg
}

// serversOf returns the configured servers of color c.
func (m *nginxSwitchModel) serversOf(c traffic.Color) types.List {
	if c == traffic.Blue {
		return m.BlueServers
	}
	return m.GreenServers
}

func priorNginx(m *nginxSwitchModel) *switchModel {
	if m == nil {
		return nil
	}
	return &m.switchModel
}

// UpgradeState upgrades state of schema version 0 (see checksStateUpgraders).
func (r *nginxSwitchResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	return checksStateUpgraders(ctx, r, "rollback_on")
}
