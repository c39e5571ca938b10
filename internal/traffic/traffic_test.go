package traffic

import "testing"

func TestWeights_percentAndActiveColor(t *testing.T) {
	tests := []struct {
		name     string
		w        Weights
		green    float64
		active   Color
		activeOK bool
		_        bool // range checks live with each router
	}{
		{"all blue on percent scale", Weights{Blue: 100}, 0, Blue, true, false},
		{"all green on adoption scale", Weights{Green: 1}, 100, Green, true, false},
		{"canary 10%", Weights{Blue: 90, Green: 10}, 10, "", false, false},
		{"relative scale", Weights{Blue: 1, Green: 3}, 75, "", false, false},
		{"both zero", Weights{}, 0, "", false, false},
		{"too large", Weights{Blue: 1000}, 0, Blue, true, true},
		{"negative", Weights{Blue: -1, Green: 5}, 125, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.w.GreenPercent(); got != tt.green {
				t.Errorf("GreenPercent = %v, want %v", got, tt.green)
			}
			c, ok := tt.w.ActiveColor()
			if c != tt.active || ok != tt.activeOK {
				t.Errorf("ActiveColor = %q,%v want %q,%v", c, ok, tt.active, tt.activeOK)
			}
		})
	}
}

func TestSplit_isExactPercentScale(t *testing.T) {
	tests := []struct {
		c    Color
		p    int
		want Weights
	}{
		{Green, 10, Weights{Blue: 90, Green: 10}},
		{Green, 100, Weights{Blue: 0, Green: 100}},
		{Blue, 25, Weights{Blue: 25, Green: 75}},
		{Blue, 0, Weights{Blue: 0, Green: 100}},
		{Green, 150, Weights{Green: 100}},
		{"red", 50, Weights{}},
	}
	for _, tt := range tests {
		if got := Split(tt.c, tt.p); got != tt.want {
			t.Errorf("Split(%s,%d) = %v, want %v", tt.c, tt.p, got, tt.want)
		}
	}
}

func TestParseColor(t *testing.T) {
	if c, err := ParseColor(" Green "); err != nil || c != Green {
		t.Fatalf("ParseColor = %q, %v", c, err)
	}
	if _, err := ParseColor("red"); err == nil {
		t.Fatal("red should not parse")
	}
	if Blue.Other() != Green || Green.Other() != Blue || Color("x").Other() != "" {
		t.Fatal("Other")
	}
}
