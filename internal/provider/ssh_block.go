package provider

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
)

// The ssh attribute, one shape for every switch that reaches its server's host
// (HAProxy's admin socket, an Nginx upstream file and reload).

const defaultSSHPort = 22

type sshModel struct {
	Host                  types.String `tfsdk:"host"`
	Port                  types.Int64  `tfsdk:"port"`
	User                  types.String `tfsdk:"user"`
	PrivateKey            types.String `tfsdk:"private_key"`
	Passphrase            types.String `tfsdk:"passphrase"`
	Password              types.String `tfsdk:"password"`
	HostKey               types.String `tfsdk:"host_key"`
	KnownHosts            types.String `tfsdk:"known_hosts"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
	Sudo                  types.Bool   `tfsdk:"sudo"`
}

// sshAttribute is the nested attribute; what says what goes over the
// connection, sudo what the sudo attribute covers.
func sshAttribute(what, sudo string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: what + " One SSH connection per operation (golang.org/x/crypto/ssh), closed at its end. Host keys " +
			"are checked: set `host_key` or `known_hosts` (or both: the key must satisfy both; or, for labs only, " +
			"`insecure_ignore_host_key`). Authentication by `private_key` (tried first) and/or `password`. Absent (default), " +
			"everything happens on the machine running Terraform.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{Required: true, MarkdownDescription: "Host name or IP address.",
				Validators: []validator.String{nonBlankValidator{what: "SSH host"}}},
			"port": schema.Int64Attribute{Optional: true, MarkdownDescription: fmt.Sprintf("TCP port, 1–65535. Default `%d`.", defaultSSHPort),
				Validators: []validator.Int64{int64validator.Between(1, 65535)}},
			"user": schema.StringAttribute{Required: true, MarkdownDescription: "User to log in as.",
				Validators: []validator.String{nonBlankValidator{what: "SSH user"}}},
			"private_key": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Private key (OpenSSH or PEM), e.g. `file(\"~/.ssh/deploy\")`. Sensitive. At least one of `private_key` and `password` is required."},
			"passphrase": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Passphrase of an encrypted `private_key`. Sensitive."},
			"password":   schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Password (password and keyboard-interactive authentication). Sensitive."},
			"host_key": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The server's public host key in `authorized_keys` form (`ssh-ed25519 AAAA…`): only this key is accepted."},
			"known_hosts": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Content of a `known_hosts` file (hashed names, `@cert-authority` and `@revoked` lines work), e.g. `file(\"~/.ssh/known_hosts\")`."},
			"insecure_ignore_host_key": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Accept any host key. Anyone able to intercept the connection can then act as the host. Labs only. " +
					"Default `false`. Conflicts with `host_key` and `known_hosts`."},
			"sudo": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Run " + sudo + " through `sudo -n --` (never prompts: configure NOPASSWD). Default `false`."},
		},
	}
}

// validate reports what ssh lacks or contradicts; hostWord names the
// host in the diagnostics ("the HAProxy host").
func (s *sshModel) validate(hostWord string, diags *diag.Diagnostics) {
	at := path.Root("ssh")
	if s.PrivateKey.IsNull() && s.Password.IsNull() {
		diags.AddAttributeError(at, "Missing SSH credentials", "ssh needs private_key, password or both.")
	}
	if !s.Passphrase.IsNull() && s.PrivateKey.IsNull() {
		diags.AddAttributeError(at.AtName("passphrase"), "Passphrase without a key", "passphrase decrypts private_key: set private_key too, or remove passphrase.")
	}
	insecure := s.InsecureIgnoreHostKey.ValueBool()
	pinned := !s.HostKey.IsNull() || !s.KnownHosts.IsNull()
	switch {
	case insecure && pinned:
		diags.AddAttributeError(at.AtName("insecure_ignore_host_key"), "Conflicting SSH host key settings",
			"insecure_ignore_host_key = true accepts any host key, so host_key and known_hosts would never be used: remove one or the other.")
	case !insecure && !pinned && !s.InsecureIgnoreHostKey.IsUnknown():
		diags.AddAttributeError(at, "No SSH host key check",
			"ssh needs host_key or known_hosts, so that the switch only talks to "+hostWord+
				" (or insecure_ignore_host_key = true, for labs only).")
	}
}

// connect opens the SSH host; the caller closes it.
func (s *sshModel) connect() (*remote.SSH, error) {
	port := int64(defaultSSHPort)
	if known(s.Port) {
		port = s.Port.ValueInt64()
	}
	return remote.NewSSH(remote.SSHConfig{
		Address: net.JoinHostPort(strings.Trim(s.Host.ValueString(), "[]"), strconv.FormatInt(port, 10)), User: s.User.ValueString(),
		PrivateKeyPEM: s.PrivateKey.ValueString(), Passphrase: s.Passphrase.ValueString(), Password: s.Password.ValueString(),
		HostKey: s.HostKey.ValueString(), KnownHosts: s.KnownHosts.ValueString(),
		InsecureIgnoreHostKey: s.InsecureIgnoreHostKey.ValueBool(), Sudo: s.Sudo.ValueBool(),
	})
}
