#!/usr/bin/env bash
# Installs what the tests read besides npm packages: the Debian 6.1 and 6.12
# kernel trees (through ../shared/tools/kernel-tree), Graphviz, which
# checks that `doc --format dot` renders, and redis-server, which the job
# queue's tests start on a loopback port. Idempotent and quiet when done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" && pwd)

sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
if ! command -v dot >/dev/null 2>&1; then
  echo "test/setup.sh: installing graphviz" >&2
  "${sudo[@]}" apt-get install -y --no-install-recommends graphviz >&2 ||
    { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y --no-install-recommends graphviz >&2; }
fi
# The job queue's tests start their own redis-server on a loopback port.
if ! command -v redis-server >/dev/null 2>&1; then
  echo "test/setup.sh: installing redis-server" >&2
  "${sudo[@]}" apt-get install -y --no-install-recommends redis-server >&2 ||
    { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y --no-install-recommends redis-server >&2; }
fi
for v in 6.1 6.12; do
  "$shared/tools/kernel-tree" "$v" >/dev/null
done
