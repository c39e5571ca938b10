package cloudwatchmetrics

// NewCurrentMinute builds the check as it was before it knew CloudWatch's
// publication delay: it reads [window before now, now], the minute in
// progress included. For the tests that show why that fails on AWS.
func NewCurrentMinute(api GetMetricDataAPI, cfg Config) (*Check, error) {
	c, err := New(api, cfg)
	if err != nil {
		return nil, err
	}
	c.currentMinute = true
	return c, nil
}

// NewTarget5xxOnly builds the check as it was before it counted connection
// errors and ELB 5xx: max_5xx_rate reads HTTPCode_Target_5XX_Count alone. For
// the tests that show a crashing release passing that check.
func NewTarget5xxOnly(api GetMetricDataAPI, cfg Config) (*Check, error) {
	c, err := New(api, cfg)
	if err != nil {
		return nil, err
	}
	c.target5xxOnly = true
	return c, nil
}
