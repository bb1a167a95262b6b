#!/usr/bin/env bash
# Container entry point: picks the memory profile, seeds the artifacts volume with the default
# bundle on first start, then execs the JVM (PID 1, so SIGTERM reaches it and drains requests).
#
#   MERCURY_PROFILE   auto (default): small when the container's memory limit is <= 1 GiB, else default
#                     small: conf/profiles/small.json + a fixed small heap (fits 512 MB, docs/bench/memory-small.md)
#                     default: conf/mercury.json + a heap of MaxRAMPercentage of the limit
#   MERCURY_CONFIG    another configuration file (wins over the profile's)
#   JAVA_OPTS         replaces the profile's JVM options (keep --add-modules jdk.incubator.vector)
#   PORT, MERCURY_*   as for `mercury serve` (README "Configuration")
set -euo pipefail

limit_bytes() {
  local v
  if [[ -r /sys/fs/cgroup/memory.max ]]; then v=$(cat /sys/fs/cgroup/memory.max)          # cgroup v2
  elif [[ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]]; then v=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
  else v=max; fi
  [[ $v =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

profile=${MERCURY_PROFILE:-auto}
if [[ $profile == auto ]]; then
  limit=$(limit_bytes)
  if (( limit > 0 && limit <= 1073741824 )); then profile=small; else profile=default; fi
fi
case $profile in
  small)
    config=/app/conf/profiles/small.json
    # Measured: docs/bench/memory-small.md. Serial GC and a fixed heap keep RSS flat under load;
    # one malloc arena per two threads stops ONNX Runtime's threads from each growing their own.
    opts="-Xms128m -Xmx160m -XX:+UseSerialGC -XX:MaxMetaspaceSize=100m -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=64m -Xss512k"
    export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2};;
  default)
    config=/app/conf/mercury.json
    opts="-XX:InitialRAMPercentage=25 -XX:MaxRAMPercentage=60";;
  *) echo "entrypoint: MERCURY_PROFILE must be auto, small or default, got '$profile'" >&2; exit 2;;
esac
config=${MERCURY_CONFIG:-$config}
opts=${JAVA_OPTS:-$opts -XX:+ExitOnOutOfMemoryError --add-modules jdk.incubator.vector}

# Platforms that run the image as another uid (Hugging Face Spaces: 1000; OpenShift: random) cannot
# write the volumes made for uid 10001: fall back to writable places and say what is lost.
[[ -w ${HOME:-/nonexistent} ]] || export HOME=/tmp DJL_CACHE_DIR=/tmp/.djl.ai
artifacts=${MERCURY_ARTIFACTS_DIR:-/data/artifacts}
journal=${MERCURY_ITEMS_JOURNAL_DIR:-/data/journal}
if [[ ! -w $journal ]]; then
  echo "entrypoint: $journal is not writable by uid $(id -u); live items go to /tmp/journal and are lost at restart" >&2
  mkdir -p /tmp/journal && export MERCURY_ITEMS_JOURNAL_DIR=/tmp/journal
fi
events=${MERCURY_EVENTS_DIR:-/data/events}
if [[ ! -w $events ]]; then
  echo "entrypoint: $events is not writable by uid $(id -u); the event log goes to /tmp/events and is lost at restart" >&2
  mkdir -p /tmp/events && export MERCURY_EVENTS_DIR=/tmp/events
fi
if [[ -z $(find "$artifacts" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -print -quit 2>/dev/null) ]]; then
  if [[ -d $artifacts && -w $artifacts ]]; then
    # First start on an empty volume: serve the bundle baked into the image.
    echo "entrypoint: $artifacts is empty; copying the default bundle into it" >&2
    cp -r /app/default-artifacts/. "$artifacts"/
  else
    echo "entrypoint: $artifacts is not writable by uid $(id -u); serving the image's default bundle read-only" >&2
    export MERCURY_ARTIFACTS_DIR=/app/default-artifacts
  fi
fi

if [[ ${1:-serve} == serve ]]; then
  [[ $# -gt 0 ]] && shift
  echo "entrypoint: profile $profile, config $config, JVM $opts" >&2
  # shellcheck disable=SC2086
  exec java $opts -jar /app/mercury.jar serve --config "$config" "$@"
fi
# shellcheck disable=SC2086
exec java $opts -jar /app/mercury.jar "$@"
