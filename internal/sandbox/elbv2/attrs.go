package elbv2

// attrList is an ordered key/value list (AWS returns attributes as a list).
type attrList struct {
	keys []string
	vals map[string]string
}

func newAttrs(kv ...string) *attrList {
	a := &attrList{vals: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		a.set(kv[i], kv[i+1])
	}
	return a
}

func (a *attrList) set(k, v string) {
	if _, ok := a.vals[k]; !ok {
		a.keys = append(a.keys, k)
	}
	a.vals[k] = v
}

func (a *attrList) get(k string) (string, bool) {
	v, ok := a.vals[k]
	return v, ok
}

func (a *attrList) clone() *attrList {
	b := &attrList{keys: append([]string(nil), a.keys...), vals: map[string]string{}}
	for k, v := range a.vals {
		b.vals[k] = v
	}
	return b
}

func (a *attrList) toMap() map[string]string {
	m := make(map[string]string, len(a.vals))
	for k, v := range a.vals {
		m[k] = v
	}
	return m
}

func (w *xw) attrs(a *attrList) {
	if len(a.keys) == 0 {
		w.empty("Attributes")
		return
	}
	w.open("Attributes")
	for _, k := range a.keys {
		w.open("member")
		w.str("Key", k)
		w.str("Value", a.vals[k])
		w.close("member")
	}
	w.close("Attributes")
}

// Default load balancer attributes, as DescribeLoadBalancerAttributes reports
// them for a new load balancer of each type.
func defaultLBAttrs(typ string) *attrList {
	switch typ {
	case lbTypeNetwork:
		return newAttrs(
			"access_logs.s3.enabled", "false",
			"access_logs.s3.bucket", "",
			"access_logs.s3.prefix", "",
			"deletion_protection.enabled", "false",
			"dns_record.client_routing_policy", "any_availability_zone",
			"load_balancing.cross_zone.enabled", "false",
			"zonal_shift.config.enabled", "false",
		)
	case lbTypeGateway:
		return newAttrs(
			"deletion_protection.enabled", "false",
			"load_balancing.cross_zone.enabled", "false",
		)
	}
	return newAttrs(
		"access_logs.s3.enabled", "false",
		"access_logs.s3.bucket", "",
		"access_logs.s3.prefix", "",
		"client_keep_alive.seconds", "3600",
		"connection_logs.s3.enabled", "false",
		"connection_logs.s3.bucket", "",
		"connection_logs.s3.prefix", "",
		"deletion_protection.enabled", "false",
		"health_check_logs.s3.enabled", "false",
		"health_check_logs.s3.bucket", "",
		"health_check_logs.s3.prefix", "",
		"idle_timeout.timeout_seconds", "60",
		"routing.http.desync_mitigation_mode", "defensive",
		"routing.http.drop_invalid_header_fields.enabled", "false",
		"routing.http.preserve_host_header.enabled", "false",
		"routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false",
		"routing.http.xff_client_port.enabled", "false",
		"routing.http.xff_header_processing.mode", "append",
		"routing.http2.enabled", "true",
		"waf.fail_open.enabled", "false",
		"load_balancing.cross_zone.enabled", "true",
		"zonal_shift.config.enabled", "false",
	)
}

// Default target group attributes, per protocol / target type.
func defaultTGAttrs(tg *targetGroup) *attrList {
	health := []string{
		"target_group_health.dns_failover.minimum_healthy_targets.count", "1",
		"target_group_health.dns_failover.minimum_healthy_targets.percentage", "off",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off",
	}
	switch {
	case tg.targetType == targetTypeLambda:
		return newAttrs(
			"lambda.multi_value_headers.enabled", "false",
		)
	case tg.protocol == "HTTP" || tg.protocol == "HTTPS":
		return newAttrs(append([]string{
			"deregistration_delay.timeout_seconds", "300",
			"stickiness.enabled", "false",
			"stickiness.type", "lb_cookie",
			"stickiness.lb_cookie.duration_seconds", "86400",
			"stickiness.app_cookie.cookie_name", "",
			"stickiness.app_cookie.duration_seconds", "86400",
			"slow_start.duration_seconds", "0",
			"load_balancing.algorithm.type", "round_robin",
			"load_balancing.algorithm.anomaly_mitigation", "off",
			"load_balancing.cross_zone.enabled", "use_load_balancer_configuration",
		}, health...)...)
	case tg.protocol == "GENEVE":
		return newAttrs(
			"deregistration_delay.timeout_seconds", "300",
			"stickiness.enabled", "false",
			"stickiness.type", "source_ip_dest_ip_proto",
			"target_failover.on_deregistration", "no_rebalance",
			"target_failover.on_unhealthy", "no_rebalance",
		)
	}
	// TCP, TLS, UDP, TCP_UDP, QUIC, TCP_QUIC (Network Load Balancer)
	preserve := "true"
	if tg.targetType == targetTypeIP && (tg.protocol == "TCP" || tg.protocol == "TLS") {
		preserve = "false"
	}
	connTerm := "false"
	if tg.protocol == "UDP" || tg.protocol == "TCP_UDP" {
		connTerm = "true"
	}
	return newAttrs(append([]string{
		"deregistration_delay.timeout_seconds", "300",
		"deregistration_delay.connection_termination.enabled", connTerm,
		"stickiness.enabled", "false",
		"stickiness.type", "source_ip",
		"proxy_protocol_v2.enabled", "false",
		"preserve_client_ip.enabled", preserve,
		"load_balancing.cross_zone.enabled", "use_load_balancer_configuration",
		"target_health_state.unhealthy.connection_termination.enabled", "true",
		"target_health_state.unhealthy.draining_interval_seconds", "0",
	}, health...)...)
}
