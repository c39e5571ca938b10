package nginx_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
)

// The source texts' script keys its map entry on "" under `map $http_host`:
// that entry matches only requests without a Host header, so every HTTP/1.1
// request keeps going to the map's default — the script's flip to green
// moves nothing, and it reports success.
func TestSeedScript_mapKeyNeverMatches(t *testing.T) {
	n, mapFile := startSeedLayout(t)
	ctx := context.Background()
	// The text's own content for "green is active", then its reload.
	if err := os.WriteFile(mapFile, []byte("default blue_backend;\n\"\" green_backend;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (remote.Local{}).Run(ctx, append(append([]string{n.Bin}, n.Args()...), "-s", "reload"), nil); err != nil {
		t.Fatal(err)
	}
	got := countColorsAfterReload(t, n)
	if got["green"] != 0 || got["blue"] != 20 {
		t.Fatalf("answers %v: the \"\" key was expected never to match a request with a Host header", got)
	}
}

// The text's canary step writes two values for one map key ("" a 90; "" b
// 10;). Nginx rejects that file; the text reloads without `nginx -t`, the
// master keeps the old configuration, and the script carries on as if 10%
// had moved. The router refuses before reloading (TestSet_failingConfigTest…).
func TestSeedScript_canaryStepIsInvalidNginx(t *testing.T) {
	n, mapFile := startSeedLayout(t)
	if err := os.WriteFile(mapFile, []byte("# Despliegue canary - 10% a green\n\"\" blue_backend 90;\n\"\" green_backend 10;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := (remote.Local{}).Run(context.Background(), append(append([]string{n.Bin}, n.Args()...), "-t", "-q"), nil)
	if err == nil || !strings.Contains(err.Error(), "invalid number of the map parameters") {
		t.Fatalf("nginx -t on the text's canary map: %v", err)
	}
}

func countColorsAfterReload(t *testing.T, n *testenv.Nginx) map[string]int {
	t.Helper()
	// Wait (bounded) for the reload to be applied: the old worker retitles
	// itself once the master has started the new one.
	waitReloaded(t, n)
	return countColors(t, n.URL+"/", 20)
}

func waitReloaded(t *testing.T, n *testenv.Nginx) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if strings.Count(n.Log(), "gracefully shutting down") > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond) // polling the log, not proving an absence
	}
	t.Fatalf("nginx did not reload:\n%s", n.Log())
}
