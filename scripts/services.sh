#!/usr/bin/env bash
# Idempotent: start RabbitMQ and/or PostgreSQL on this machine (no systemd needed) and wait.
#   scripts/services.sh                 # both
#   scripts/services.sh rabbitmq        # only the broker (enough for `hub up`)
# RABBITMQ_MANAGEMENT=0 skips enabling the management UI; SERVICE_TIMEOUT (s) bounds each wait.
set -euo pipefail

TIMEOUT=${SERVICE_TIMEOUT:-120}
PG_HBA_MARK="# added by delivery-hub scripts/services.sh"

say() { printf '\033[1m[services]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[services] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {  # name port hint
  local deadline=$((SECONDS + TIMEOUT))
  until listening "$2"; do
    ((SECONDS < deadline)) || die "$1 is not listening on 127.0.0.1:$2 after ${TIMEOUT}s; $3"
    sleep 1
  done
  say "$1 is up on 127.0.0.1:$2"
}

raise_file_handle_limit() {
  # A broker started by someone else may run with nofile=1024: lift its handle cache limit
  # (the same call RabbitMQ makes at boot from the ulimit), so test runs with many quorum
  # queues don't exhaust it. Harmless when the limit is already higher.
  as_root rabbitmqctl -q eval \
    'case file_handle_cache:get_limit() < 8000 of true -> file_handle_cache:set_limit(8000); false -> ok end.' \
    >/dev/null 2>&1 || say "could not raise RabbitMQ's file handle limit; carrying on"
}

# True if the broker answers the AMQP protocol header (Connection.Start): a broker that listens
# but has run out of file handles accepts TCP and then never reads (RabbitMQ 3.10).
amqp_answers() {
  timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672; printf "AMQP\0\0\x09\x01" >&3;
    head -c 1 <&3 | od -An -tx1 | grep -q 01' 2>/dev/null
}

launch_rabbitmq() {
  # Each quorum queue holds several file handles; Debian's default 1024 runs out at a few
  # hundred queues and the broker then hangs on queue and vhost operations.
  as_root bash -c 'ulimit -n 65536 2>/dev/null || true; exec rabbitmq-server -detached'
}

# `rabbitmq-server -detached` returns before the node registers with epmd, and
# `await_startup` gives up at once on a node that is "not running at all": retry until it is.
await_rabbitmq() {
  local deadline=$((SECONDS + TIMEOUT))
  until as_root rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "RabbitMQ did not start within ${TIMEOUT}s; see /var/log/rabbitmq/"
    sleep 1
  done
}

start_rabbitmq() {
  command -v rabbitmq-server >/dev/null || die "rabbitmq-server not installed: run scripts/setup.sh"
  if ! listening 5672; then
    if ! as_root rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
      say "starting RabbitMQ"
      launch_rabbitmq
    fi
    await_rabbitmq
  fi
  wait_for_port RabbitMQ 5672 "see /var/log/rabbitmq/"
  raise_file_handle_limit
  if ! amqp_answers; then
    say "RabbitMQ listens but does not answer AMQP (out of file handles?): restarting it"
    as_root pkill -9 -f 'beam.smp.*rabbit' || true
    sleep 2
    launch_rabbitmq
    await_rabbitmq
    raise_file_handle_limit
    amqp_answers || die "RabbitMQ does not answer AMQP on 127.0.0.1:5672; see /var/log/rabbitmq/"
  fi
  [[ ${RABBITMQ_MANAGEMENT:-1} == 1 ]] && enable_management
  return 0
}

enable_management() {
  if as_root rabbitmq-plugins -q list -e -m rabbitmq_management 2>/dev/null \
    | grep -qx rabbitmq_management; then
    return
  fi
  say "enabling rabbitmq_management (UI on http://127.0.0.1:15672, guest/guest)"
  as_root rabbitmq-plugins -q enable rabbitmq_management >/dev/null \
    || say "could not enable rabbitmq_management; carrying on without the UI"
}

pg_version() {
  [[ -d /etc/postgresql ]] || die "PostgreSQL not installed: run scripts/setup.sh"
  ls /etc/postgresql | sort -V | tail -n 1
}

start_postgres() {
  local version
  version=$(pg_version)
  if ! listening 5432; then
    if [[ ! -d /etc/postgresql/$version/main ]]; then
      say "creating PostgreSQL $version cluster 'main'"
      as_root pg_createcluster "$version" main
    fi
    say "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  wait_for_port PostgreSQL 5432 "see /var/log/postgresql/"
  ensure_local_trust "$version"
}

# The tests connect as postgres@127.0.0.1 without a password (as on the CI machine).
ensure_local_trust() {
  local hba="/etc/postgresql/$1/main/pg_hba.conf"
  if psql -h 127.0.0.1 -U postgres -d postgres -w -tAc 'select 1' >/dev/null 2>&1; then
    return
  fi
  as_root grep -qF "$PG_HBA_MARK" "$hba" && die "postgres@127.0.0.1 still refused; check $hba"
  say "allowing local trust auth for user postgres on 127.0.0.1 and ::1 ($hba)"
  as_root sed -i "1i $PG_HBA_MARK\nhost all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust" "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$1" main reload
  local deadline=$((SECONDS + 30))
  until psql -h 127.0.0.1 -U postgres -d postgres -w -tAc 'select 1' >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "postgres@127.0.0.1 still refused after editing $hba"
    sleep 1
  done
}

services=("$@")
((${#services[@]})) || services=(rabbitmq postgres)
for service in "${services[@]}"; do
  case $service in
    rabbitmq) start_rabbitmq ;;
    postgres | postgresql) start_postgres ;;
    *) die "unknown service '$service' (rabbitmq, postgres)" ;;
  esac
done
