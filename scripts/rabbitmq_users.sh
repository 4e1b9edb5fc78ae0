#!/usr/bin/env bash
# Least-privilege RabbitMQ users, one per hub process role (idempotent; run as root or sudo):
#
#   hub-worker  consumes, declares and publishes the hub's own queues and exchanges
#   hub-web     declares the topology and publishes (its outbox relay); consumes nothing
#   hub-relay   only publishes to the hub's bus exchange (a process that runs just the relay)
#
# scripts/rabbitmq_users.sh [--vhost /] [--prefix hub.] [--out var/rabbitmq-users.env]
#                           [--user-suffix S]   (users hub-worker<S>…: several hubs on one broker)
# Passwords are random, written (0600) to the --out file as HUB_AMQP_URL lines per role and
# kept across runs. Each process then gets its own HUB_AMQP_URL; guest stays for development.
set -euo pipefail

VHOST=/
PREFIX=hub.
OUT=var/rabbitmq-users.env
SUFFIX=
while (($#)); do
  case $1 in
    --vhost) VHOST=$2; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --user-suffix) SUFFIX=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
ctl() { as_root rabbitmqctl -q "$@"; }

quoted=${PREFIX//./\\.}  # the prefix as a regular expression
declare -A CONFIGURE=([hub-worker]="^${quoted}" [hub-web]="^${quoted}" [hub-relay]="^${quoted}bus\$")
# The web process declares the topology too (so parking queues exist without workers): a bind
# reads its source exchange, and a retry queue dead-letters to the default exchange, so it
# reads those; it can consume no work or parking queue.
declare -A WRITE=([hub-worker]="^(${quoted}.*|amq\\.default)\$" [hub-web]="^(${quoted}.*|amq\\.default)\$" [hub-relay]="^${quoted}bus\$")
declare -A READ=([hub-worker]="^${quoted}" [hub-web]="^${quoted}(dlx|retry|retry\\..*)\$" [hub-relay]="^\$")

mkdir -p "$(dirname "$OUT")"
touch "$OUT"
chmod 600 "$OUT"
existing_users=$(ctl list_users --no-table-headers | awk '{print $1}')
for user in hub-worker hub-web hub-relay; do
  key="RABBITMQ_PASSWORD_${user//-/_}"
  password=$(grep -E "^${key}=" "$OUT" | cut -d= -f2- || true)
  if [[ -z $password ]]; then
    password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
    echo "${key}=${password}" >> "$OUT"
  fi
  login="${user}${SUFFIX}"
  if grep -qx "$login" <<<"$existing_users"; then
    ctl change_password "$login" "$password" >/dev/null
  else
    ctl add_user "$login" "$password" >/dev/null
  fi
  ctl set_permissions -p "$VHOST" "$login" "${CONFIGURE[$user]}" "${WRITE[$user]}" "${READ[$user]}" >/dev/null
done
echo "[rabbitmq-users] hub-worker${SUFFIX}, hub-web${SUFFIX}, hub-relay${SUFFIX} on vhost $VHOST for prefix '$PREFIX'; passwords in $OUT"
