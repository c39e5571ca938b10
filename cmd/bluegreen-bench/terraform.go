package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// terraformRows builds the provider, then measures its plugin startup time,
// a plan of n switches (wall time, peak RSS of the provider process) and an
// apply of n switches at -parallelism=10 with the sandbox throttling every
// ELBv2 operation to 10 req/s.
func terraformRows(ctx context.Context, tf string, n int) ([]row, error) {
	tf, err := filepath.Abs(tf)
	if err != nil {
		return nil, err
	}
	work, err := filepath.Abs(".tmp/bench-tf")
	if err != nil {
		return nil, err
	}
	_ = os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	bin := filepath.Join(work, "bin")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-bluegreen"), ".").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the provider: %v\n%s", err, out)
	}
	provider := filepath.Join(bin, "terraform-provider-bluegreen")

	var rows []row
	startup, err := pluginStartup(provider, 5)
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{"Provider plugin startup (exec → go-plugin handshake), median of 5", "—", ms(startup), ""})

	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	os.Setenv("AWS_ACCESS_KEY_ID", "test")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	clients, err := awsclient.New(ctx, awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{ELBv2: srv.URL()}})
	if err != nil {
		return nil, err
	}
	switches, err := scaleFixture(ctx, srv, clients.ELBv2, n)
	if err != nil {
		return nil, err
	}
	var cfg strings.Builder
	cfg.WriteString("terraform {\n  required_providers {\n    bluegreen = { source = \"bluegreen-tf/bluegreen\" }\n  }\n}\nprovider \"bluegreen\" {\n  region = \"us-east-1\"\n}\n")
	for i, sw := range switches {
		fmt.Fprintf(&cfg, "resource \"bluegreen_listener_switch\" \"s%d\" {\n  listener_arn = %q\n  blue_target_group_arn = %q\n  green_target_group_arn = %q\n  active_color = \"green\"\n  strategy = {\n    type = \"all_at_once\"\n  }\n}\n", i, sw.listener, sw.blue, sw.green)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(cfg.String()), 0o644); err != nil {
		return nil, err
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/bluegreen-tf/bluegreen\" = %q\n  }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(filepath.Join(work, "terraformrc"), []byte(rc), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(work, "terraformrc"), "CHECKPOINT_DISABLE=1",
		"AWS_ENDPOINT_URL="+srv.URL(), "AWS_REGION=us-east-1", "TF_IN_AUTOMATION=1")

	plan, err := runMeasured(tf, work, env, "plan", "-no-color", "-input=false", "-lock=false")
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{fmt.Sprintf("`terraform plan`, %d bluegreen_listener_switch: wall time; peak RSS provider / terraform", n), "—",
		fmt.Sprintf("%v; %d MiB / %d MiB", plan.wall.Round(time.Millisecond), plan.providerKiB/1024, plan.maxKiB/1024), okIf(plan.err == nil)})
	if plan.err != nil {
		fmt.Fprintln(os.Stderr, plan.stderr)
	}

	const perSecond = 10
	ops := []string{"DescribeListeners", "ModifyListener", "DescribeTargetHealth", "DescribeTargetGroups", "DescribeLoadBalancers", "DescribeRules", "DescribeTags"}
	for _, op := range ops {
		if err := srv.SetRateLimit("elbv2", op, perSecond, perSecond); err != nil {
			return nil, err
		}
	}
	srv.ResetCalls()
	apply, err := runMeasured(tf, work, env, "apply", "-auto-approve", "-no-color", "-input=false", "-lock=false", "-parallelism=10")
	if err != nil {
		return nil, err
	}
	srv.ClearRateLimits()
	okByOp := map[string]int{}
	var total, throttled int
	for _, c := range srv.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		total++
		if c.Fault == sandbox.Throttle {
			throttled++
		} else if c.Status == 200 {
			okByOp[c.Operation]++
		}
	}
	var minimum time.Duration
	var parts []string
	for op, k := range okByOp {
		minimum = max(minimum, time.Duration(float64(max(k-perSecond, 0))/perSecond*float64(time.Second)))
		parts = append(parts, fmt.Sprintf("%s %d", op, k))
	}
	slices.Sort(parts)
	errs := strings.Count(apply.stderr, "Error:")
	if apply.err != nil && errs == 0 {
		errs = 1
	}
	if apply.err != nil {
		fmt.Fprintln(os.Stderr, apply.stderr)
	}
	rows = append(rows,
		row{fmt.Sprintf("`terraform apply -parallelism=10`, %d switches, sandbox throttling each ELBv2 operation to %d req/s: errors", n, perSecond), "0",
			fmt.Sprintf("%d", errs), okIf(errs == 0)},
		row{"… ELBv2 calls (successful by operation; throttled and retried)", "—",
			fmt.Sprintf("%d total: %s; %d throttled", total, strings.Join(parts, ", "), throttled), ""},
		row{"… wall time vs throttled minimum (busiest operation's calls / rate)", "—",
			fmt.Sprintf("%v vs %v", apply.wall.Round(time.Millisecond), minimum.Round(time.Millisecond)), ""},
	)
	return rows, nil
}

// scaleFixture creates n HTTP listeners, 50 per load balancer (the ALB
// quota), each load balancer's listeners forwarding to its own pair of target
// groups (a group serves one load balancer) whose target is pinned healthy.
func scaleFixture(ctx context.Context, srv *sandbox.Server, api *elbv2.Client, n int) (switches []scaleSwitch, err error) {
	const perLB = 50
	for b := 0; b*perLB < n; b++ {
		lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(fmt.Sprintf("scale-%d", b)), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
		if err != nil {
			return nil, err
		}
		var tgs []string
		for i, c := range []string{"blue", "green"} {
			tg, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(fmt.Sprintf("scale-%d-%s", b, c)), Protocol: types.ProtocolEnumHttp,
				Port: aws.Int32(80), VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: types.TargetTypeEnumIp})
			if err != nil {
				return nil, err
			}
			arn := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
			ip := fmt.Sprintf("10.%d.%d.10", b, i+1)
			if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: []types.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(80)}}}); err != nil {
				return nil, err
			}
			if err := srv.SetTargetHealth(arn, ip, 80, "healthy", "", ""); err != nil {
				return nil, err
			}
			tgs = append(tgs, arn)
		}
		for i := 0; i < perLB && b*perLB+i < n; i++ {
			l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
				Port: aws.Int32(int32(8001 + i)), Protocol: types.ProtocolEnumHttp,
				DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
					{TargetGroupArn: aws.String(tgs[0]), Weight: aws.Int32(100)}, {TargetGroupArn: aws.String(tgs[1]), Weight: aws.Int32(0)}}}}}})
			if err != nil {
				return nil, err
			}
			switches = append(switches, scaleSwitch{aws.ToString(l.Listeners[0].ListenerArn), tgs[0], tgs[1]})
		}
	}
	return switches, nil
}

type scaleSwitch struct{ listener, blue, green string }

type measured struct {
	wall                time.Duration
	maxKiB, providerKiB int64
	stderr              string
	err                 error
}

// runMeasured runs terraform, polling /proc for the provider child's peak
// RSS (VmHWM); maxKiB is getrusage's maxrss of terraform and its waited-for
// children.
func runMeasured(tf, dir string, env []string, args ...string) (measured, error) {
	cmd := exec.Command(tf, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measured{}, err
	}
	var m measured
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if kib := providerHWM(cmd.Process.Pid); kib > 0 {
				mu.Lock()
				m.providerKiB = max(m.providerKiB, kib)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	m.err = cmd.Wait()
	m.wall = time.Since(start)
	close(stop)
	<-done
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxKiB = ru.Maxrss
	}
	m.stderr = stderr.String()
	return m, nil
}

// providerHWM is the VmHWM (KiB) of a terraform-provider-bluegreen process
// whose parent is ppid, 0 if none.
func providerHWM(ppid int) int64 {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || !bytes.Contains(stat, []byte("(terraform-provi")) {
			continue
		}
		rest := stat[bytes.LastIndexByte(stat, ')')+2:]
		f := strings.Fields(string(rest))
		if len(f) < 2 || f[1] != strconv.Itoa(ppid) {
			continue
		}
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				return kib
			}
		}
	}
	return 0
}

// pluginStartup is the median time from exec to the go-plugin handshake line
// on stdout, over reps runs.
func pluginStartup(provider string, reps int) (time.Duration, error) {
	var ds []time.Duration
	for range reps {
		cmd := exec.Command(provider)
		cmd.Env = append(os.Environ(),
			"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
			"PLUGIN_PROTOCOL_VERSIONS=6", "PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000")
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		d := time.Since(start)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if err != nil || !strings.Contains(line, "|") {
			return 0, fmt.Errorf("provider handshake: %q, %v", line, err)
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}
