#!/usr/bin/env bash
# Makes sure the services and system packages the tests use are here. On Debian as root it
# installs what is missing; elsewhere it prints the exact command and fails.
set -euo pipefail

need_apt=()
# Redis: scale-out tests need one on 127.0.0.1:6379.
if ! command -v redis-server >/dev/null; then need_apt+=(redis-server); fi
# HAProxy: scale-out tests put a sticky load balancer in front of the nodes (deploy/haproxy.cfg).
if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then need_apt+=(haproxy); fi
# nginx: the same tests behind the ip_hash load balancer of deploy/nginx.conf.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then need_apt+=(nginx); fi
# Prometheus: the monitoring tests run the real prometheus and promtool against the rule files.
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then need_apt+=(prometheus); fi
# Chromium: the admin UI browser test drives Debian's /usr/bin/chromium (never a downloaded one).
if [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
# python-socketio: a non-JS client, with Debian's own interpreter (test/python-client.test.ts).
if ! /usr/bin/python3 -c 'import socketio, requests, websocket' >/dev/null 2>&1; then
  need_apt+=(python3-socketio python3-requests python3-websocket)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing ${need_apt[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    # Under systemd, Debian's package starts nginx on port 80: the tests run their own instead.
    if [[ " ${need_apt[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then systemctl disable --now nginx >/dev/null; fi
  else
    echo "test: missing system packages; run: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "test: starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
