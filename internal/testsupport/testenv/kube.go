package testenv

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// The Gateway API HTTPRoute CRD, copied unchanged from the
// sigs.k8s.io/gateway-api v1.6.3 module (config/crd/standard). It is
// embedded rather than read from the module cache so that the test binary
// needs nothing but the API server binaries; see testdata/gateway-api/README.md.
//
//go:embed testdata/gateway-api/gateway.networking.k8s.io_httproutes.yaml
var httpRouteCRD []byte

// HTTPRouteGVR is the Gateway API HTTPRoute resource the embedded CRD serves.
var HTTPRouteGVR = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// KubeServer is a real etcd and kube-apiserver running on loopback, with the
// Gateway API HTTPRoute CRD installed. There is no controller manager,
// scheduler or kubelet: nothing creates EndpointSlices, schedules Pods or
// sets their status, so tests set Pod status themselves through the status
// subresource (see SetPodReady).
type KubeServer struct {
	// Host is the API server URL, https://127.0.0.1:PORT.
	Host string
	// Token is a bearer token of a system:masters user.
	Token string
	// CAPEM verifies the API server's (self-signed) serving certificate.
	CAPEM []byte
	// ClientCertPEM and ClientKeyPEM authenticate a system:masters user by
	// client certificate.
	ClientCertPEM, ClientKeyPEM []byte
	// Config is a token-authenticated, TLS-verified client configuration.
	Config  *rest.Config
	Core    kubernetes.Interface
	Dynamic dynamic.Interface

	dir   string
	procs []*kubeProc
}

// kubeProc is one server process; done closes when it has exited.
type kubeProc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

var (
	kubeOnce   sync.Once
	kubeShared *KubeServer
	kubeErr    error
)

// KubeMain runs the package's tests and then stops the shared API server if
// a test started one. Use it from TestMain: os.Exit(testenv.KubeMain(m)).
func KubeMain(m *testing.M) int {
	code := m.Run()
	if kubeShared != nil {
		kubeShared.Stop()
	}
	return code
}

// Kube returns the test binary's shared API server, starting it on first use.
// It skips the test when bin/kube-apiserver or bin/etcd is missing, unless
// BLUEGREEN_REQUIRE_SERVERS=1, in which case the test fails. Call KubeMain
// from TestMain so the processes are stopped.
func Kube(t testing.TB) *KubeServer {
	t.Helper()
	apiserver, etcd, err := KubeBinaries()
	if err != nil {
		if os.Getenv("BLUEGREEN_REQUIRE_SERVERS") == "1" {
			t.Fatalf("%v (BLUEGREEN_REQUIRE_SERVERS=1; build them with scripts/kube.sh)", err)
		}
		t.Skipf("%v; build them with scripts/kube.sh", err)
	}
	kubeOnce.Do(func() {
		// The free ports are found by listening and closing; another process
		// on this machine may take one before the server binds it, so a
		// failed start is tried again on new ports.
		for range 3 {
			if kubeShared, kubeErr = StartKube(apiserver, etcd); kubeErr == nil {
				return
			}
		}
	})
	if kubeErr != nil {
		t.Fatalf("starting kube-apiserver: %v", kubeErr)
	}
	return kubeShared
}

// KubeBinaries finds kube-apiserver and etcd: $BLUEGREEN_KUBE_APISERVER and
// $BLUEGREEN_ETCD when set, else bin/ at the repository root.
func KubeBinaries() (apiserver, etcd string, err error) {
	apiserver, etcd = os.Getenv("BLUEGREEN_KUBE_APISERVER"), os.Getenv("BLUEGREEN_ETCD")
	if apiserver == "" || etcd == "" {
		root, rerr := kubeRepoRoot()
		if rerr != nil {
			return "", "", rerr
		}
		if apiserver == "" {
			apiserver = filepath.Join(root, "bin", "kube-apiserver")
		}
		if etcd == "" {
			etcd = filepath.Join(root, "bin", "etcd")
		}
	}
	for _, p := range []string{apiserver, etcd} {
		if st, serr := os.Stat(p); serr != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return "", "", fmt.Errorf("%s not found or not executable", p)
		}
	}
	return apiserver, etcd, nil
}

func kubeRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// StartKube starts etcd and kube-apiserver on free loopback ports in a fresh
// temporary directory, waits until the API serves, and installs the
// HTTPRoute CRD. Stop removes everything.
func StartKube(apiserverBin, etcdBin string) (_ *KubeServer, err error) {
	dir, err := os.MkdirTemp("", "bluegreen-kube-")
	if err != nil {
		return nil, err
	}
	s := &KubeServer{dir: dir}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	ports, err := kubeFreePorts(3)
	if err != nil {
		return nil, err
	}
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	if err := s.start(etcdBin, "etcd",
		"--name=default",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync", "--log-level=warn",
	); err != nil {
		return nil, err
	}

	if err := s.writeCredentials(); err != nil {
		return nil, err
	}
	certDir := filepath.Join(dir, "certs")
	if err := s.start(apiserverBin, "kube-apiserver",
		"--etcd-servers="+clientURL,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", ports[2]),
		"--cert-dir="+certDir,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=AlwaysAllow",
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--client-ca-file="+filepath.Join(dir, "client-ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
	); err != nil {
		return nil, err
	}
	s.Host = fmt.Sprintf("https://127.0.0.1:%d", ports[2])

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := s.waitServing(ctx, filepath.Join(certDir, "apiserver.crt")); err != nil {
		return nil, err
	}
	if err := s.installCRD(ctx, httpRouteCRD, HTTPRouteGVR); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *KubeServer) start(bin, name string, args ...string) error {
	logf, err := os.Create(filepath.Join(s.dir, name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The servers die with the test binary even if it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	logf.Close()
	p := &kubeProc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	s.procs = append(s.procs, p)
	return nil
}

// Log returns the tail of a server's log ("etcd" or "kube-apiserver").
func (s *KubeServer) Log(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, name+".log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Stop kills the API server and etcd and removes their directory.
func (s *KubeServer) Stop() {
	// The API server first, then its storage.
	for i := len(s.procs) - 1; i >= 0; i-- {
		p := s.procs[i]
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	s.procs = nil
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

func kubeFreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// writeCredentials writes the service-account key pair, the token file and a
// client CA with one system:masters client certificate, all from Go crypto.
func (s *KubeServer) writeCredentials() error {
	sa, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		return err
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return err
	}
	s.Token = hex.EncodeToString(tok)

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bluegreen-test-client-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	clientKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	clientTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "cert-admin", Organization: []string{"system:masters"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	clientDER, err := x509.CreateCertificate(rand.Reader, clientTmpl, caCert, &clientKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	clientKeyDER, err := x509.MarshalECPrivateKey(clientKey)
	if err != nil {
		return err
	}
	s.ClientCertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: clientDER})
	s.ClientKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: clientKeyDER})

	files := map[string][]byte{
		"sa.key":        pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(sa)}),
		"sa.pub":        pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"tokens.csv":    []byte(s.Token + ",admin,admin,system:masters\n"),
		"client-ca.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(s.dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// waitServing waits for the API server's self-signed certificate, then until
// it answers authenticated requests and has created the default namespace.
func (s *KubeServer) waitServing(ctx context.Context, certFile string) error {
	var last error
	for {
		if err := s.exited(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("kube-apiserver did not serve in time: %v\n--- kube-apiserver log ---\n%s", last, s.Log("kube-apiserver"))
		}
		last = s.tryServing(ctx, certFile)
		if last == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *KubeServer) tryServing(ctx context.Context, certFile string) error {
	if s.Core == nil {
		ca, err := os.ReadFile(certFile)
		if err != nil {
			return err
		}
		s.CAPEM = ca
		s.Config = &rest.Config{
			Host: s.Host, BearerToken: s.Token,
			TLSClientConfig: rest.TLSClientConfig{CAData: ca},
			QPS:             100, Burst: 200, Timeout: 30 * time.Second,
		}
		if s.Core, err = kubernetes.NewForConfig(s.Config); err != nil {
			return err
		}
		if s.Dynamic, err = dynamic.NewForConfig(s.Config); err != nil {
			return err
		}
	}
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := s.Core.CoreV1().Namespaces().Get(c, "default", metav1.GetOptions{})
	return err
}

func (s *KubeServer) exited() error {
	for _, p := range s.procs {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v)\n--- %s log ---\n%s", p.name, p.err, p.name, s.Log(p.name))
		default:
		}
	}
	return nil
}

// installCRD creates a CRD from YAML and waits until its resource serves.
func (s *KubeServer) installCRD(ctx context.Context, manifest []byte, gvr schema.GroupVersionResource) error {
	js, err := yaml.YAMLToJSON(manifest)
	if err != nil {
		return fmt.Errorf("parsing CRD: %w", err)
	}
	var obj unstructured.Unstructured
	if err := obj.UnmarshalJSON(js); err != nil {
		return fmt.Errorf("parsing CRD: %w", err)
	}
	if _, err := s.Dynamic.Resource(crdGVR).Create(ctx, &obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating CRD %s: %w", obj.GetName(), err)
	}
	for {
		_, err := s.Dynamic.Resource(gvr).Namespace("default").List(ctx, metav1.ListOptions{Limit: 1})
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("CRD %s did not become served: %w", obj.GetName(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var kubeNameUnsafe = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a fresh namespace for the test, with the "default"
// ServiceAccount the ServiceAccount admission plugin requires of Pods (no
// controller manager creates it here). Namespaces are not deleted: without a
// controller manager nothing would finalize them, and the whole server is
// thrown away at the end of the test binary.
func (s *KubeServer) Namespace(t testing.TB) string {
	t.Helper()
	base := kubeNameUnsafe.ReplaceAllString(strings.ToLower(t.Name()), "-")
	base = strings.Trim(base, "-")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-")
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := base + "-" + hex.EncodeToString(suffix)
	ctx := context.Background()
	if _, err := s.Core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	if _, err := s.Core.CoreV1().ServiceAccounts(name).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating the default service account in %s: %v", name, err)
	}
	return name
}

// CreatePod creates a Pod with the given labels (one container, never
// scheduled: there is no scheduler or kubelet) and, when ready is true, marks
// it Running and Ready with a pod IP through the status subresource.
func (s *KubeServer) CreatePod(t testing.TB, namespace, name string, labels map[string]string, ready bool) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example.invalid/app:1"}}},
	}
	created, err := s.Core.CoreV1().Pods(namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating pod %s/%s: %v", namespace, name, err)
	}
	return s.SetPodReady(t, created, ready)
}

var podIPs struct {
	sync.Mutex
	next int
}

// SetPodReady writes the Pod's status as a kubelet would: Running with a pod
// IP and Ready=True, or Running with Ready=False and the container waiting in
// CrashLoopBackOff.
func (s *KubeServer) SetPodReady(t testing.TB, pod *corev1.Pod, ready bool) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	cur, err := s.Core.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	if cur.Status.PodIP == "" {
		podIPs.Lock()
		podIPs.next++
		n := podIPs.next
		podIPs.Unlock()
		ip := fmt.Sprintf("10.244.%d.%d", n/250, n%250+1)
		cur.Status.PodIP, cur.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	}
	now := metav1.Now()
	cur.Status.Phase = corev1.PodRunning
	status := corev1.ConditionFalse
	cs := corev1.ContainerStatus{Name: "app", Image: "example.invalid/app:1"}
	if ready {
		status = corev1.ConditionTrue
		cs.Ready = true
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: now}
	} else {
		cs.RestartCount = 3
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off restarting failed container"}
	}
	cur.Status.ContainerStatuses = []corev1.ContainerStatus{cs}
	cur.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReady, Status: status, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: status, LastTransitionTime: now},
	}
	out, err := s.Core.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("setting status of pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return out
}

// Kubeconfig writes a kubeconfig for the server with two contexts, "token"
// (bearer token) and "cert" (client certificate), current context "token",
// and returns its path (inside t.TempDir()).
func (s *KubeServer) Kubeconfig(t testing.TB) string {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: token-user
  user:
    token: %s
- name: cert-user
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: token
  context: {cluster: test, user: token-user}
- name: cert
  context: {cluster: test, user: cert-user}
current-context: token
`, s.Host, b64(s.CAPEM), s.Token, b64(s.ClientCertPEM), b64(s.ClientKeyPEM))
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
