package moto

import (
	"context"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/motoserver"
)

// requiredMoto is the moto release the differential suite was calibrated
// against; knownDifferences describe this version.
const requiredMoto = motoserver.RequiredVersion

// motoServer is a moto standalone server started by the test.
type motoServer struct {
	url string
	srv *motoserver.Server
}

// requireMoto skips the test when moto is not installed, or fails it in CI
// (BLUEGREEN_REQUIRE_MOTO=1), where the differential suite must run.
func requireMoto(t *testing.T) {
	t.Helper()
	version, err := motoserver.Version()
	switch {
	case err != nil:
		msg := "moto " + requiredMoto + " is required for the differential suite: " + err.Error()
		if motoserver.Required() {
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
	s, err := motoserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &motoServer{url: s.URL, srv: s}
}

// network is a VPC with subnets in different zones, created in moto (which
// checks that they exist) and used verbatim against the sandbox (which has no
// EC2 and accepts any well-formed IDs).
type network struct {
	vpcID   string
	subnets []string
}

func (m *motoServer) createNetwork(ctx context.Context) (network, error) {
	n, err := m.srv.CreateNetwork(ctx)
	return network{vpcID: n.VpcID, subnets: n.Subnets}, err
}
