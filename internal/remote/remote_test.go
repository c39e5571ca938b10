package remote

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocal_filesAndCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h := Local{}
	tmp, final := filepath.Join(dir, "a.tmp"), filepath.Join(dir, "a.conf")
	if err := h.WriteFile(ctx, tmp, []byte("weight 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.Rename(ctx, tmp, final); err != nil {
		t.Fatal(err)
	}
	got, err := h.ReadFile(ctx, final)
	if err != nil || string(got) != "weight 10\n" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	if _, err := h.ReadFile(ctx, tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("old path after rename: %v, want not-exist", err)
	}
	if err := h.Remove(ctx, tmp); err != nil {
		t.Fatalf("removing a missing file: %v", err)
	}
	out, err := h.Run(ctx, []string{"cat"}, []byte("in"))
	if err != nil || string(out) != "in" {
		t.Fatalf("cat = %q, %v", out, err)
	}
	_, err = h.Run(ctx, []string{"sh", "-c", "echo broken >&2; exit 3"}, nil)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || !strings.Contains(ee.Error(), "broken") {
		t.Fatalf("exit error = %v", err)
	}
}
