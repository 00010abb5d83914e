#!/usr/bin/env bash
# Start PostgreSQL and MariaDB on 127.0.0.1 when they are not running (installing them from
# Debian's packages on a machine that lacks them), then create the databases the tests and
# the example app use, empty. Idempotent.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null || ! command -v mariadbd >/dev/null; then
  echo "installing PostgreSQL and MariaDB"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql mariadb-server >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
fi
if ! mysqladmin -h 127.0.0.1 -uroot status >/dev/null 2>&1; then
  echo "starting MariaDB"
  as_root install -d -o mysql -g mysql /run/mysqld
  as_root start-stop-daemon --start --oknodo --background --pidfile /run/mysqld/mysqld.pid --exec /usr/sbin/mariadbd -- --user=mysql
fi

for _ in $(seq 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && mysqladmin -h 127.0.0.1 -uroot status >/dev/null 2>&1 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
mysqladmin -h 127.0.0.1 -uroot status

psql_admin() { psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -U postgres -d postgres "$@"; }
# The test database sorts text by a real locale (ICU en-US), as production databases often
# do, so a test catches any ordering that depends on the database's locale rather than on
# the columns' declared collation.
psql_admin -c "DROP DATABASE IF EXISTS switchyard_test WITH (FORCE)" \
  -c "CREATE DATABASE switchyard_test TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
psql_admin -c "DROP DATABASE IF EXISTS switchyard_example WITH (FORCE)" -c "CREATE DATABASE switchyard_example"

# Per-test databases are named sy<pid>_<n>_...; drop any a crashed run left behind.
stale=$(mysql -h 127.0.0.1 -uroot -N -e "SHOW DATABASES LIKE 'sy%'")
for db in $stale switchyard_test switchyard_example_animals switchyard_example_shard_one switchyard_example_content; do
  mysql -h 127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS \`$db\`"
done
for db in switchyard_test switchyard_example_animals switchyard_example_shard_one switchyard_example_content; do
  mysql -h 127.0.0.1 -uroot -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4"
done
echo "PostgreSQL and MariaDB are ready"
