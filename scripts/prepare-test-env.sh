#!/usr/bin/env bash
# Prepares this machine for the test suite: Debian's InfluxDB 1.x, Chromium,
# Prometheus and Alertmanager are installed when absent (tests start and stop their own
# instances, bound to 127.0.0.1 with data in temp folders); Postgres and Redis must
# answer on 127.0.0.1 and are started with the machine's own commands if they do not.
set -euo pipefail

need=()
command -v influxd >/dev/null 2>&1 || need+=(influxdb)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)

if [ ${#need[@]} -gt 0 ]; then
  echo "prepare: installing ${need[*]} from Debian's packages"
  if [ "$(id -u)" -ne 0 ]; then
    echo "prepare: need root to apt-get install ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Debian's packages may start their daemons on install where an init system exists;
# tests run their own instances on free ports, so none of those are needed.

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "prepare: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "prepare: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
for i in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "prepare: PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) does not answer" >&2
exit 1
