package notify

import (
	"context"
	"strings"
	"testing"
)

// Slack, Discord and Teams incoming webhooks carry their secret in the URL's
// path, not its query: the name shown in diagnostics (and in a transport
// error's text) must not show it either.
func TestWebhook_pathTokenNeverShown(t *testing.T) {
	const token = "XyZsecretTOKEN123"
	w := webhook(t, WebhookConfig{URL: "http://127.0.0.1:1/services/T000/B000/" + token, Attempts: 1})
	if strings.Contains(w.Name(), token) {
		t.Errorf("name %q shows the path's token", w.Name())
	}
	err := w.Notify(context.Background(), Event{Type: ShiftFinished, ID: "x"}, []byte("{}"))
	if err == nil {
		t.Fatal("posting to a closed port must fail")
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error %q shows the path's token", err)
	}
}
