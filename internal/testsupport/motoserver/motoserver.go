// Package motoserver starts moto, the independent AWS emulator (Python,
// pre-installed on our machines), for tests that check the sandbox or the
// provider against it. It is test support: nothing in the provider imports it.
package motoserver

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
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
	"time"
)

// RequiredVersion is the moto release the differential suite is calibrated against.
const RequiredVersion = "5.2.1"

// RequireEnv, set to 1, turns a missing moto into a test failure (CI sets it).
const RequireEnv = "BLUEGREEN_REQUIRE_MOTO"

// Version reports the installed moto version, or an error when
// `python3 -c 'import moto'` fails.
func Version() (string, error) {
	out, err := exec.Command("python3", "-c", "import moto, sys; sys.stdout.write(moto.__version__)").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("moto %s is required: `python3 -c 'import moto'` failed: %v: %s", RequiredVersion, err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// Required reports whether the environment demands moto (CI).
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Server is a running `python3 -m moto.server`.
type Server struct {
	URL     string
	cmd     *exec.Cmd
	out     *bytes.Buffer
	exited  chan struct{} // closed when the process has exited
	waitErr error         // cmd.Wait's result, set before exited is closed
}

// Start runs moto on a free loopback port and waits until it answers.
func Start() (*Server, error) {
	if _, err := Version(); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("finding a free port for moto: %w", err)
		}
		s, err := launch(port)
		if err == nil {
			return s, nil
		}
		lastErr = err // most likely the port was taken in between: try another
	}
	return nil, fmt.Errorf("starting moto: %w", lastErr)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func launch(port int) (*Server, error) {
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("python3 -m moto.server: %w", err)
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("moto exited during start-up (%v):\n%s", s.waitErr, out)
		default:
		}
		resp, err := client.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Close()
	return nil, fmt.Errorf("moto did not answer on %s within 30s:\n%s", s.URL, out)
}

// Close stops moto (its process group): SIGTERM, then SIGKILL if it lingers.
func (s *Server) Close() {
	pgid := s.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.exited:
		return
	case <-time.After(3 * time.Second):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-s.exited
}

// Network is a VPC with subnets in different zones, created in moto (which
// checks that they exist; the sandbox has no EC2 and accepts any well-formed IDs).
type Network struct {
	VpcID   string
	Subnets []string
}

// CreateNetwork creates a VPC and three subnets through raw EC2 Query calls
// (the module has no EC2 client).
func (s *Server) CreateNetwork(ctx context.Context) (Network, error) {
	var vpc struct {
		VpcID string `xml:"vpc>vpcId"`
	}
	if err := s.ec2Call(ctx, "CreateVpc", url.Values{"CidrBlock": {"10.0.0.0/16"}}, &vpc); err != nil {
		return Network{}, err
	}
	if vpc.VpcID == "" {
		return Network{}, errors.New("moto CreateVpc returned no VPC ID")
	}
	n := Network{VpcID: vpc.VpcID}
	for i, zone := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		var sn struct {
			SubnetID string `xml:"subnet>subnetId"`
		}
		if err := s.ec2Call(ctx, "CreateSubnet", url.Values{
			"VpcId": {vpc.VpcID}, "CidrBlock": {fmt.Sprintf("10.0.%d.0/24", i+1)}, "AvailabilityZone": {zone},
		}, &sn); err != nil {
			return Network{}, err
		}
		n.Subnets = append(n.Subnets, sn.SubnetID)
	}
	return n, nil
}

func (s *Server) ec2Call(ctx context.Context, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", "2016-11-15")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/", strings.NewReader(params.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto routes unsigned requests by the credential scope's service.
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

// Output is what moto printed so far (for failure messages).
func (s *Server) Output() string { return s.out.String() }
