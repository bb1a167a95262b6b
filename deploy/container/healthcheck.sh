#!/usr/bin/env bash
# HEALTHCHECK without curl: GET /health/ready over bash's /dev/tcp; healthy on HTTP 200 only.
port=${MERCURY_HTTP_PORT:-${PORT:-8080}}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 2 status <&3 || exit 1
[[ $status == "HTTP/1.1 200"* ]]
