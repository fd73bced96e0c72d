# t/helper.bash - loaded by every bats file: a fresh HOME, config and vault
# per test, the built tools first in PATH, and small item makers.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

T_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$T_DIR/.." && pwd)
: "${AIE_BIN:=$TOP/build/bin}"
: "${AIE_CGI:=$TOP/build/cgi}"
export PATH="$AIE_BIN:$PATH"
if [ -n "${AIE_SAN:-}" ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
	export LSAN_OPTIONS="suppressions=$T_DIR/lsan.supp"
fi

common_setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export AI_EMPLOYEE_CONFIG="$BATS_TEST_TMPDIR/env"
	export VAULT_DIR="$BATS_TEST_TMPDIR/vault"
	unset VAULT_AGENT LLM_PROVIDER ANTHROPIC_API_KEY OPENAI_BASE_URL \
	    SMTP_URL IMAP_URL WA_TOKEN WA_SEND_TOKEN WA_MEDIA_TOKEN TWILIO_SID XDG_CONFIG_HOME
	export TZ=UTC
	# tests approve and execute at once; t/75 tests the grace itself
	export EXEC_GRACE=0
}

# mkvault [DIR]: a fresh vault (no output unless it fails).
mkvault() {
	vault-init -q "${1:-$VAULT_DIR}" >/dev/null
}

# mkemail ID [DOMAIN] [CREATED]: an email item in Needs_Action/DOMAIN.
mkemail() {
	local id=$1 domain=${2:-email} created=${3:-2026-11-30T10:15:00Z}
	mkdir -p "$VAULT_DIR/Needs_Action/$domain"
	cat >"$VAULT_DIR/Needs_Action/$domain/$id.md" <<EOT
---
type: email
id: $id
created: $created
domain: $domain
status: new
from: "Alice Example <alice@example.com>"
to: owner@example.com
subject: Question about my order
message_id: "<$id@example.com>"
priority: normal
---
Hello,

where is my order 1234?

Alice
EOT
}

# mkdraft ID SOURCE [EXPIRES]: a reply draft in Pending_Approval/email.
mkdraft() {
	local id=$1 src=$2 expires=${3:-2099-01-01T00:00:00Z}
	mkdir -p "$VAULT_DIR/Pending_Approval/email"
	cat >"$VAULT_DIR/Pending_Approval/email/$id.md" <<EOT
---
type: email_draft
id: $id
created: 2026-11-30T10:20:00Z
domain: email
status: pending
source: $src
action: send_email
to: alice@example.com
subject: "Re: Question about my order"
in_reply_to: "<$src@example.com>"
references: "<$src@example.com>"
model: offline-template
drafted_by: cloud
expires: $expires
---
Hello Alice,

your order ships tomorrow.

Best regards,
The Owner
EOT
}

# nodac CMD...: run CMD without the power to ignore file modes, so that
# chmod-based tests (read-only vault, unreadable file) mean the same as root.
nodac() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --bounding-set=-dac_override,-dac_read_search "$@"
	else
		"$@"
	fi
}

# tree_sum DIR: one line per file (path and content hash) to compare trees.
tree_sum() {
	(cd "$1" && find . -path ./.git -prune -o -type f -print0 | sort -z |
	    xargs -0 sha256sum)
}

# wait_for [-t SECONDS] CMD...: run CMD every 0.05 s until it succeeds. If
# it has not after SECONDS (default 10; fractions allowed), print what was
# waited for and CMD's last output, and fail. CMD runs in this shell (a
# function or a builtin such as [ is fine; `eval 'CODE'` for a condition
# with $(...) to be run again each time), its output kept from the test's.
wait_for() {
	local _wf_limit=10
	if [ "${1:-}" = -t ]; then
		_wf_limit=${2:-}
		shift 2 || true
	fi
	if [[ ! $_wf_limit =~ ^[0-9]+(\.[0-9]{1,6})?$ ]] || [ $# -eq 0 ]; then
		echo "usage: wait_for [-t SECONDS] CMD..." >&2
		return 2
	fi
	local _wf_frac=000000
	[[ $_wf_limit == *.* ]] && _wf_frac=${_wf_limit#*.}000000
	local _wf_deadline=$((${EPOCHREALTIME//[.,]/} + 10#${_wf_limit%%.*} * 1000000 +
	    10#${_wf_frac:0:6}))
	local _wf_last
	_wf_last=$(mktemp) || return 1
	while :; do
		if "$@" >"$_wf_last" 2>&1; then
			rm -f "$_wf_last"
			return 0
		fi
		[ "${EPOCHREALTIME//[.,]/}" -lt "$_wf_deadline" ] || break
		sleep 0.05
	done
	{
		printf 'wait_for: still failing after %s s:' "$_wf_limit"
		local _wf_arg
		for _wf_arg; do
			if [[ $_wf_arg =~ ^[][A-Za-z0-9_./:=@%+,-]+$ ]]; then
				printf ' %s' "$_wf_arg"
			else
				printf ' %q' "$_wf_arg"
			fi
		done
		printf '\n'
		if [ -s "$_wf_last" ]; then
			echo "its last output:"
			cat "$_wf_last"
		fi
	} >&2
	rm -f "$_wf_last"
	return 1
}

# no_leftovers PATH...: in teardown, after the test's servers were told
# to stop: nothing running whose command line names one of the PATHs (a
# socket, or a directory with its "/": test/1/ is not test/12/) once 5 s
# have passed. Whatever is still there is named, killed (so that one leak fails
# one test, not the run) and the teardown fails.
no_leftovers() {
	local re="" p pid left
	for p; do
		re+="${re:+|}$(printf '%s' "$p" | sed 's/[][\\.*^$|+?(){}]/\\&/g')"
	done
	[ -n "$re" ] || return 0
	# shellcheck disable=SC2016 # expanded by eval, at each try
	wait_for -t 5 eval '! pgrep -f -- "$re" >/dev/null' 2>/dev/null && return 0
	left=$(pgrep -a -f -- "$re") || return 0
	printf 'left running after the test:\n%s\n' "$left" >&2
	for pid in $(pgrep -f -- "$re"); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	return 1
}

# json_in [FILE|-]: the JSON read by assert_json and json_get: FILE, stdin
# for -, else $output (after `run`).
json_in() {
	case ${1:--} in
	-) if [ $# -eq 0 ]; then printf '%s' "${output:-}"; else cat; fi ;;
	*) cat -- "$1" ;;
	esac
}

# json_one [-s] JQ-EXPR: JQ-EXPR for jq -s. With -s it sees an array of
# all the JSON values read (a log with one JSON object a line); without,
# the single value, and more or fewer than one is an error, as for a JSON
# parser.
json_one() {
	if [ "$1" = -s ]; then
		printf '%s\n' "$2"
	else
		printf 'if length != 1 then error("want one JSON value, not \\(length)")
else .[0] | (
%s
) end\n' "$1"
	fi
}

# json_show JSON: JSON for a failure message, its first 8000 characters.
json_show() {
	echo "JSON: ${1:0:8000}"
	[ "${#1}" -le 8000 ] || echo "(and $((${#1} - 8000)) more characters)"
}

# assert_json [-s] JQ-EXPR [FILE|-]: every value of JQ-EXPR over the JSON
# (see json_in) is true, or print the expression and the JSON and fail.
assert_json() {
	local slurp=()
	if [ "${1:-}" = -s ]; then
		slurp=(-s)
		shift
	fi
	local want=$1 expr json got
	expr=$(json_one "${slurp[@]}" "$want")
	shift
	json=$(json_in "$@") || return 1
	got=$(jq -s -c "$expr" <<<"$json" 2>&1) &&
	    [ -n "$got" ] && ! grep -qvx true <<<"$got" && return 0
	{
		echo "assert_json: not true: $want"
		echo "jq said: ${got:-(nothing)}"
		json_show "$json"
	} >&2
	return 1
}

# json_get [-s] JQ-EXPR [FILE|-]: the values of JQ-EXPR over the JSON (see
# json_in), strings raw, one a line; a jq error fails with the JSON shown.
json_get() {
	local slurp=()
	if [ "${1:-}" = -s ]; then
		slurp=(-s)
		shift
	fi
	local want=$1 expr json
	expr=$(json_one "${slurp[@]}" "$want")
	shift
	json=$(json_in "$@") || return 1
	jq -s -r "$expr" <<<"$json" && return 0
	{
		echo "json_get: jq failed on $want"
		json_show "$json"
	} >&2
	return 1
}

# sign_as_approve FILE: the decision_sig approve would write for FILE with
# the local key (see sig.c), to make an approval approve(1) no longer makes.
# SIGN_FIELDS: the action's signed fields after expires and action
# (lib/approval/actions.c; default send_email's).
sign_as_approve() {
	/usr/bin/python3 - "$1" "$HOME/.config/ai-employee/approval.key" <<'PY'
import hashlib, hmac, json, os, sys
data = open(sys.argv[1], 'rb').read()
head, body = data.split(b'\n---\n', 1)
fm = {}
for line in head.split(b'\n')[1:]:
    k, _, v = line.decode().partition(': ')
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = json.loads(v)
    fm[k] = v
def absorb(h, b):
    h.update(len(b).to_bytes(8, 'little')); h.update(b)
h = hashlib.blake2b(digest_size=32)
absorb(h, b'ai-employee approval v1')
absorb(h, os.path.basename(sys.argv[1])[:-3].encode())
signed = os.environ.get('SIGN_FIELDS', 'to cc subject in_reply_to references')
for k in ['decision', 'decided_at', 'expires', 'action'] + signed.split():
    absorb(h, k.encode()); absorb(h, fm.get(k, '').encode())
absorb(h, body)
key = bytes.fromhex(open(sys.argv[2]).read().strip()[:64])
print(hmac.new(key, h.digest(), hashlib.sha512).digest()[:32].hex())
PY
}

# resign FILE: an approval of FILE as it is now, signed with the local key:
# what a draft approve(1) refuses would carry if it had been signed anyway.
resign() {
	sed -i '/^decision_sig: /d' "$1"
	sed -i "s/^decision: approved\$/&\ndecision_sig: $(sign_as_approve "$1")/" "$1"
}

# nginx_around DIR SITE: DIR/conf/nginx.conf as Debian's nginx.conf holds
# a site: SITE (a file, as sites-enabled/ is) included inside http { },
# every path under DIR (logs/, tmp/, nginx.pid), as root with workers of
# root. Start it with: nginx -p DIR/ -c conf/nginx.conf -e DIR/logs/error.log
nginx_around() {
	local d=$1 site=$2
	mkdir -p "$d/conf" "$d/logs" "$d/tmp"
	{
		[ "$(id -u)" -ne 0 ] || echo "user root root;"
		cat <<-EOF
		worker_processes 1;
		pid $d/nginx.pid;
		error_log $d/logs/error.log;
		events { worker_connections 64; }
		http {
		    access_log $d/logs/access.log;
		    client_body_temp_path $d/tmp/body;
		    proxy_temp_path $d/tmp/proxy;
		    fastcgi_temp_path $d/tmp/fastcgi;
		    uwsgi_temp_path $d/tmp/uwsgi;
		    scgi_temp_path $d/tmp/scgi;
		    include $site;
		}
		EOF
	} >"$d/conf/nginx.conf"
}
