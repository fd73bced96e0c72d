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
	    SMTP_URL IMAP_URL WA_TOKEN TWILIO_SID XDG_CONFIG_HOME
	export TZ=UTC
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
