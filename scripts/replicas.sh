#!/usr/bin/env bash
# Real replicas for the read/write-splitting tests, next to the servers scripts/services.sh
# runs (which stay untouched on :5432 and :3306). Idempotent: a second run only checks that
# everything replicates and takes a few seconds. See docs/replicas.md.
#
#   PostgreSQL standby   127.0.0.1:5433  cluster <version>/standby (pg_lsclusters), data in
#                        /var/lib/postgresql/<version>/standby, streaming from the cluster on
#                        127.0.0.1:5432 through the physical slot "switchyard_standby"
#   MariaDB primary      127.0.0.1:3307  /var/lib/switchyard-replicas/mariadb-primary
#   MariaDB replica      127.0.0.1:3308  /var/lib/switchyard-replicas/mariadb-replica,
#                        read_only=1, replicating from :3307 with GTID (MASTER_USE_GTID=slave_pos)
#
# Usage (as root; otherwise it re-runs itself with `sudo -n`):
#   scripts/replicas.sh                        set up / start / repair, verify, print a line each
#   scripts/replicas.sh status                 verify only; non-zero exit when something is off
#   scripts/replicas.sh pg-stop                stop the standby:
#                                                pg_ctlcluster --skip-systemctl-redirect 15 standby stop -m fast
#   scripts/replicas.sh pg-start               start it and wait until it streams again:
#                                                pg_ctlcluster --skip-systemctl-redirect 15 standby start
#   scripts/replicas.sh mariadb-replica-stop   stop the :3308 mariadbd (SIGTERM to the pid in
#                                                /var/lib/switchyard-replicas/mariadb-replica/mariadbd.pid)
#   scripts/replicas.sh mariadb-replica-start  start it again and wait until both slave threads run
#   scripts/replicas.sh destroy                stop and delete everything above (and the slot)
# The stop/start subcommands are idempotent, need no TTY and take 0.1-3 s (pg-start is the slowest:
# pg_ctlcluster polls every 0.5 s).
#
# Pausing replication (what the lag tests do, no subcommand needed):
#   psql -h 127.0.0.1 -p 5433 -U postgres -c 'SELECT pg_wal_replay_pause()'    # ..._resume()
#   mariadb -h 127.0.0.1 -P 3308 -uroot -e 'STOP SLAVE SQL_THREAD'             # START SLAVE ...
# A plain run resumes a paused standby and restarts stopped slave threads.
#
# URLs: postgres://postgres@127.0.0.1:5433/switchyard_test (the standby mirrors the whole
# :5432 cluster), mysql://root@127.0.0.1:3307/switchyard_replica and :3308. root bypasses
# read_only on :3308; the user `switchyard` (no password, no READ_ONLY ADMIN/SUPER) does not.
set -euo pipefail

case "${1:-up}" in
  up | status | pg-stop | pg-start | mariadb-replica-stop | mariadb-replica-start | destroy) ;;
  -h | --help | help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "replicas.sh: error: unknown command '$1' (try: up, status, pg-stop, pg-start," \
      "mariadb-replica-stop, mariadb-replica-start, destroy, help)" >&2
    exit 2
    ;;
esac

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "replicas.sh: error: run as root (no sudo here)" >&2; exit 1; }
  exec sudo -n bash "$0" "$@"
fi

PG_PRIMARY_PORT=5432
PG_STANDBY_PORT=5433
PG_CLUSTER=standby
PG_SLOT=switchyard_standby
MY_BASE=/var/lib/switchyard-replicas
MY_PRIMARY_PORT=3307
MY_REPLICA_PORT=3308
MY_REPL_USER=repl
MY_REPL_PASSWORD=switchyard-repl
MY_DATABASE=switchyard_replica
WAIT_SECONDS=${SWITCHYARD_REPLICAS_WAIT:-20}

# No TLS to 127.0.0.1: it only slows every psql down.
export PGCONNECT_TIMEOUT=3 PGSSLMODE=disable LC_ALL=C

die() { echo "replicas.sh: error: $*" >&2; exit 1; }
say() { echo "replicas.sh: $*"; }
# Runs a command, showing its output only when it fails.
quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    printf '%s\n' "$out" >&2
    return 1
  fi
}
# Sub-second clock for the wait loops and the timings printed.
now_ms() { date +%s%3N; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# One run at a time (the stop/start subcommands included), so tests and CI cannot interleave.
exec 9>/run/lock/switchyard-replicas.lock
flock -w 300 9 || die "another scripts/replicas.sh has held /run/lock/switchyard-replicas.lock for 5 minutes"

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

pg_at() { # port, psql args...
  local port=$1
  shift
  psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}
pg_primary() { pg_at "$PG_PRIMARY_PORT" "$@"; }
pg_standby() { pg_at "$PG_STANDBY_PORT" "$@"; }

# The version of the standby cluster that exists, if any (for the subcommands).
pg_standby_version() {
  pg_lsclusters -h 2>/dev/null | awk -v c="$PG_CLUSTER" '$2 == c { print $1; exit }'
}

pg_vars() { # PGVER and the paths derived from it
  PGVER=$1
  PG_DATA=/var/lib/postgresql/$PGVER/$PG_CLUSTER
  PG_ETC=/etc/postgresql/$PGVER/$PG_CLUSTER
  PG_LOG=/var/log/postgresql/postgresql-$PGVER-$PG_CLUSTER.log
}

# 9>&-: servers must not inherit the lock.
pg_ctl_standby() { pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$PG_CLUSTER" "$@" 9>&-; }
pg_standby_running() { pg_ctl_standby status >/dev/null 2>&1; }
pg_standby_exists() { [ -f "$PG_ETC/postgresql.conf" ] && [ -f "$PG_DATA/PG_VERSION" ]; }

pg_log_tail() {
  if [ -f "$PG_LOG" ]; then
    echo "--- last lines of $PG_LOG:" >&2
    tail -n 15 "$PG_LOG" >&2
  fi
}

pg_start_standby() {
  if ! quiet pg_ctl_standby start; then
    pg_log_tail
    return 1
  fi
}

pg_stop_standby() {
  if pg_standby_running; then
    quiet pg_ctl_standby stop -m fast
  fi
}

# Waits until the standby's WAL receiver streams from the primary.
pg_wait_streaming() {
  local deadline=$(($(now_ms) + WAIT_SECONDS * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    [ "$(pg_standby -c "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = streaming ] && return 0
    sleep 0.1
  done
  return 1
}

# The primary must accept replication connections from 127.0.0.1 as postgres. Debian's
# pg_hba.conf has no such trust entry, so one goes at the top (the first match wins).
pg_primary_prerequisites() {
  pg_isready -q -h 127.0.0.1 -p "$PG_PRIMARY_PORT" \
    || die "PostgreSQL is not running on 127.0.0.1:$PG_PRIMARY_PORT; run scripts/services.sh first"
  local version wal_level senders slots hba
  IFS='|' read -r version wal_level senders slots hba PG_PRIMARY_SYSID < <(pg_primary -c "SELECT
    current_setting('server_version_num')::int / 10000, current_setting('wal_level'),
    current_setting('max_wal_senders'), current_setting('max_replication_slots'),
    current_setting('hba_file'), system_identifier FROM pg_control_system()")
  [ -n "$PG_PRIMARY_SYSID" ] || die "could not query the PostgreSQL primary on :$PG_PRIMARY_PORT"
  pg_vars "$version"
  case $wal_level in replica | logical) ;; *)
    die "the primary on :$PG_PRIMARY_PORT has wal_level=$wal_level; streaming replication needs" \
      "'replica' (ALTER SYSTEM SET wal_level = replica, then restart the primary)" ;;
  esac
  [ "$senders" -ge 3 ] || die "the primary on :$PG_PRIMARY_PORT has max_wal_senders=$senders; need 3" \
    "or more (ALTER SYSTEM SET max_wal_senders = 10, then restart the primary)"
  [ "$slots" -ge 1 ] || die "the primary on :$PG_PRIMARY_PORT has max_replication_slots=0; need 1" \
    "or more (ALTER SYSTEM SET max_replication_slots = 10, then restart the primary)"

  if pg_replication_allowed; then return 0; fi
  local line="host    replication     postgres        127.0.0.1/32            trust"
  if ! grep -qxF "$line" "$hba"; then
    say "allowing replication connections from 127.0.0.1 as postgres in $hba"
    {
      echo "# Added by switchyard scripts/replicas.sh: the standby on :$PG_STANDBY_PORT streams from here."
      echo "$line"
      cat "$hba"
    } >"$hba.switchyard.tmp"
    cat "$hba.switchyard.tmp" >"$hba" # keeps owner and mode
    rm -f "$hba.switchyard.tmp"
    pg_primary -c 'SELECT pg_reload_conf()' >/dev/null
  fi
  local deadline=$(($(now_ms) + 5000))
  until pg_replication_allowed; do
    [ "$(now_ms)" -lt "$deadline" ] || die "the primary on :$PG_PRIMARY_PORT refuses replication" \
      "connections from 127.0.0.1 as postgres: $PG_REPLICATION_ERROR"
    sleep 0.1
  done
}

pg_replication_allowed() {
  PG_REPLICATION_ERROR=$(psql -X -q -A -t "host=127.0.0.1 port=$PG_PRIMARY_PORT user=postgres replication=true" \
    -c IDENTIFY_SYSTEM 2>&1 >/dev/null)
}

pg_write_standby_config() {
  local conf=$PG_ETC/conf.d/90-switchyard-standby.conf new
  # Settings a hot standby needs at least as high as the primary's, copied from it.
  new=$(
    echo "# Written by switchyard scripts/replicas.sh; rewritten on every run."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PG_STANDBY_PORT"
    echo "hot_standby = on"
    echo "hot_standby_feedback = off"
    echo "wal_receiver_status_interval = 1s"
    pg_primary -F ' ' -c "SELECT name, '= ''' || setting || '''' FROM pg_settings
      WHERE name IN ('max_connections', 'max_prepared_transactions', 'max_locks_per_transaction',
                     'max_worker_processes', 'max_wal_senders') ORDER BY name"
  )
  install -d -o postgres -g postgres "$PG_ETC/conf.d"
  grep -Eq "^[[:space:]]*include_dir[[:space:]]*=?[[:space:]]*'conf.d'" "$PG_ETC/postgresql.conf" \
    || echo "include_dir = 'conf.d'" >>"$PG_ETC/postgresql.conf"
  PG_CONFIG_CHANGED=0
  if [ "$(cat "$conf" 2>/dev/null)" != "$new" ]; then
    printf '%s\n' "$new" >"$conf"
    chown postgres:postgres "$conf"
    PG_CONFIG_CHANGED=1
  fi
  local hba=$PG_ETC/pg_hba.conf hba_new
  hba_new=$(
    echo "# Written by switchyard scripts/replicas.sh: trust from 127.0.0.1, like the primary."
    echo "local   all             all                                     trust"
    echo "host    all             all             127.0.0.1/32            trust"
    echo "local   replication     all                                     trust"
    echo "host    replication     all             127.0.0.1/32            trust"
  )
  if [ "$(cat "$hba" 2>/dev/null)" != "$hba_new" ]; then
    printf '%s\n' "$hba_new" >"$hba"
    chown postgres:postgres "$hba"
    PG_CONFIG_CHANGED=1
  fi
}

pg_drop_slot() {
  pg_primary -c "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
                 WHERE slot_name = '$PG_SLOT' AND active_pid IS NOT NULL" >/dev/null
  local deadline=$(($(now_ms) + 5000))
  while [ "$(pg_primary -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$PG_SLOT' AND active")" != 0 ]; do
    [ "$(now_ms)" -lt "$deadline" ] || die "replication slot $PG_SLOT on :$PG_PRIMARY_PORT stays active"
    sleep 0.1
  done
  pg_primary -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                 WHERE slot_name = '$PG_SLOT'" >/dev/null
}

pg_remove_standby() {
  if pg_standby_exists || [ -d "$PG_ETC" ]; then
    pg_stop_standby || true
    quiet pg_dropcluster --stop "$PGVER" "$PG_CLUSTER" || true
  fi
  rm -rf "$PG_DATA" "$PG_ETC"
}

pg_build_standby() {
  say "building the PostgreSQL standby on :$PG_STANDBY_PORT from :$PG_PRIMARY_PORT ($1)"
  if port_open "$PG_STANDBY_PORT" && ! pg_standby_running; then
    die "something other than cluster $PGVER/$PG_CLUSTER listens on 127.0.0.1:$PG_STANDBY_PORT"
  fi
  pg_remove_standby
  pg_drop_slot
  # pg_createcluster makes the /etc/postgresql/<v>/standby configuration (and runs initdb,
  # whose data directory the base backup then replaces).
  quiet pg_createcluster -p "$PG_STANDBY_PORT" --start-conf=auto "$PGVER" "$PG_CLUSTER" -- --no-sync \
    || die "pg_createcluster $PGVER $PG_CLUSTER failed"
  find "$PG_DATA" -mindepth 1 -delete
  quiet runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U postgres -w \
    -D "$PG_DATA" -R -X stream -C -S "$PG_SLOT" --checkpoint=fast \
    || die "pg_basebackup from 127.0.0.1:$PG_PRIMARY_PORT failed"
  pg_write_standby_config
  pg_start_standby || die "the new standby did not start"
}

# Checks that the running standby replays the primary: a table (re)created on :5432 with a
# fresh token shows up on :5433, and both list the same databases. Sets PG_PROBLEM otherwise.
pg_verify_standby() {
  PG_PROBLEM=
  if ! pg_isready -q -h 127.0.0.1 -p "$PG_STANDBY_PORT"; then
    PG_PROBLEM="the standby on :$PG_STANDBY_PORT does not answer"
    return 1
  fi
  if [ "$(pg_standby -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" != t ]; then
    PG_PROBLEM="the server on :$PG_STANDBY_PORT is not in recovery (promoted?)"
    return 1
  fi
  if [ "$(pg_standby -c 'SELECT pg_get_wal_replay_pause_state()')" != "not paused" ]; then
    say "resuming paused WAL replay on :$PG_STANDBY_PORT"
    pg_standby -c 'SELECT pg_wal_replay_resume()' >/dev/null
  fi
  local token start dbs_primary
  token="$(date +%s%N)-$$"
  start=$(now_ms)
  dbs_primary=$(pg_primary -c 'SELECT datname FROM pg_database ORDER BY 1')
  if ! pg_primary -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS switchyard_replicas_probe" \
    -c "CREATE TABLE switchyard_replicas_probe AS SELECT '$token'::text AS token, now() AS written_at"; then
    PG_PROBLEM="could not write to the primary on :$PG_PRIMARY_PORT"
    return 1
  fi
  local deadline=$((start + WAIT_SECONDS * 1000))
  until [ "$(pg_standby -c 'SELECT token FROM switchyard_replicas_probe' 2>/dev/null)" = "$token" ]; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      PG_PROBLEM="a table created on :$PG_PRIMARY_PORT did not appear on :$PG_STANDBY_PORT within ${WAIT_SECONDS}s"
      return 1
    fi
    sleep 0.05
  done
  PG_CATCHUP_MS=$(($(now_ms) - start))
  # Every database the primary had before the probe must be on the standby now, unless
  # something dropped it on the primary in the meantime (tests run concurrently).
  local missing db
  missing=$(comm -23 <(printf '%s\n' "$dbs_primary") <(pg_standby -c 'SELECT datname FROM pg_database ORDER BY 1'))
  for db in $missing; do
    if [ "$(pg_primary -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" != 0 ]; then
      PG_PROBLEM="database $db exists on :$PG_PRIMARY_PORT but not on :$PG_STANDBY_PORT"
      return 1
    fi
  done
  if [ "$(pg_standby -c 'SELECT status FROM pg_stat_wal_receiver')" != streaming ]; then
    PG_PROBLEM="the WAL receiver on :$PG_STANDBY_PORT is not streaming"
    return 1
  fi
}

pg_system_identifier_matches() {
  local standby
  standby=$("/usr/lib/postgresql/$PGVER/bin/pg_controldata" "$PG_DATA" 2>/dev/null \
    | awk -F': *' '/^Database system identifier/ { print $2 }')
  [ "$PG_PRIMARY_SYSID" = "$standby" ]
}

pg_up() {
  pg_primary_prerequisites
  local problem=
  if ! pg_standby_exists; then
    problem="no standby yet"
  elif ! pg_system_identifier_matches; then
    problem="its data comes from another primary"
  elif [ ! -f "$PG_DATA/standby.signal" ]; then
    problem="its data directory is not a standby's (no standby.signal)"
  else
    pg_write_standby_config
    if pg_standby_running && [ "$PG_CONFIG_CHANGED" = 1 ]; then
      say "restarting the PostgreSQL standby: its configuration changed"
      quiet pg_ctl_standby restart -m fast || problem="it did not restart"
    elif ! pg_standby_running; then
      say "starting the PostgreSQL standby on :$PG_STANDBY_PORT"
      pg_start_standby || problem="it did not start"
    fi
    if [ -z "$problem" ] && ! pg_verify_standby; then
      problem=$PG_PROBLEM
    fi
  fi
  if [ -n "$problem" ]; then
    pg_build_standby "$problem"
    pg_verify_standby || { pg_log_tail; die "PostgreSQL standby: $PG_PROBLEM"; }
  fi
  echo "PostgreSQL standby on :$PG_STANDBY_PORT replaying from :$PG_PRIMARY_PORT" \
    "(cluster $PGVER/$PG_CLUSTER, slot $PG_SLOT, caught up in ${PG_CATCHUP_MS}ms)"
}

pg_need_standby() {
  local v
  v=$(pg_standby_version)
  [ -n "$v" ] || die "there is no PostgreSQL standby cluster; run scripts/replicas.sh first"
  pg_vars "$v"
}

# ---------------------------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------------------------

my_dir() { echo "$MY_BASE/mariadb-$1"; }
my_port() { if [ "$1" = primary ]; then echo "$MY_PRIMARY_PORT"; else echo "$MY_REPLICA_PORT"; fi; }
my_cnf() { echo "$(my_dir "$1")/my.cnf"; }
my_sock() { echo "$(my_dir "$1")/mariadbd.sock"; }

# Admin connection over the instance's socket (root@localhost authenticates by unix_socket).
my_sql() { # role, mariadb args...
  local role=$1
  shift
  mariadb --no-defaults --socket="$(my_sock "$role")" -uroot --connect-timeout=3 -N -B "$@"
}

# What the tests do: root over TCP without a password.
my_tcp() { # role, mariadb args...
  local role=$1
  shift
  mariadb --no-defaults -h 127.0.0.1 -P "$(my_port "$role")" -uroot --connect-timeout=3 -N -B "$@"
}

my_write_cnf() {
  local role=$1 dir cnf new
  dir=$(my_dir "$role")
  cnf=$(my_cnf "$role")
  new=$(
    echo "# Written by switchyard scripts/replicas.sh; rewritten on every run."
    echo "[mariadbd]"
    echo "user = mysql"
    echo "datadir = $dir/data"
    echo "port = $(my_port "$role")"
    echo "bind-address = 127.0.0.1"
    echo "socket = $dir/mariadbd.sock"
    echo "pid-file = $dir/mariadbd.pid"
    echo "log-error = $dir/error.log"
    echo "skip-name-resolve"
    echo "character-set-server = utf8mb4"
    echo "collation-server = utf8mb4_general_ci"
    echo "innodb_buffer_pool_size = 64M"
    echo "binlog_format = ROW"
    if [ "$role" = primary ]; then
      echo "server_id = 1"
      echo "log_bin = mariadb-bin"
      echo "max_binlog_size = 64M"
      echo "binlog_expire_logs_seconds = 604800"
    else
      echo "server_id = 2"
      echo "read_only = 1"
      echo "relay_log = relay-bin"
    fi
  )
  MY_CONFIG_CHANGED=0
  if [ "$(cat "$cnf" 2>/dev/null)" != "$new" ]; then
    printf '%s\n' "$new" >"$cnf"
    chmod 644 "$cnf"
    MY_CONFIG_CHANGED=1
  fi
}

# The pid of this instance's mariadbd, found by its --defaults-file (never another mariadbd).
my_pid() {
  local cnf pid file
  cnf=$(my_cnf "$1")
  pid=$(cat "$(my_dir "$1")/mariadbd.pid" 2>/dev/null) || pid=
  if [ -n "$pid" ] && { tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qxF -- "--defaults-file=$cnf"; then
    echo "$pid"
    return 0
  fi
  # No (or a stale) pid file: look through every process's command line (the pattern spells
  # the dot as [.] so that grep does not find its own).
  for file in $(grep -lzx -- "--defaults-file=${cnf//./[.]}" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${file#/proc/}
    pid=${pid%/cmdline}
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mariadbd ]; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

my_alive() { mariadb-admin --no-defaults --socket="$(my_sock "$1")" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

my_log_tail() {
  local log
  log="$(my_dir "$1")/error.log"
  if [ -f "$log" ]; then
    echo "--- last lines of $log:" >&2
    tail -n 15 "$log" >&2
  fi
}

my_start() {
  local role=$1
  my_pid "$role" >/dev/null && return 0
  if port_open "$(my_port "$role")"; then
    die "something else listens on 127.0.0.1:$(my_port "$role"); the MariaDB $role cannot start"
  fi
  start-stop-daemon --start --quiet --background --pidfile "$(my_dir "$role")/mariadbd.pid" \
    --exec /usr/sbin/mariadbd -- --defaults-file="$(my_cnf "$role")" 9>&-
}

my_wait_ready() {
  local role=$1 deadline=$(($(now_ms) + 60000))
  until my_alive "$role"; do
    if [ "$(now_ms)" -ge "$deadline" ] || ! my_pid "$role" >/dev/null; then
      echo "replicas.sh: the MariaDB $role on :$(my_port "$role") did not come up" >&2
      my_log_tail "$role"
      return 1
    fi
    sleep 0.1
  done
}

my_stop() {
  local role=$1 pid deadline
  pid=$(my_pid "$role") || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$(($(now_ms) + 60000))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.05
  done
}

# Field of SHOW SLAVE STATUS on the replica ("" when replication is not configured).
my_slave_field() {
  printf '%s\n' "$MY_SLAVE_STATUS" | awk -v f="$1" '{ sub(/^ +/, "") } index($0, f ":") == 1 {
    v = substr($0, length(f) + 2); sub(/^ /, "", v); print v; exit }'
}
my_read_slave_status() { MY_SLAVE_STATUS=$(my_sql replica --column-names -E -e 'SHOW SLAVE STATUS' 2>/dev/null || true); }

my_wait_slave_running() {
  local deadline=$(($(now_ms) + WAIT_SECONDS * 1000))
  while :; do
    my_read_slave_status
    [ "$(my_slave_field Slave_IO_Running)" = Yes ] && [ "$(my_slave_field Slave_SQL_Running)" = Yes ] && return 0
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

my_build() {
  say "building the MariaDB primary on :$MY_PRIMARY_PORT and replica on :$MY_REPLICA_PORT ($1)"
  my_stop replica
  my_stop primary
  rm -rf "$(my_dir primary)" "$(my_dir replica)"
  local role pids=()
  for role in primary replica; do
    install -d -o mysql -g mysql "$(my_dir "$role")"
    my_write_cnf "$role"
    quiet mariadb-install-db --no-defaults --user=mysql --datadir="$(my_dir "$role")/data" \
      --skip-test-db --skip-name-resolve &
    pids+=($!)
  done
  for role in "${pids[@]}"; do wait "$role" || die "mariadb-install-db failed"; done
  for role in primary replica; do my_start "$role"; done
  for role in primary replica; do my_wait_ready "$role" || die "MariaDB $role did not start"; done
  for role in primary replica; do
    # Local to each server (not written to the binary log): root over TCP without a password
    # like the system server, the replication account, and `switchyard`, a user that has
    # everything but READ_ONLY ADMIN/SUPER so read_only applies to it.
    my_sql "$role" -e "SET sql_log_bin = 0;
      CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
      CREATE USER IF NOT EXISTS '$MY_REPL_USER'@'127.0.0.1' IDENTIFIED BY '$MY_REPL_PASSWORD';
      GRANT REPLICATION SLAVE ON *.* TO '$MY_REPL_USER'@'127.0.0.1';
      CREATE USER IF NOT EXISTS 'switchyard'@'127.0.0.1';
      GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES,
        LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER,
        REFERENCES, PROCESS, SHOW DATABASES, SLAVE MONITOR, BINLOG MONITOR ON *.* TO 'switchyard'@'127.0.0.1';" \
      || die "could not create the users on the MariaDB $role"
  done
  my_sql primary -e "CREATE DATABASE IF NOT EXISTS \`$MY_DATABASE\` CHARACTER SET utf8mb4" \
    || die "could not create $MY_DATABASE on the MariaDB primary"
  my_sql replica -e "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $MY_PRIMARY_PORT,
      MASTER_USER = '$MY_REPL_USER', MASTER_PASSWORD = '$MY_REPL_PASSWORD',
      MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
    START SLAVE;" || die "could not configure replication on the MariaDB replica"
}

# Checks both servers run as configured and a row written on :3307 reaches :3308. Restarts
# stopped slave threads (tests stop the SQL thread). Sets MY_PROBLEM otherwise.
my_verify() {
  MY_PROBLEM=
  local role
  for role in primary replica; do
    if ! my_alive "$role"; then
      MY_PROBLEM="the $role on :$(my_port "$role") does not answer"
      return 1
    fi
  done
  if [ "$(my_sql primary -e "SELECT CONCAT(@@server_id, ' ', @@log_bin + 0, ' ', @@binlog_format)")" != "1 1 ROW" ] \
    || [ "$(my_sql replica -e "SELECT CONCAT(@@server_id, ' ', @@read_only + 0)")" != "2 1" ]; then
    MY_PROBLEM="server_id/log_bin/binlog_format/read_only are not as configured"
    return 1
  fi
  my_read_slave_status
  if [ -z "$MY_SLAVE_STATUS" ]; then
    MY_PROBLEM="replication is not configured on :$MY_REPLICA_PORT"
    return 1
  fi
  if [ "$(my_slave_field Master_Port)" != "$MY_PRIMARY_PORT" ] || [ "$(my_slave_field Using_Gtid)" != Slave_Pos ]; then
    MY_PROBLEM="the replica does not replicate from :$MY_PRIMARY_PORT with GTID"
    return 1
  fi
  if [ "$(my_slave_field Slave_IO_Running)" = No ] || [ "$(my_slave_field Slave_SQL_Running)" = No ]; then
    say "starting the stopped slave threads on :$MY_REPLICA_PORT"
    my_sql replica -e 'START SLAVE' || true
  fi
  local token start deadline
  token="$(date +%s%N)-$$"
  start=$(now_ms)
  if ! my_tcp primary -e "CREATE DATABASE IF NOT EXISTS \`$MY_DATABASE\` CHARACTER SET utf8mb4;
    CREATE DATABASE IF NOT EXISTS switchyard_probe;
    DROP TABLE IF EXISTS switchyard_probe.probe;
    CREATE TABLE switchyard_probe.probe (token VARCHAR(64) PRIMARY KEY, written_at DATETIME(6));
    INSERT INTO switchyard_probe.probe VALUES ('$token', NOW(6));"; then
    MY_PROBLEM="could not write to mysql://root@127.0.0.1:$MY_PRIMARY_PORT"
    return 1
  fi
  deadline=$((start + WAIT_SECONDS * 1000))
  until [ "$(my_tcp replica -e 'SELECT token FROM switchyard_probe.probe' 2>/dev/null)" = "$token" ]; do
    my_read_slave_status
    # A thread that stopped with an error a second after START SLAVE will not recover.
    if [ "$(now_ms)" -ge "$((start + 1000))" ]; then
      if [ "$(my_slave_field Slave_SQL_Running)" = No ] && [ "$(my_slave_field Last_SQL_Errno)" != 0 ]; then
        MY_PROBLEM="replica SQL thread: $(my_slave_field Last_SQL_Error)"
        return 1
      fi
      if [ "$(my_slave_field Slave_IO_Running)" = No ] && [ "$(my_slave_field Last_IO_Errno)" != 0 ]; then
        MY_PROBLEM="replica IO thread: $(my_slave_field Last_IO_Error)"
        return 1
      fi
    fi
    if [ "$(now_ms)" -ge "$deadline" ]; then
      MY_PROBLEM="a row written on :$MY_PRIMARY_PORT did not reach :$MY_REPLICA_PORT within ${WAIT_SECONDS}s"
      [ -n "$(my_slave_field Last_IO_Error)$(my_slave_field Last_SQL_Error)" ] \
        && MY_PROBLEM="$MY_PROBLEM ($(my_slave_field Last_IO_Error) $(my_slave_field Last_SQL_Error))"
      return 1
    fi
    sleep 0.05
  done
  MY_CATCHUP_MS=$(($(now_ms) - start))
  my_read_slave_status
  if [ "$(my_slave_field Slave_IO_Running)" != Yes ] || [ "$(my_slave_field Slave_SQL_Running)" != Yes ]; then
    MY_PROBLEM="Slave_IO_Running=$(my_slave_field Slave_IO_Running) Slave_SQL_Running=$(my_slave_field Slave_SQL_Running)"
    return 1
  fi
  if [ -z "$(my_sql replica -e "SHOW DATABASES LIKE '$MY_DATABASE'")" ]; then
    MY_PROBLEM="database $MY_DATABASE is missing on :$MY_REPLICA_PORT"
    return 1
  fi
}

my_up() {
  command -v mariadbd >/dev/null || command -v /usr/sbin/mariadbd >/dev/null \
    || die "mariadbd is not installed; run scripts/services.sh first"
  local problem= role
  if [ ! -d "$(my_dir primary)/data/mysql" ] || [ ! -d "$(my_dir replica)/data/mysql" ]; then
    problem="no primary/replica yet"
  else
    for role in primary replica; do
      my_write_cnf "$role"
      if [ "$MY_CONFIG_CHANGED" = 1 ] && my_pid "$role" >/dev/null; then
        say "restarting the MariaDB $role: its configuration changed"
        my_stop "$role"
      fi
      if ! my_pid "$role" >/dev/null; then
        say "starting the MariaDB $role on :$(my_port "$role")"
        my_start "$role"
      fi
    done
    for role in primary replica; do
      [ -n "$problem" ] || my_wait_ready "$role" || problem="the $role did not start"
    done
    if [ -z "$problem" ] && ! my_verify; then
      problem=$MY_PROBLEM
    fi
  fi
  if [ -n "$problem" ]; then
    my_build "$problem"
    my_verify || die "MariaDB replication: $MY_PROBLEM"
  fi
  echo "MariaDB primary on :$MY_PRIMARY_PORT (log_bin, server_id=1, binlog_format=ROW), database $MY_DATABASE"
  echo "MariaDB replica on :$MY_REPLICA_PORT replicating from :$MY_PRIMARY_PORT with GTID" \
    "(read_only, server_id=2, caught up in ${MY_CATCHUP_MS}ms)"
}

my_need() {
  [ -f "$(my_cnf "$1")" ] && [ -d "$(my_dir "$1")/data/mysql" ] \
    || die "there is no MariaDB $1; run scripts/replicas.sh first"
}

# ---------------------------------------------------------------------------------------------

case "${1:-up}" in
  up)
    start=$(now_ms)
    pg_up
    my_up
    echo "replicas ready in $(($(now_ms) - start))ms"
    ;;
  status)
    status=0
    if v=$(pg_standby_version) && [ -n "$v" ]; then
      pg_vars "$v"
      if pg_verify_standby; then
        echo "PostgreSQL standby on :$PG_STANDBY_PORT replaying from :$PG_PRIMARY_PORT (caught up in ${PG_CATCHUP_MS}ms)"
      else
        echo "PostgreSQL standby on :$PG_STANDBY_PORT: $PG_PROBLEM"
        status=1
      fi
    else
      echo "PostgreSQL standby: not set up"
      status=1
    fi
    if [ -f "$(my_cnf replica)" ] && my_verify; then
      echo "MariaDB replica on :$MY_REPLICA_PORT replicating from :$MY_PRIMARY_PORT (caught up in ${MY_CATCHUP_MS}ms)"
    else
      echo "MariaDB primary :$MY_PRIMARY_PORT / replica :$MY_REPLICA_PORT: ${MY_PROBLEM:-not set up}"
      status=1
    fi
    exit "$status"
    ;;
  pg-stop)
    pg_need_standby
    pg_stop_standby || { pg_log_tail; die "could not stop the PostgreSQL standby"; }
    echo "PostgreSQL standby on :$PG_STANDBY_PORT stopped"
    ;;
  pg-start)
    pg_need_standby
    pg_standby_running || pg_start_standby || die "could not start the PostgreSQL standby"
    pg_wait_streaming || { pg_log_tail; die "the PostgreSQL standby started but does not stream from :$PG_PRIMARY_PORT"; }
    echo "PostgreSQL standby on :$PG_STANDBY_PORT started, streaming from :$PG_PRIMARY_PORT"
    ;;
  mariadb-replica-stop)
    my_need replica
    my_stop replica
    echo "MariaDB replica on :$MY_REPLICA_PORT stopped"
    ;;
  mariadb-replica-start)
    my_need replica
    my_start replica
    my_wait_ready replica || die "could not start the MariaDB replica"
    my_wait_slave_running || die "the MariaDB replica started but its slave threads do not run" \
      "(IO: $(my_slave_field Slave_IO_Running) $(my_slave_field Last_IO_Error)," \
      "SQL: $(my_slave_field Slave_SQL_Running) $(my_slave_field Last_SQL_Error))"
    echo "MariaDB replica on :$MY_REPLICA_PORT started, replicating from :$MY_PRIMARY_PORT"
    ;;
  destroy)
    if v=$(pg_standby_version) && [ -n "$v" ]; then
      pg_vars "$v"
      pg_remove_standby
    fi
    if pg_isready -q -h 127.0.0.1 -p "$PG_PRIMARY_PORT"; then
      pg_drop_slot
      pg_primary -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS switchyard_replicas_probe"
    fi
    my_stop replica
    my_stop primary
    rm -rf "$MY_BASE"
    echo "replicas removed (the replication entry in the primary's pg_hba.conf stays)"
    ;;
esac
