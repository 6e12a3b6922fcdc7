#!/usr/bin/env bash
# bench/pgbench.sh: pgbench (TPC-B-like and select-only) and a COPY load
# against a Meridian node and a throwaway PostgreSQL 15, side by side.
#
#   SCALE=10 CLIENTS=8 DURATION=60 COPY_ROWS=1000000 bench/pgbench.sh
#
# Needs: go, pgbench, psql, /usr/lib/postgresql/15/bin (initdb, pg_ctl) and
# root (PostgreSQL runs as the `postgres` user via runuser). Both run
# pgbench unchanged (no --max-tries): Meridian runs every transaction
# SERIALIZABLE but aborts one only to break a deadlock, which TPC-B's
# transactions (all locking rows in one order) never form; PostgreSQL runs
# READ COMMITTED, pgbench's default. Failed transactions are printed.
set -euo pipefail
SCALE=${SCALE:-10}
CLIENTS=${CLIENTS:-8}
DURATION=${DURATION:-60}
COPY_ROWS=${COPY_ROWS:-1000000}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d)
chmod 755 "$WORK"
MPID=""
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null || true
	[ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building meridian"
(cd "$ROOT" && go build -o "$WORK/meridian" ./cmd/meridian)
MPORT=$(free_port)
"$WORK/meridian" start --store "$WORK/store" --sql-addr "127.0.0.1:$MPORT" \
	--http-addr "127.0.0.1:$(free_port)" --rpc-addr "127.0.0.1:$(free_port)" >"$WORK/meridian.log" 2>&1 &
MPID=$!
for _ in $(seq 100); do psql -X -h 127.0.0.1 -p "$MPORT" -U root -d defaultdb -c 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done

echo "== starting PostgreSQL 15"
PPORT=$(free_port)
mkdir -p "$WORK/pg" && chown postgres "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w \
	-o "-p $PPORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null

M="-h 127.0.0.1 -p $MPORT -U root defaultdb"
P="-h 127.0.0.1 -p $PPORT -U postgres postgres"

tps() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | tail -1; }
ratio() { python3 -c "print(f'{float($1)/float($2):.2f}x')"; }

declare -A R
for sys in meridian postgres; do
	if [ $sys = meridian ]; then C=$M; else C=$P; fi
	echo "== $sys: pgbench -i -s $SCALE"
	[ $sys = meridian ] && echo 5 >"/proc/$MPID/clear_refs"
	pgbench -i -q -s "$SCALE" $C 2>&1 | grep -E '^done' || true
	[ $sys = meridian ] && echo "meridian peak RSS during pgbench -i: $(($(awk '/VmHWM/{print $2}' "/proc/$MPID/status") / 1024)) MiB"
	echo "== $sys: TPC-B, $CLIENTS clients, ${DURATION}s"
	out=$(pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" $C 2>&1)
	echo "$out" | grep -E 'failed|retried|^tps' || true
	R[$sys-tpcb]=$(echo "$out" | tps)
	echo "== $sys: select-only, $CLIENTS clients, ${DURATION}s"
	out=$(pgbench -n -S -c "$CLIENTS" -j 2 -T "$DURATION" $C 2>&1)
	echo "$out" | grep -E 'failed|^tps' || true
	R[$sys-select]=$(echo "$out" | tps)
done

echo "== COPY of $COPY_ROWS rows"
python3 - "$COPY_ROWS" >"$WORK/copy.txt" <<'PY'
import sys
n = int(sys.argv[1])
w = sys.stdout.write
for i in range(n):
    w(f"{i}\t{i % 1000}\tfiller text for row {i}\n")
PY
chmod 644 "$WORK/copy.txt"
for sys in meridian postgres; do
	if [ $sys = meridian ]; then C=$M; else C=$P; fi
	psql -X -q $C -c 'drop table if exists copybench' -c 'create table copybench (id int primary key, k int, s text)' >/dev/null 2>&1
	start=$(date +%s.%N)
	psql -X -q $C -c "\\copy copybench from '$WORK/copy.txt'" >/dev/null
	end=$(date +%s.%N)
	R[$sys-copy]=$(python3 -c "print(int($COPY_ROWS/($end-$start)))")
done

echo
echo "== results (scale $SCALE, $CLIENTS clients, ${DURATION}s, COPY $COPY_ROWS rows)"
printf '%-14s %14s %14s %8s\n' test meridian postgres ratio
printf '%-14s %14s %14s %8s\n' "TPC-B tps" "${R[meridian-tpcb]}" "${R[postgres-tpcb]}" "$(ratio "${R[meridian-tpcb]}" "${R[postgres-tpcb]}")"
printf '%-14s %14s %14s %8s\n' "select tps" "${R[meridian-select]}" "${R[postgres-select]}" "$(ratio "${R[meridian-select]}" "${R[postgres-select]}")"
printf '%-14s %14s %14s %8s\n' "COPY rows/s" "${R[meridian-copy]}" "${R[postgres-copy]}" "$(ratio "${R[meridian-copy]}" "${R[postgres-copy]}")"
