#!/usr/bin/env bash
# Installs the real servers the router acceptance tests drive: HAProxy, Nginx
# and OpenSSH's sshd from Debian (installing them starts nothing; the tests
# start their own processes on loopback with their own configuration).
set -euo pipefail
need=()
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
/usr/sbin/haproxy -v | sed -n 1p
/usr/sbin/nginx -v 2>&1 | sed -n 1p
/usr/sbin/sshd -V 2>&1 | sed -n 1p || true
