package moto

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// requiredMoto is the moto release the differential suite was calibrated
// against; knownDifferences describe this version.
const requiredMoto = "5.2.1"

// motoServer is a moto standalone server started by the test.
type motoServer struct {
	url    string
	cmd    *exec.Cmd
	out    *bytes.Buffer
	exited chan error // receives cmd.Wait's result
}

// requireMoto skips the test when moto is not installed, or fails it in CI
// (BLUEGREEN_REQUIRE_MOTO=1), where the differential suite must run.
func requireMoto(t *testing.T) {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import moto, sys; sys.stdout.write(moto.__version__)").CombinedOutput()
	version := strings.TrimSpace(string(out))
	switch {
	case err != nil:
		msg := fmt.Sprintf("moto %s is required for the differential suite: `python3 -c 'import moto'` failed: %v: %s", requiredMoto, err, out)
		if os.Getenv("BLUEGREEN_REQUIRE_MOTO") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set BLUEGREEN_REQUIRE_MOTO=1 to make this a failure)")
	case version != requiredMoto:
		// The comparison still runs, but known differences may have moved.
		t.Logf("moto %s found; knownDifferences were recorded against moto %s", version, requiredMoto)
	}
}

// startMoto runs `python3 -m moto.server` on a free loopback port and stops
// it when the test ends.
func startMoto(t *testing.T) *motoServer {
	t.Helper()
	requireMoto(t)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("finding a free port for moto: %v", err)
		}
		m, err := launchMoto(port)
		if err == nil {
			t.Cleanup(m.stop)
			return m
		}
		lastErr = err // most likely the port was taken in between: try another
	}
	t.Fatalf("starting moto: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func launchMoto(port int) (*motoServer, error) {
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("python3 -m moto.server: %w", err)
	}
	m := &motoServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, out: out, exited: make(chan error, 1)}
	go func() { m.exited <- cmd.Wait() }()

	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-m.exited:
			return nil, fmt.Errorf("moto exited during start-up (%v):\n%s", err, out)
		default:
		}
		resp, err := client.Get(m.url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return m, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.stop()
	return nil, fmt.Errorf("moto did not answer on %s within 30s:\n%s", m.url, out)
}

// stop ends moto — the process group this test started — with SIGTERM, and
// SIGKILL if it lingers.
func (m *motoServer) stop() {
	pgid := m.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-m.exited:
		return
	case <-time.After(3 * time.Second):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-m.exited
}

// ec2Call makes a raw EC2 Query call to moto. The module depends on no EC2
// client; moto routes unsigned requests by the credential scope.
func (m *motoServer) ec2Call(ctx context.Context, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", "2016-11-15")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url+"/", strings.NewReader(params.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("EC2 %s: HTTP %d: %s", action, resp.StatusCode, body)
	}
	return xml.Unmarshal(body, out)
}

// network is a VPC with two subnets in different zones, created in moto
// (which checks that they exist) and used verbatim against the sandbox
// (which has no EC2 and accepts any well-formed IDs).
type network struct {
	vpcID   string
	subnets []string
}

func (m *motoServer) createNetwork(ctx context.Context) (network, error) {
	var vpc struct {
		VpcID string `xml:"vpc>vpcId"`
	}
	if err := m.ec2Call(ctx, "CreateVpc", url.Values{"CidrBlock": {"10.0.0.0/16"}}, &vpc); err != nil {
		return network{}, err
	}
	n := network{vpcID: vpc.VpcID}
	for i, zone := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		var sn struct {
			SubnetID string `xml:"subnet>subnetId"`
		}
		if err := m.ec2Call(ctx, "CreateSubnet", url.Values{
			"VpcId": {vpc.VpcID}, "CidrBlock": {fmt.Sprintf("10.0.%d.0/24", i+1)}, "AvailabilityZone": {zone},
		}, &sn); err != nil {
			return network{}, err
		}
		n.subnets = append(n.subnets, sn.SubnetID)
	}
	return n, nil
}
