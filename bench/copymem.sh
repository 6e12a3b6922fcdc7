#!/usr/bin/env bash
# bench/copymem.sh: COPY FROM loads of growing size, each into a fresh
# Meridian node, with the node's rows/s and peak resident memory (VmHWM),
# to show that a load's memory does not grow with its size.
#
#   ROWS="1000000 3000000 10000000" bench/copymem.sh
#
# Needs: go, psql, python3, Linux /proc. Rows are those of bench/pgbench.sh's
# COPY (about 40 bytes of text each); 10M rows need about 1.5 GB of disk.
set -euo pipefail
ROWS=${ROWS:-"1000000 3000000 10000000"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d)
MPID=""
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building meridian"
(cd "$ROOT" && go build -o "$WORK/meridian" ./cmd/meridian)
printf '%-10s %10s %12s %14s\n' rows seconds rows/s "peak RSS MiB"
for n in $ROWS; do
	python3 - "$n" >"$WORK/copy.txt" <<'PY'
import sys
n = int(sys.argv[1])
w = sys.stdout.write
for i in range(n):
    w(f"{i}\t{i % 1000}\tfiller text for row {i}\n")
PY
	rm -rf "$WORK/store"
	port=$(free_port)
	"$WORK/meridian" start --store "$WORK/store" --sql-addr "127.0.0.1:$port" \
		--http-addr "127.0.0.1:$(free_port)" --rpc-addr "127.0.0.1:$(free_port)" >"$WORK/meridian.log" 2>&1 &
	MPID=$!
	for _ in $(seq 100); do psql -X -h 127.0.0.1 -p "$port" -U root -d defaultdb -c 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
	C="-h 127.0.0.1 -p $port -U root defaultdb"
	psql -X -q $C -c 'create table copybench (id int primary key, k int, s text)' >/dev/null
	start=$(date +%s.%N)
	psql -X -q $C -c "\\copy copybench from '$WORK/copy.txt'" >/dev/null
	end=$(date +%s.%N)
	hwm=$(awk '/VmHWM/{print $2}' "/proc/$MPID/status")
	got=$(psql -X -qAt $C -c "select s from copybench where id = $((n - 1))")
	[ "$got" = "filler text for row $((n - 1))" ] || { echo "COPY of $n rows: last row reads '$got'" >&2; exit 1; }
	python3 -c "print(f'{$n:<10} {$end-$start:10.1f} {int($n/($end-$start)):12d} {$hwm//1024:14d}')"
	kill "$MPID"; wait "$MPID" 2>/dev/null || true; MPID=""
done
