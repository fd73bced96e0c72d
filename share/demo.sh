#!/bin/sh
# demo.sh - the demo of ai-employee(7) on one machine, on the embedded defaults:
# a bare remote, a cloud clone and a local clone; mail arrives while local is
# offline; cloud claims it, drafts a reply (offline template, no LLM key),
# notifies (outbox) and syncs; local comes online, syncs, the owner approves
# (through the dashboard CGI over HTTP when nginx and fcgiwrap are here,
# else with approve(1)); vault-exec sends (to an SMTP sink on loopback when
# aiosmtpd is here, else to the outbox); both sync. It prints a timeline and
# checks that both clones end identical with both items in Done/.
# Alongside the mail, through the same clones, sync and approval, with the
# fakes of t/fake/ on 127.0.0.1 as the outside services (demo-fakes.sh):
# a LinkedIn post drafted on cloud (demo-social.sh), a customer's WhatsApp
# message delivered signed to wa-webhook.cgi and a reply drafted
# (demo-wa.sh), an invoice drafted in Odoo (demo-odoo.sh); local's
# vault-exec publishes, sends and posts them, and the demo checks that each
# fake got exactly one post, one message and one posted invoice. It ends
# with the Monday briefing of its own week (briefing(1) --week), checked:
# the invoice's 1250.00 as the week's revenue and the 4 pieces of work
# done (a reply and the message it answers count once).
#
# DEMO_NO_WEB=1 and DEMO_NO_SMTP=1 take the fallbacks (approve(1), the
# outbox) even where nginx and aiosmtpd are installed.
# With --single (or ENABLE_CLOUD_AGENT=false) the same flow runs in
# single-agent mode: one vault, no remote, the local agent does everything.
#
#   share/demo.sh [--single] [--keep]   --keep leaves the demo directory behind
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
: "${AIE_BIN:=$top/build/bin}"
: "${AIE_CGI:=$top/build/cgi}"
PATH="$AIE_BIN:$PATH"
export PATH
keep=0
single=0
[ "${ENABLE_CLOUD_AGENT:-true}" = false ] && single=1
for a in "$@"; do
	case $a in
	--keep) keep=1 ;;
	--single) single=1 ;;
	*) echo "usage: demo.sh [--single] [--keep]" >&2; exit 2 ;;
	esac
done

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) ||
    { echo "demo: python3 is needed for the fake services of t/fake/" >&2; exit 69; }
# shellcheck source-path=SCRIPTDIR source=demo-fakes.sh
. "$top/share/demo-fakes.sh"
# shellcheck source-path=SCRIPTDIR source=demo-social.sh
. "$top/share/demo-social.sh"
# shellcheck source-path=SCRIPTDIR source=demo-wa.sh
. "$top/share/demo-wa.sh"
# shellcheck source-path=SCRIPTDIR source=demo-odoo.sh
. "$top/share/demo-odoo.sh"

demo=$(mktemp -d "${TMPDIR:-/tmp}/ai-employee-demo.XXXXXX")
smtp_pid=""
web_started=0
cleanup() {
	rc=$?
	set +e
	fakes_stop
	[ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null && wait "$smtp_pid" 2>/dev/null
	[ "$web_started" = 1 ] && "$top/cgi/run-dashboard" stop "$demo/web" >/dev/null 2>&1
	if [ "$keep" = 1 ]; then
		echo "demo: kept $demo"
	else
		rm -rf "$demo"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Everything the tools read lives in the demo directory: no user config, no
# user keys, no network beyond loopback.
export HOME="$demo/home" AI_EMPLOYEE_CONFIG="$demo/home/env" TZ=UTC
export VAULT_SYNC_BACKOFF=0.2,0.5
# the demo approves and executes at once: no grace for Undo (vault-exec(1))
export EXEC_GRACE=0
unset VAULT_DIR VAULT_AGENT LLM_PROVIDER ANTHROPIC_API_KEY OPENAI_BASE_URL \
    SMTP_URL IMAP_URL WA_PROVIDER WA_TOKEN WA_SEND_TOKEN WA_MEDIA_TOKEN TWILIO_SID XDG_CONFIG_HOME \
    SOCIAL_NETWORKS LINKEDIN_VERSION WA_API_VERSION ODOO_API_MODE ODOO_API_KEY \
    ODOO_POST_API_KEY EXEC_MAX_PER_HOUR 2>/dev/null || true
mkdir -p "$HOME"

start=$(date +%s%N)
step() {
	now=$(date +%s%N)
	ms=$(( (now - start) / 1000000 ))
	printf '%6d.%03d s  %-6s %s\n' $((ms / 1000)) $((ms % 1000)) "$1" "$2"
}
die() { echo "demo: $*" >&2; exit 1; }
q() { "$@" >>"$demo/log" 2>&1 || die "failed: $* (see the log below)$(echo; tail -n 20 "$demo/log")"; }

free_port() {
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null ||
	    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

echo "ai-employee demo in $demo"
echo
if [ "$single" = 1 ]; then
	q vault-init -q -a local "$demo/local"
	step local "vault-init: one vault, no remote (single-agent mode)"
	cloud_dir=$demo/local cloud=local
else
	cloud_dir=$demo/cloud cloud=cloud
	git init -q --bare "$demo/remote.git"
	step setup "a bare remote: $demo/remote.git"
	q vault-init -q -a local --remote "$demo/remote.git" "$demo/local"
	step local "vault-init --remote: the local vault, its first commit pushed"
	q vault-init -q -a cloud --clone "$demo/remote.git" "$demo/cloud"
	step "$cloud" "vault-init --clone: the cloud agent's vault"
	step local "goes offline (the owner's laptop is shut)"
fi

fakes_start

cat >"$demo/mail.eml" <<'EOT'
From: Alice Example <alice@example.com>
To: owner@example.com
Subject: Where is my order 1234?
Date: Mon, 30 Nov 2026 10:15:00 +0000
Message-ID: <order-1234@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

I ordered a chair two weeks ago (order 1234). When will it arrive?

Thanks,
Alice
EOT
email=$(mail-fetch -q -C "$cloud_dir" -a "$cloud" -f "$demo/mail.eml")
[ -n "$email" ] || die "mail-fetch made no item"
step "$cloud" "mail-fetch -f: $email"
claimed=$(echo "$email" | vault-claim -q -C "$cloud_dir" -a "$cloud" -)
step "$cloud" "vault-claim: $claimed"
draft=$(echo "$claimed" | draft-email -q -C "$cloud_dir" -a "$cloud" -)
step "$cloud" "draft-email (offline template): $draft"
social_draft
wa_arrive
wa_draft
odoo_draft
q notify-wa -C "$cloud_dir" -a "$cloud" --approvals
step "$cloud" "notify-wa --approvals: no WhatsApp configured, written to Logs/Notifications/"
q vault-sync -q -C "$cloud_dir" -a "$cloud"
if [ "$single" = 1 ]; then
	step local "vault-sync: committed (no remote: single-agent mode)"
else
	step "$cloud" "vault-sync: pushed"
	step local "comes back online"
	q vault-sync -q -C "$demo/local" -a local
fi
draft_id=$(basename "$draft" .md)
for id in $(approve -C "$demo/local" --list | cut -f1); do
	step local "waits for approval: $id"
done

# approve_one ID WHAT: the owner approves ID, on the dashboard when it is
# up (web_url), else (or when that fails) with approve(1).
n_web=0 n_cli=0
approve_one() {
	if [ -n "$web_url" ] && "$top/share/demo-approve.sh" "$web_url" "$pw" "$1" >>"$demo/log" 2>&1; then
		n_web=$((n_web + 1))
		step owner "tapped Approve on the dashboard: $2"
		return
	fi
	[ -z "$web_url" ] || step owner "the dashboard approval of $1 failed (see log); approving with the CLI"
	q approve -q -C "$demo/local" "$1"
	n_cli=$((n_cli + 1))
	step owner "approve $1 (command line): $2"
}

web_url=""
if [ -z "${DEMO_NO_WEB:-}" ] && [ -x /usr/sbin/nginx ] && [ -x /usr/sbin/fcgiwrap ] && command -v curl >/dev/null &&
    [ -x "$AIE_BIN/dashboard-passwd" ] && [ -x "$AIE_CGI/dashboard.cgi" ]; then
	port=$(free_port)
	pw=demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	printf "%s\n" "$pw" | q dashboard-passwd -q
	VAULT_DIR="$demo/local" VAULT_AGENT=local q "$top/cgi/run-dashboard" start "$demo/web" "$port"
	web_started=1
	step local "the phone dashboard: http://127.0.0.1:$port/ (nginx + fcgiwrap)"
	web_url=http://127.0.0.1:$port
fi
approve_one "$draft_id" "the reply to Alice's mail"
approve_one "$post_id" "the LinkedIn post"
approve_one "$wa_reply_id" "the WhatsApp reply to Alice"
approve_one "$inv_id" "the invoice to Acme Corp"
if [ "$web_started" = 1 ]; then
	"$top/cgi/run-dashboard" stop "$demo/web" >/dev/null 2>&1 || true
	web_started=0
fi
if [ "$n_cli" = 0 ]; then approved=dashboard
elif [ "$n_web" = 0 ]; then approved=cli
else approved="dashboard and cli"
fi

if [ -z "${DEMO_NO_SMTP:-}" ] && [ -x /usr/bin/python3 ] &&
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	sport=$(free_port)
	mkdir -p "$demo/smtp"
	# its own session: aiosmtpd signals its whole process group on exit
	setsid /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$sport" \
	    -c aiosmtpd.handlers.Mailbox "$demo/smtp/mbox" >>"$demo/log" 2>&1 &
	smtp_pid=$!
	i=0
	while ! /usr/bin/python3 -c "import socket;socket.create_connection(('127.0.0.1',$sport),1)" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 50 ] || die "the SMTP sink did not start"; sleep 0.1
	done
	export SMTP_URL="smtp://127.0.0.1:$sport" SMTP_STARTTLS=no SMTP_FROM=owner@example.com
	step local "an SMTP sink on 127.0.0.1:$sport (aiosmtpd)"
fi
local_services
q vault-exec -q -C "$demo/local" -a local
if [ -n "${SMTP_URL:-}" ]; then
	step local "vault-exec: sent over SMTP ($(find "$demo/smtp/mbox/new" -type f 2>/dev/null | wc -l) message(s) in the sink)"
else
	step local "vault-exec: no SMTP here, written to Logs/Outbox/"
fi
social_done
wa_done
odoo_done
q vault-status -q -C "$demo/local" --dashboard
step local "vault-status --dashboard: Dashboard.md rewritten"
q vault-sync -q -C "$demo/local" -a local
if [ "$single" = 1 ]; then
	step local "vault-sync: committed"
else
	step local "vault-sync: pushed"
	q vault-sync -q -C "$cloud_dir" -a "$cloud"
	step "$cloud" "vault-sync: up to date"
fi

# Both clones hold the same files (but for per-agent state), and both the
# mail and its reply are in Done/.
sum() { (cd "$1" && find . -path ./.git -prune -o -path ./.state -prune -o -type f -print |
    LC_ALL=C sort | while read -r f; do cksum "$f"; done); }
sum "$demo/local" >"$demo/local.sum"
sum "$cloud_dir" >"$demo/cloud.sum"
cmp -s "$demo/local.sum" "$demo/cloud.sum" ||
    die "the clones differ: $(diff "$demo/local.sum" "$demo/cloud.sum" | head)"
[ -z "$(git -C "$demo/local" status --porcelain)" ] ||
    die "the local vault has uncommitted changes after the last sync"
email_id=$(basename "$email" .md)
for id in "$email_id" "$draft_id" "$post_id" "$wa_id" "$wa_reply_id" "$inv_id"; do
	[ -n "$(find "$demo/local/Done" -name "$id.md")" ] || die "$id is not in Done/"
done
social_check
wa_check
odoo_check
if [ "$single" = 1 ]; then what="vault committed"; else what="both clones identical"; fi
step check "$what; $email_id and $draft_id are in Done/ (approved via $approved)"
step check "the fakes got exactly 1 LinkedIn post, 1 WhatsApp message to +$wa_customer and 1 posted invoice; the post, the message, its reply and the invoice are in Done/"

# The Monday briefing of the demo's week (ISO, UTC: the week it ran in),
# written by the agent that drafts, from the same vault: every number in
# it is computed (briefing(1)), so the work done and the revenue are the
# demo's own.
week=$(date -u +%G-W%V)
brief=$(briefing -q -C "$cloud_dir" -a "$cloud" --week "$week" 2>"$demo/err") ||
    die "briefing failed: $(cat "$demo/err")"
[ -f "$cloud_dir/$brief" ] || die "briefing wrote no file ($brief)"
grep -qx "period: $week" "$cloud_dir/$brief" || die "$brief: not the week $week"
grep -q '^- Week (.*): 1250\.00 USD$' "$cloud_dir/$brief" ||
    die "$brief: the week's revenue is not the invoice's 1250.00"
grep -q '^4 items done: email 1, whatsapp 1, finance 1, social 1\.$' "$cloud_dir/$brief" ||
    die "$brief: not the 4 items done (a reply and its mail count once)"
step "$cloud" "briefing --week $week: $brief (revenue 1250.00, 4 items done)"
echo
vault-status -C "$demo/local" | sed 's/^/  /'
