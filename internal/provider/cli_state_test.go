package provider

import (
	"encoding/json"
	"testing"
)

// showValues returns the values of address in the JSON of `terraform show
// -json` (state), and whether it is there.
func showValues(t *testing.T, raw []byte, address string) (map[string]any, bool) {
	t.Helper()
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string
					Values  map[string]any
				}
			} `json:"root_module"`
		}
	}
	if len(raw) == 0 {
		return nil, false
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("state JSON: %v\n%s", err, raw)
	}
	for _, r := range st.Values.RootModule.Resources {
		if r.Address == address {
			return r.Values, true
		}
	}
	return nil, false
}
