#!/bin/sh
# setup-vm.sh - set up an ai-employee agent on a Debian or Ubuntu machine
# (x86-64 or ARM64), as root. Idempotent: every step looks first and does
# only what is missing, so running it again is safe (and is how to resume
# after a failure). --dry-run prints what it would do and changes nothing.
#
#   setup-vm.sh [--dry-run] [--agent cloud|local] [--user NAME]
#               [--remote URL] [--scheduler cron|pm2|none] [--src DIR]
#               [--host NAME]
#
# Steps:
#   1. packages    apt-get the build and run dependencies (and nodejs/npm
#                  for PM2, nginx/fcgiwrap/certbot for a local dashboard)
#   2. user        a system-less login user (default aiemp) that owns the
#                  vault and runs the loops; an SSH key for the Git remote
#   3. toolkit     build and install the tools from --src (a source tree),
#                  unless they are installed already
#   4. config      ~USER/.config/ai-employee/env (mode 0600), written once,
#                  from env.AGENT.example (every key, annotated) with
#                  VAULT_DIR, VAULT_AGENT and the SSH key of step 2 filled in
#   5. vault       vault-init -a AGENT --clone URL ~USER/vault (needs the
#                  SSH key of step 2 accepted by the remote, as a deploy key
#                  with write access)
#   6. dirs        the log and lock directories, /run/ai-employee (local)
#   7. scheduler   cron: the agent's crontab for USER; pm2: npm's pm2, the
#                  agent's ecosystem started and saved, and `pm2 startup`
#                  (a systemd unit that brings it back at boot)
#   8. webhook     cloud with --host NAME: the WhatsApp webhook's TLS site
#                  (nginx-wa-webhook.conf rendered by render-nginx.sh -s)
#                  in the system nginx, its certificate from certbot
#                  (webroot, the default site on port 80), and the
#                  webhook's own FastCGI server (wa-webhook.cgi -s) run as
#                  USER by the unit ai-employee-wa-webhook
set -eu

DRY=0
AGENT=cloud
USER_NAME=aiemp
REMOTE=""
SCHED=cron
SRC=""
HOST=""
PREFIX=${PREFIX:-/usr/local}
DATADIR=${DATADIR:-$PREFIX/share/ai-employee}

usage() {
	echo "usage: setup-vm.sh [--dry-run] [--agent cloud|local] [--user NAME]" >&2
	echo "                   [--remote URL] [--scheduler cron|pm2|none] [--src DIR]" >&2
	echo "                   [--host NAME]" >&2
	exit 2
}

# die, step and run come from common.sh, beside this script
PROG=setup-vm
here_common=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here_common/common.sh"

while [ $# -gt 0 ]; do
	case $1 in
	-n|--dry-run) DRY=1 ;;
	--agent) AGENT=${2:?}; shift ;;
	--user) USER_NAME=${2:?}; shift ;;
	--remote) REMOTE=${2:?}; shift ;;
	--scheduler) SCHED=${2:?}; shift ;;
	--src) SRC=${2:?}; shift ;;
	--host) HOST=${2:?}; shift ;;
	-h|--help) usage ;;
	*) echo "setup-vm: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
case $AGENT in cloud|local) ;; *) die "--agent is cloud or local" ;; esac
case $SCHED in cron|pm2|none) ;; *) die "--scheduler is cron, pm2 or none" ;; esac
case $USER_NAME in
[a-z_]*) ;;
*) die "bad user name: $USER_NAME" ;;
esac
case $HOST in
'') ;;
*[!a-z0-9.-]*|.*|*.) die "bad host name: $HOST" ;;
*) [ "$AGENT" = cloud ] || die "--host is the cloud's (the webhook's TLS site)" ;;
esac

# The source tree: --src, else the tree this script sits in (share/deploy).
if [ -z "$SRC" ]; then
	here=$(cd "$(dirname "$0")" && pwd)
	[ -f "$here/../../Makefile" ] && SRC=$(cd "$here/../.." && pwd)
fi

# as_user CMD...: run CMD as the agent's user, in its home, login env.
as_user() {
	run runuser -u "$USER_NAME" -- env HOME="$HOME_DIR" \
	    PATH="$PREFIX/bin:/usr/local/bin:/usr/bin:/bin" "$@"
}

if [ "$DRY" = 0 ] && [ "$(id -u)" -ne 0 ]; then
	die "run as root (or try --dry-run)"
fi

# -- the system ------------------------------------------------------------
[ -r /etc/os-release ] || die "/etc/os-release missing: not Debian or Ubuntu"
# shellcheck disable=SC1091
. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in
*" debian "*|*" ubuntu "*) ;;
*) die "${PRETTY_NAME:-this system}: only Debian and Ubuntu are supported" ;;
esac
ARCH=$(dpkg --print-architecture)
case $ARCH in
amd64|arm64) ;;
*) die "architecture $ARCH: only amd64 (x86-64) and arm64" ;;
esac
echo "setup-vm: ${PRETTY_NAME:-$ID} on $ARCH, agent $AGENT, user $USER_NAME, scheduler $SCHED$( [ "$DRY" = 1 ] && echo ' (dry run: nothing is changed)')"

# -- 1. packages ---------------------------------------------------------------
step "1. packages"
PKGS="ca-certificates git make gcc pkg-config libgit2-dev libcurl4-openssl-dev
libjansson-dev libsodium-dev util-linux cron openssh-client"
[ "$SCHED" = pm2 ] && PKGS="$PKGS nodejs npm"
if [ "$AGENT" = local ]; then
	PKGS="$PKGS nginx-light fcgiwrap certbot"
elif [ -n "$HOST" ]; then
	PKGS="$PKGS nginx-light certbot"   # the webhook serves FastCGI itself
fi
# shellcheck disable=SC2086
printf '   packages:' && printf ' %s' $PKGS && echo
# one dpkg-query for all (it is slow to start)
# shellcheck disable=SC2086
have=$(dpkg-query -W -f '${Package} ${Status}\n' $PKGS 2>/dev/null |
    awk '/ ok installed$/ { print $1 }')
missing=""
for p in $PKGS; do
	echo "$have" | grep -qxF "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	run apt-get -o DPkg::Lock::Timeout=300 update -qq
	# shellcheck disable=SC2086
	run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
	    install -y -qq $missing
else
	echo "   all installed"
fi

# -- 2. user -----------------------------------------------------------------
step "2. user $USER_NAME"
if id "$USER_NAME" >/dev/null 2>&1; then
	HOME_DIR=$(getent passwd "$USER_NAME" | cut -d: -f6)
	echo "   exists (home $HOME_DIR)"
else
	HOME_DIR=/home/$USER_NAME
	run useradd --create-home --home-dir "$HOME_DIR" --shell /bin/bash \
	    --comment "ai-employee $AGENT agent" "$USER_NAME"
fi
if [ -f "$HOME_DIR/.ssh/id_ed25519" ]; then
	echo "   SSH key exists: $HOME_DIR/.ssh/id_ed25519.pub"
else
	as_user mkdir -p -m 700 "$HOME_DIR/.ssh"
	as_user ssh-keygen -q -t ed25519 -N '' -C "ai-employee-$AGENT@$(hostname)" \
	    -f "$HOME_DIR/.ssh/id_ed25519"
	echo "   add $HOME_DIR/.ssh/id_ed25519.pub to the Git remote as a deploy key with write access"
fi

# -- 3. toolkit --------------------------------------------------------------
step "3. toolkit"
if [ -x "$PREFIX/bin/vault-init" ] && [ -x "$PREFIX/bin/vault-sync" ]; then
	echo "   installed in $PREFIX/bin"
elif [ -n "$SRC" ]; then
	run make -C "$SRC" -j"$(nproc)"
	run make -C "$SRC" install PREFIX="$PREFIX"
else
	die "the tools are not installed and no source tree: pass --src DIR"
fi

# -- 4. config -------------------------------------------------------------------
step "4. config"
CONF_DIR=$HOME_DIR/.config/ai-employee
CONF=$CONF_DIR/env
VAULT=$HOME_DIR/vault
# the annotated example: installed in $DATADIR, else in the source tree
example=$DATADIR/env.$AGENT.example
[ -f "$example" ] || example=${SRC:+$SRC/share/env.$AGENT.example}
if [ -f "$CONF" ]; then
	echo "   $CONF exists (kept as it is)"
elif [ -z "$example" ] || { [ ! -f "$example" ] && [ "$DRY" = 0 ]; }; then
	die "env.$AGENT.example not found (in $DATADIR or --src)"
else
	as_user mkdir -p -m 700 "$CONF_DIR"
	if [ "$DRY" = 1 ]; then
		echo "+ write $CONF (mode 0600) from $example: VAULT_DIR=$VAULT VAULT_AGENT=$AGENT" \
		    "VAULT_SYNC_SSH_KEY=$HOME_DIR/.ssh/id_ed25519"
	else
		(umask 077 && sed -e "s|^VAULT_DIR=.*|VAULT_DIR=$VAULT|" \
		    -e "s|^VAULT_AGENT=.*|VAULT_AGENT=$AGENT|" \
		    -e "s|^#*VAULT_SYNC_SSH_KEY=.*|VAULT_SYNC_SSH_KEY=$HOME_DIR/.ssh/id_ed25519|" \
		    -e "s|/home/aiemp/|$HOME_DIR/|; s|/home/owner/|$HOME_DIR/|" \
		    "$example" >"$CONF.tmp" && mv "$CONF.tmp" "$CONF")
		chown "$USER_NAME:" "$CONF"
		echo "   $CONF written from $example: fill in the keys (see INSTALL)"
	fi
fi

# -- 5. vault --------------------------------------------------------------------
step "5. vault"
if [ -d "$VAULT/.git" ]; then
	echo "   $VAULT exists"
elif [ -n "$REMOTE" ]; then
	as_user vault-init -q -a "$AGENT" --clone "$REMOTE" "$VAULT"
elif [ "$AGENT" = local ]; then
	# single-agent mode: a vault of its own, no remote
	as_user vault-init -q -a local "$VAULT"
else
	die "the cloud agent needs the vault's Git remote: --remote URL"
fi

# -- 6. dirs -------------------------------------------------------------------
step "6. directories"
as_user mkdir -p "$HOME_DIR/.local/state/ai-employee" "$VAULT/.state/$AGENT"
if [ "$AGENT" = local ] || [ -n "$HOST" ]; then
	# the dashboard's fcgiwrap socket (or the webhook's own): the user and
	# nginx's group (setgid: the socket made there belongs to www-data too)
	TMPF=/etc/tmpfiles.d/ai-employee.conf
	if [ -f "$TMPF" ]; then
		echo "   $TMPF exists"
	elif [ "$DRY" = 1 ]; then
		echo "+ write $TMPF: d /run/ai-employee 2750 $USER_NAME www-data -"
	else
		echo "d /run/ai-employee 2750 $USER_NAME www-data -" >"$TMPF"
	fi
	if command -v systemd-tmpfiles >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		run systemd-tmpfiles --create "$TMPF"
	else
		run install -d -m 2750 -o "$USER_NAME" -g www-data /run/ai-employee
	fi
fi

# -- 7. scheduler ------------------------------------------------------------
step "7. scheduler: $SCHED"
case $SCHED in
cron)
	tab=$DATADIR/cron/crontab.$AGENT
	[ -f "$tab" ] || tab=${SRC:+$SRC/cron/crontab.$AGENT}
	if [ -z "$tab" ] || { [ ! -f "$tab" ] && [ "$DRY" = 0 ]; }; then
		die "crontab.$AGENT not found (in $DATADIR/cron or --src)"
	fi
	if crontab -u "$USER_NAME" -l 2>/dev/null | grep -q '^VAULT_AGENT='; then
		echo "   $USER_NAME has an ai-employee crontab (kept; edit with crontab -u $USER_NAME -e)"
	elif [ "$DRY" = 1 ]; then
		echo "+ crontab -u $USER_NAME $tab (with VAULT_DIR=$VAULT, AI_EMPLOYEE_CONFIG=$CONF)"
	else
		sed -e "s|^VAULT_DIR=.*|VAULT_DIR=$VAULT|" \
		    -e "s|^AI_EMPLOYEE_CONFIG=.*|AI_EMPLOYEE_CONFIG=$CONF|" \
		    -e "s|^PATH=.*|PATH=$PREFIX/bin:/usr/local/bin:/usr/bin:/bin|" "$tab" |
		    crontab -u "$USER_NAME" -
	fi
	;;
pm2)
	if command -v pm2 >/dev/null 2>&1; then
		echo "   pm2 installed: $(command -v pm2)"
	else
		run npm install -g --no-audit --no-fund pm2
	fi
	eco=$DATADIR/pm2/ecosystem.config.$AGENT.js
	[ -f "$eco" ] || eco=${SRC:+$SRC/pm2/ecosystem.config.$AGENT.js}
	if [ -z "$eco" ] || { [ ! -f "$eco" ] && [ "$DRY" = 0 ]; }; then
		die "ecosystem.config.$AGENT.js not found (in $DATADIR/pm2 or --src)"
	fi
	as_user env AI_EMPLOYEE_CONFIG="$CONF" pm2 start "$eco"
	if [ "$AGENT" = local ]; then
		# aie-local-nginx renders its configuration at every start
		echo "   dashboard: nginx on DASHBOARD_LISTEN (default 127.0.0.1:8080), its configuration" \
		    "rendered into $HOME_DIR/.local/state/ai-employee/nginx/conf/nginx.conf"
	fi
	as_user pm2 save
	# a systemd unit pm2-USER that resurrects the saved list at boot
	run pm2 startup systemd -u "$USER_NAME" --hp "$HOME_DIR"
	;;
none)
	echo "   none: start the loops yourself (see INSTALL)"
	;;
esac

# -- 8. webhook ---------------------------------------------------------------
if [ "$AGENT" = cloud ]; then
	step "8. webhook${HOST:+ https://$HOST/webhook/whatsapp}"
	if [ -z "$HOST" ]; then
		echo "   not installed: --host NAME installs its TLS site (see wa-webhook(1))"
	else
		unit=/etc/systemd/system/ai-employee-wa-webhook.service
		if [ -f "$unit" ]; then
			echo "   $unit exists"
		elif [ "$DRY" = 1 ]; then
			echo "+ write $unit: wa-webhook.cgi -s as $USER_NAME on /run/ai-employee/wa-webhook.sock"
		else
			cat >"$unit" <<EOF
# written by setup-vm.sh: the webhook is its own FastCGI server (a fork per
# delivery, not an exec; see wa-webhook(1)) running as the vault's owner;
# only nginx's group reaches the socket (the directory is 2750). A stop
# goes to the server alone, which lets the deliveries in hand finish.
[Unit]
Description=ai-employee WhatsApp webhook (wa-webhook.cgi -s)
After=network.target

[Service]
User=$USER_NAME
Group=www-data
UMask=0007
ExecStart=$PREFIX/lib/ai-employee/cgi/wa-webhook.cgi -s unix:/run/ai-employee/wa-webhook.sock -c 4
KillMode=mixed
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
		fi
		run systemctl daemon-reload
		run systemctl enable --now ai-employee-wa-webhook
		live=/etc/letsencrypt/live/$HOST
		if [ -f "$live/fullchain.pem" ]; then
			echo "   certificate $live exists"
		else
			# the Debian default site answers port 80 from /var/www/html
			run certbot certonly --webroot -w /var/www/html -d "$HOST" \
			    --non-interactive --agree-tos --register-unsafely-without-email \
			    --deploy-hook "systemctl reload nginx"
		fi
		tpl=$DATADIR/deploy/nginx-wa-webhook.conf
		[ -f "$tpl" ] || tpl=${SRC:+$SRC/share/deploy/nginx-wa-webhook.conf}
		if [ -z "$tpl" ] || { [ ! -f "$tpl" ] && [ "$DRY" = 0 ]; }; then
			die "nginx-wa-webhook.conf not found (in $DATADIR/deploy or --src)"
		fi
		site=/etc/nginx/sites-available/ai-employee-wa-webhook
		run env SERVER_NAME="$HOST" LISTEN=443 CERT="$live/fullchain.pem" \
		    KEY="$live/privkey.pem" CGI="$PREFIX/lib/ai-employee/cgi/wa-webhook.cgi" \
		    SOCKET=/run/ai-employee/wa-webhook.sock VAULT_DIR="$VAULT" \
		    HOME="$HOME_DIR" LOG_DIR=/var/log/nginx \
		    sh "$(dirname "$tpl")/render-nginx.sh" -s "$tpl" -o "$site"
		run ln -sf ../sites-available/ai-employee-wa-webhook /etc/nginx/sites-enabled/
		run nginx -t -q
		run systemctl reload nginx
		echo "   callback URL for Meta: https://$HOST/webhook/whatsapp (INSTALL 11.6)"
	fi
fi

echo "setup-vm: done$( [ "$DRY" = 1 ] && echo ' (dry run)')"
