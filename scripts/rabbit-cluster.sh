#!/usr/bin/env bash
# A real 3-node RabbitMQ cluster on this one machine, beside the system broker on 5672.
#   scripts/rabbit-cluster.sh start        # idempotent; prints the AMQP URLs
#   scripts/rabbit-cluster.sh status       # each node: running or not, and the cluster's members
#   scripts/rabbit-cluster.sh urls         # the AMQP URLs, comma-separated (for HUB_AMQP_URL)
#   scripts/rabbit-cluster.sh pid N        # the OS pid of node N's Erlang VM (to kill -9 it)
#   scripts/rabbit-cluster.sh ctl N ARGS   # rabbitmqctl against node N (e.g. list_connections)
#   scripts/rabbit-cluster.sh queues N ARGS  # rabbitmq-queues against node N (quorum_status Q)
#   scripts/rabbit-cluster.sh stop         # stop every node and remove the state dir
# Nodes hubc1..3@localhost, AMQP on 5681..5683 (HUB_CLUSTER_PORT_BASE=5680), Erlang distribution
# on 25681..25683, no plugins, state (mnesia, logs, cookie) under HUB_CLUSTER_DIR
# (default /tmp/hub-rabbit-cluster); HUB_CLUSTER_NET_TICKTIME=N sets Erlang's net_ticktime (s).
# Runs the RabbitMQ scripts as the calling user (root here) with HOME in the state dir, so the
# three nodes share a cookie of their own and never the system node's; /usr/sbin/rabbitmqctl
# would switch to the rabbitmq user and its cookie.
set -euo pipefail

STATE=${HUB_CLUSTER_DIR:-/tmp/hub-rabbit-cluster}
BASE=${HUB_CLUSTER_PORT_BASE:-5680}
NODES=(1 2 3)
TIMEOUT=${HUB_CLUSTER_TIMEOUT:-120}
BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}

say() { printf '[rabbit-cluster] %s\n' "$*" >&2; }
die() { printf '[rabbit-cluster] error: %s\n' "$*" >&2; exit 1; }

node_name() { echo "hubc$1@localhost"; }
amqp_port() { echo $((BASE + $1)); }
dist_port() { echo $((20000 + BASE + $1)); }
url() { echo "amqp://guest:guest@127.0.0.1:$(amqp_port "$1")/"; }
urls() { local IFS=,; local all=(); for n in "${NODES[@]}"; do all+=("$(url "$n")"); done; echo "${all[*]}"; }

# The environment one node's scripts run in: everything of its own, nothing of /etc/rabbitmq.
node_env() {  # N -> env assignments
  local n=$1 dir="$STATE/node$1"
  echo HOME="$STATE/home" \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
    RABBITMQ_DIST_PORT="$(dist_port "$n")" \
    RABBITMQ_CONF_ENV_FILE="$STATE/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_MNESIA_DIR="$dir/mnesia/$(node_name "$n")" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$dir/pid" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    ERL_CRASH_DUMP="$dir/log/erl_crash.dump"
}

on_node() {  # N command args...
  local n=$1; shift
  env $(node_env "$n") "$@"
}

ctl() {  # N rabbitmqctl-args...
  local n=$1; shift
  on_node "$n" "$BIN/rabbitmqctl" -n "$(node_name "$n")" "$@"
}

# (Without the state dir there is no cookie: the CLI would crash and leave erl_crash.dump.)
running() { [[ -f $STATE/home/.erlang.cookie ]] && ctl "$1" -q status >/dev/null 2>&1; }

prepare() {
  mkdir -p "$STATE/home"
  if [[ ! -f $STATE/home/.erlang.cookie ]]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE/home/.erlang.cookie"
    chmod 400 "$STATE/home/.erlang.cookie"
  fi
  echo '[].' >"$STATE/enabled_plugins"
  : >"$STATE/rabbitmq-env.conf"
  for n in "${NODES[@]}"; do
    local dir="$STATE/node$n"
    mkdir -p "$dir/mnesia" "$dir/log"
    # Loopback only, like the system broker; guest may log in from localhost (the default).
    cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$(amqp_port "$n")
loopback_users.guest = true
cluster_partition_handling = pause_minority
EOF
    # HUB_CLUSTER_NET_TICKTIME: how soon the nodes give up on a silent (frozen) peer; Erlang's
    # default of 60 s holds queue declarations on the others for about a minute.
    local kernel='{inet_dist_use_interface, {127,0,0,1}}'
    [[ -n ${HUB_CLUSTER_NET_TICKTIME:-} ]] && kernel+=", {net_ticktime, ${HUB_CLUSTER_NET_TICKTIME}}"
    echo "[{kernel, [$kernel]}]." >"$dir/advanced.config"
  done
}

launch() {  # N
  local n=$1
  say "starting $(node_name "$n") on 127.0.0.1:$(amqp_port "$n")"
  # Each quorum queue holds file handles; the default 1024 runs out at a few hundred queues.
  (ulimit -n 65536 2>/dev/null || true
   on_node "$n" setsid "$BIN/rabbitmq-server" >"$STATE/node$n/log/console.log" 2>&1 &)
}

await_node() {  # N: `await_startup` gives up at once on a node not yet registered with epmd
  local deadline=$((SECONDS + TIMEOUT))
  until ctl "$1" -q await_startup --timeout 10 >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$(node_name "$1") did not start in ${TIMEOUT}s; see $STATE/node$1/log"
    sleep 1
  done
}

member_of_cluster() {  # N: does node 1's cluster list this node as running?
  ctl 1 -q cluster_status --formatter json 2>/dev/null \
    | python3 -c 'import json,sys; sys.exit(0 if sys.argv[1] in json.load(sys.stdin).get("running_nodes", []) else 1)' \
      "$(node_name "$1")"
}

join() {  # N: join node 1's cluster (a fresh node only: join_cluster resets nothing by itself)
  local n=$1
  member_of_cluster "$n" && return 0
  say "joining $(node_name "$n") to $(node_name 1)"
  local log="$STATE/node$n/log/join.log"
  { ctl "$n" -q stop_app && ctl "$n" -q reset && ctl "$n" -q join_cluster "$(node_name 1)" \
      && ctl "$n" -q start_app; } >"$log" 2>&1 || die "$(node_name "$n") could not join; see $log"
  await_node "$n"
}

start() {
  local began=$SECONDS
  command -v "$BIN/rabbitmq-server" >/dev/null || die "rabbitmq-server is not installed ($BIN)"
  prepare
  for n in "${NODES[@]}"; do running "$n" || launch "$n"; done
  for n in "${NODES[@]}"; do await_node "$n"; done
  for n in "${NODES[@]:1}"; do join "$n"; done
  say "cluster of ${#NODES[@]} up in $((SECONDS - began))s (state $STATE)"
  urls
}

stop() {
  # All at once: a node left alone with pause_minority pauses, and a paused node answers
  # `status` slowly or not at all.
  local n pids=()
  for n in "${NODES[@]}"; do
    [[ -d $STATE/node$n ]] || continue
    say "stopping $(node_name "$n")"
    (ctl "$n" -q stop_app >/dev/null 2>&1; ctl "$n" -q stop >/dev/null 2>&1) &
    pids+=($!)
  done
  ((${#pids[@]})) && wait "${pids[@]}" || true
  # A node killed with -9 left nothing to stop; one that would not stop is killed by its pid.
  for n in "${NODES[@]}"; do
    local pid
    if pid=$(live_pid "$n"); then
      say "$(node_name "$n") did not stop; kill -9"
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$STATE"
  say "stopped; removed $STATE"
}

status() {
  for n in "${NODES[@]}"; do
    if running "$n"; then echo "$(node_name "$n") running $(url "$n")"
    else echo "$(node_name "$n") down"; fi
  done
  for n in "${NODES[@]}"; do
    if running "$n"; then ctl "$n" -q cluster_status; break; fi
  done
}

# The pid in node N's pid file, if that process is alive and is node N (pids get reused).
live_pid() {  # N
  local pidfile="$STATE/node$1/pid" pid
  [[ -s $pidfile ]] || return 1
  pid=$(cat "$pidfile")
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null \
    | grep -qx -- "RABBITMQ_NODENAME=$(node_name "$1")" || return 1
  echo "$pid"
}

pid_of() {  # N
  live_pid "$1" || die "$(node_name "$1") is not running"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  urls) urls ;;
  pid) pid_of "${2:?node number}" ;;
  ctl) shift; n=${1:?node number}; shift; ctl "$n" "$@" ;;
  queues) shift; n=${1:?node number}; shift
          on_node "$n" "$BIN/rabbitmq-queues" -n "$(node_name "$n")" "$@" ;;
  *) echo "usage: $0 start|stop|status|urls|pid N|ctl N ARGS|queues N ARGS" >&2; exit 2 ;;
esac
