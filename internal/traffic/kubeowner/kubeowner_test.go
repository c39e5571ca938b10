package kubeowner

import (
	"context"
	"errors"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// store is one Service with a resourceVersion; conflicts makes that many
// updates meet another writer first (a conflict, as the API server answers
// a stale resourceVersion).
type store struct {
	svc       corev1.Service
	conflicts int
	updates   int
}

func (s *store) object() Object[*corev1.Service] {
	return Object[*corev1.Service]{
		Get: func(context.Context) (*corev1.Service, error) { return s.svc.DeepCopy(), nil },
		Update: func(_ context.Context, svc *corev1.Service) error {
			if s.conflicts > 0 {
				s.conflicts--
				s.svc.ResourceVersion += "+"
				return apierrors.NewConflict(schema.GroupResource{Resource: "services"}, "web", errors.New("stale"))
			}
			if svc.ResourceVersion != s.svc.ResourceVersion {
				return apierrors.NewConflict(schema.GroupResource{Resource: "services"}, "web", errors.New("stale"))
			}
			s.updates++
			s.svc = *svc.DeepCopy()
			return nil
		},
		Wrap: func(op string, err error) error { return fmt.Errorf("%s service ns/web: %w", op, err) },
	}
}

func newStore(owner string) *store {
	s := &store{svc: corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", ResourceVersion: "1"}}}
	if owner != "" {
		s.svc.Annotations = map[string]string{Annotation: owner}
	}
	return s
}

func TestMark(t *testing.T) {
	ctx := context.Background()
	s := newStore("")
	s.conflicts = 2
	if other, err := Mark(ctx, s.object(), "a", false); other != "" || err != nil {
		t.Fatalf("claim of an unmarked object after 2 conflicts = %q, %v", other, err)
	}
	if Of(&s.svc) != "a" || s.updates != 1 {
		t.Fatalf("mark %q after %d updates, want a after 1", Of(&s.svc), s.updates)
	}
	if other, err := Mark(ctx, s.object(), "a", false); other != "" || err != nil || s.updates != 1 {
		t.Fatalf("claim by the owner again = %q, %v, %d updates; want nothing written", other, err, s.updates)
	}
	if other, err := Mark(ctx, s.object(), "b", false); other != "a" || err != nil || Of(&s.svc) != "a" || s.updates != 1 {
		t.Fatalf("claim by another = %q, %v (mark %q, %d updates); want owner a and nothing written", other, err, Of(&s.svc), s.updates)
	}
	if other, err := Mark(ctx, s.object(), "b", true); other != "" || err != nil || Of(&s.svc) != "b" {
		t.Fatalf("take-over = %q, %v (mark %q)", other, err, Of(&s.svc))
	}
	if _, err := Mark(ctx, s.object(), "", true); err == nil {
		t.Fatal("an empty owner ID was written")
	}
	s.conflicts = maxConflicts
	_, err := Mark(ctx, s.object(), "c", true)
	if !errors.Is(err, ErrKeptChanging) || err.Error() != "marking the owner of service ns/web: it kept changing under other writers" {
		t.Fatalf("mark under endless conflicts = %v", err)
	}
	if Of(&s.svc) != "b" {
		t.Fatalf("mark %q after failed take-over, want b", Of(&s.svc))
	}
}

func TestRelease(t *testing.T) {
	ctx := context.Background()
	s := newStore("a")
	s.svc.Annotations["other"] = "kept"
	if err := Release(ctx, s.object(), "b"); err != nil || Of(&s.svc) != "a" || s.updates != 0 {
		t.Fatalf("release by another = %v (mark %q, %d updates); want the mark kept", err, Of(&s.svc), s.updates)
	}
	s.conflicts = 1
	if err := Release(ctx, s.object(), "a"); err != nil || Of(&s.svc) != "" || s.svc.Annotations["other"] != "kept" {
		t.Fatalf("release by the owner = %v (annotations %v)", err, s.svc.Annotations)
	}
	s = newStore("a")
	s.conflicts = maxConflicts
	if err := Release(ctx, s.object(), "a"); !errors.Is(err, ErrKeptChanging) || Of(&s.svc) != "a" {
		t.Fatalf("release under endless conflicts = %v (mark %q)", err, Of(&s.svc))
	}
}

func TestNewID(t *testing.T) {
	a, b := NewID(), NewID()
	if len(a) != 32 || a == b {
		t.Fatalf("NewID: %q, %q", a, b)
	}
}
