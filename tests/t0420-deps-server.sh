#!/bin/bash
# uniscope deps on a server: lighttpd on a loopback port, awaited until
# ready, driven by a fixed number of requests, then stopped.
. "$(dirname "$0")/lib.sh"

if ! command -v lighttpd > /dev/null; then
	skip "server workload" "lighttpd is not installed"
	exit 0
fi
port=$((20000 + RANDOM % 20000))
mkdir -p "$WORK/www"
echo "hello from lighttpd" > "$WORK/www/index.html"
cat > "$WORK/lighttpd.conf" <<CONF
server.document-root = "$WORK/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$WORK/error.log"
index-file.names = ( "index.html" )
CONF

requests_file()
{
	cat <<JSON
{"server": true, "ready": {"port": $port, "timeout": 10},
 "steps": [{"connect": {"port": $port, "send": "GET / HTTP/1.0\r\n\r\n",
                        "expect": "hello from lighttpd", "repeat": $1}}]}
JSON
}
requests_file 10 > "$WORK/ten.json"
requests_file 30 > "$WORK/thirty.json"

"$UNISCOPE" deps -q -o "$WORK/r10.json" --test-file "$WORK/ten.json" lighttpd -D -f "$WORK/lighttpd.conf"
check_eq "server run succeeds" 0 $?
"$UNISCOPE" deps -q -o "$WORK/r30.json" --test-file "$WORK/thirty.json" lighttpd -D -f "$WORK/lighttpd.conf"
check_json "all requests answered" "$WORK/r30.json" '.dynamic.workload.error == null'

calls()	# calls REPORT NAME...
{
	local report=$1 filter
	shift
	filter=$(printf '.name == "%s" or ' "$@")
	jq "[.dynamic.trace.syscalls[] | select(${filter% or }) | .calls - .errors] | add // 0" "$report"
}
check_eq "accepts scale with requests" 20 \
	$(($(calls "$WORK/r30.json" accept accept4) - $(calls "$WORK/r10.json" accept accept4)))
check_ge "reads scale with requests" 20 \
	$(($(calls "$WORK/r30.json" read recvfrom readv) - $(calls "$WORK/r10.json" read recvfrom readv)))
check_ge "writes scale with requests" 20 \
	$(($(calls "$WORK/r30.json" write writev sendfile sendto) -
	   $(calls "$WORK/r10.json" write writev sendfile sendto)))
# Stopped by SIGTERM, not killed after the grace period; lighttpd here exits
# with 0 or, now and then, 1 when it shuts down on SIGTERM.
check_le "server stopped by SIGTERM" 1 "$(jq .dynamic.trace.target.exit_status "$WORK/r30.json")"
