#!/usr/bin/env bats
# share/deploy: the VM set-up (dry run), the TLS site served by a real
# nginx + fcgiwrap, the Odoo install (dry run) and backup/restore against a
# real PostgreSQL when its server programs are installed. The pre-commit
# hook is tested in t/24-secret-guard.bats.
load helper

D="$TOP/share/deploy"

setup() { common_setup; }

teardown() {
	if [ -n "${PGDATA_T:-}" ] && [ -f "$PGDATA_T/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PGDATA_T" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	if [ -f "$BATS_TEST_TMPDIR/pgbase" ]; then
		rm -rf "$(cat "$BATS_TEST_TMPDIR/pgbase")"
	fi
	if [ -f "$BATS_TEST_TMPDIR/web/nginx.pid" ]; then
		kill -TERM "$(cat "$BATS_TEST_TMPDIR/web/nginx.pid")" 2>/dev/null || true
	fi
	if [ -f "$BATS_TEST_TMPDIR/web/fcgiwrap.pid" ]; then
		kill -TERM -- "-$(cat "$BATS_TEST_TMPDIR/web/fcgiwrap.pid")" 2>/dev/null || true
	fi
	return 0
}

free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

@test "the deployment scripts and the hook pass shellcheck" {
	command -v shellcheck >/dev/null || skip "shellcheck not installed"
	run shellcheck -x "$D/setup-vm.sh" "$D/odoo-install.sh" "$D/odoo-backup.sh" "$D/common.sh" "$D/pre-commit" "$D/render-nginx.sh" "$TOP/cgi/run-dashboard"
	assert_success
	assert_output ''
}

# ---- setup-vm.sh ------------------------------------------------------------

@test "setup-vm.sh --dry-run names every step for a cloud VM and changes nothing" {
	local user="aietest$RANDOM"
	run ! id "$user"
	run "$D/setup-vm.sh" --dry-run --user "$user" --remote git@example.com:me/vault.git
	assert_success
	assert_output --partial "== 1. packages"
	assert_output --regexp "useradd .* $user"
	assert_output --partial "ssh-keygen -q -t ed25519"
	assert_output --partial "vault-init -q -a cloud --clone git@example.com:me/vault.git /home/$user/vault"
	assert_output --partial "VAULT_AGENT=cloud"
	assert_output --partial "crontab -u $user"
	assert_output --partial "cron/crontab.cloud"
	assert_output --partial "(dry run)"
	run ! id "$user"
	[ ! -e "/home/$user" ]
}

@test "setup-vm.sh --dry-run with PM2 on a local machine names pm2 startup and the socket directory" {
	local user="aietest$RANDOM"
	run "$D/setup-vm.sh" --dry-run --agent local --scheduler pm2 --user "$user"
	assert_success
	assert_output --regexp "packages: .*nodejs npm nginx-light fcgiwrap certbot"
	assert_output --partial "vault-init -q -a local /home/$user/vault"
	assert_output --partial "pm2 start"
	assert_output --partial "ecosystem.config.local.js"
	assert_output --partial "pm2 save"
	assert_output --partial "pm2 startup systemd -u $user --hp /home/$user"
	assert_output --partial "/run/ai-employee"
	assert_output --partial "/home/$user/.local/state/ai-employee/nginx/conf/nginx.conf"
	run ! id "$user"
}

@test "setup-vm.sh writes the config from the agent's annotated example, with the SSH key" {
	local user="aietest$RANDOM"
	run "$D/setup-vm.sh" --dry-run --user "$user" --remote git@example.com:me/vault.git
	assert_success
	assert_output --regexp "\\+ write /home/$user/.config/ai-employee/env \\(mode 0600\\) from [^ ]*/env.cloud.example"
	assert_output --partial "VAULT_SYNC_SSH_KEY=/home/$user/.ssh/id_ed25519"
	run "$D/setup-vm.sh" --dry-run --agent local --user "$user"
	assert_success
	assert_output --regexp "from [^ ]*/env.local.example"
}

@test "setup-vm.sh refuses bad arguments and a cloud agent without a remote" {
	run -2 "$D/setup-vm.sh" --dry-run --bogus
	run -1 "$D/setup-vm.sh" --dry-run --agent moon
	run -1 "$D/setup-vm.sh" --dry-run --scheduler systemd
	run -1 "$D/setup-vm.sh" --dry-run --user "aietest$RANDOM"
	assert_output --partial "needs the vault's Git remote"
}

# ---- nginx-dashboard.conf -------------------------------------------------------

@test "the TLS site serves the CGI over HTTPS only, with HSTS and SCRIPT_FILENAME" {
	command -v nginx >/dev/null || skip "nginx not installed"
	command -v fcgiwrap >/dev/null || skip "fcgiwrap not installed"
	command -v openssl >/dev/null || skip "openssl not installed"
	local w="$BATS_TEST_TMPDIR/web" port
	mkdir -p "$w/conf" "$w/logs" "$w/tmp" "$w/cert"
	port=$(free_port)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=dashboard.example.com -days 1 -keyout "$w/cert/privkey.pem" \
	    -out "$w/cert/fullchain.pem" 2>/dev/null
	# a CGI that shows what it was given
	cat >"$w/show.cgi" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "SCRIPT_FILENAME=$SCRIPT_FILENAME"
echo "PATH_INFO=$PATH_INFO"
echo "HTTPS=$HTTPS"
echo "AI_EMPLOYEE_CONFIG=$AI_EMPLOYEE_CONFIG"
echo "VAULT_AGENT=$VAULT_AGENT"
EOF
	chmod 755 "$w/show.cgi"
	# the site as shipped, with this test's port, certificate, socket, CGI
	sed -e "s|listen 443 ssl http2;|listen 127.0.0.1:$port ssl http2;|" \
	    -e '/listen \[::\]:443/d' \
	    -e "s|/etc/letsencrypt/live/dashboard.example.com|$w/cert|" \
	    -e "s|/var/log/nginx|$w/logs|" \
	    -e "s|/run/ai-employee/fcgiwrap.sock|$w/fcgiwrap.sock|" \
	    -e "s|/usr/local/lib/ai-employee/cgi/dashboard.cgi|$w/show.cgi|" \
	    -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
	    "$D/nginx-dashboard.conf" >"$w/conf/site.conf"
	# every production path and port 443 was replaced (the test's own
	# port may have 443 inside it, as 44437 does)
	run grep -nE '^[^#]*(/etc/letsencrypt|/run/ai-employee|/var/log|listen ([^ ;]*:)?443[ ;])' "$w/conf/site.conf"
	assert_failure
	nginx_around "$w" "$w/conf/site.conf"
	run nginx -t -p "$w/" -c conf/nginx.conf -e "$w/logs/error.log"
	assert_success
	(setsid fcgiwrap -c 1 -s "unix:$w/fcgiwrap.sock" </dev/null >>"$w/logs/fcgiwrap.log" 2>&1 &
	 echo $! >"$w/fcgiwrap.pid")
	wait_for -t 5 [ -S "$w/fcgiwrap.sock" ]
	nginx -p "$w/" -c conf/nginx.conf -e "$w/logs/error.log"
	run curl -sk -D - --retry 20 --retry-connrefused --retry-delay 0 \
	    --resolve "dashboard.example.com:$port:127.0.0.1" \
	    "https://dashboard.example.com:$port/item"
	assert_success
	assert_output --partial "HTTP/2 200"
	assert_output --regexp 'strict-transport-security: max-age=[0-9]{8,}; includeSubDomains'
	assert_output --partial "x-content-type-options: nosniff"
	assert_output --partial "SCRIPT_FILENAME=$w/show.cgi"
	assert_output --partial "PATH_INFO=/item"
	assert_output --partial "HTTPS=on"
	assert_output --partial "AI_EMPLOYEE_CONFIG=/home/owner/.config/ai-employee/env"
	assert_output --partial "VAULT_AGENT=local"
	refute_output --partial "nginx/1"
	# plain HTTP on the same port gets no page
	run curl -s "http://127.0.0.1:$port/item"
	refute_output --partial "SCRIPT_FILENAME"
}

# ---- Odoo -------------------------------------------------------------------------

@test "odoo-install.sh --dry-run names the repository, the package, the config and changes nothing" {
	[ ! -e /etc/apt/sources.list.d/odoo.list ] || skip "Odoo's repository is configured on this machine"
	run "$D/odoo-install.sh" --dry-run --version 17.0 --db acme
	assert_success
	assert_output --partial "https://nightly.odoo.com/odoo.key"
	assert_output --partial "https://nightly.odoo.com/17.0/nightly/deb/ ./"
	assert_output --partial "install -y -qq odoo"
	assert_output --partial "http_interface = 127.0.0.1"
	assert_output --partial "-d acme -i base --without-demo=all --stop-after-init"
	[ ! -e /etc/apt/sources.list.d/odoo.list ]
	run -2 "$D/odoo-install.sh" --dry-run --bogus
	run -1 "$D/odoo-install.sh" --dry-run --version latest
}

@test "odoo-backup.sh --dry-run shows the backup and the exact restore steps" {
	run "$D/odoo-backup.sh" --dry-run --db shop --dir "$BATS_TEST_TMPDIR/bk"
	assert_success
	assert_output --partial "pg_dump -Fc -d shop"
	assert_output --partial "/var/lib/odoo/.local/share/Odoo/filestore/shop"
	touch "$BATS_TEST_TMPDIR/x.odoo.tar.gz"
	run "$D/odoo-backup.sh" --dry-run --db shop --restore "$BATS_TEST_TMPDIR/x.odoo.tar.gz" --service none
	assert_success
	assert_output --partial "1. check the archive"
	assert_output --partial "pg_restore --no-owner"
	assert_output --partial "6. start the service"
	run -1 "$D/odoo-backup.sh" --db shop --restore "$BATS_TEST_TMPDIR/none.tar.gz"
	run -1 "$D/odoo-backup.sh" --dry-run --keep 0
	run -1 "$D/odoo-backup.sh" --dry-run --db 'x;drop'
}

# pg_as CMD...: run a PostgreSQL server program as a user it accepts.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start_pg() {
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] ||
	    skip "PostgreSQL server programs (initdb, pg_ctl) not installed: only --dry-run is tested"
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		skip "no postgres user to run the server as"
	fi
	# outside the test's directory, which the postgres user cannot reach
	local base
	base=$(mktemp -d /tmp/aie-pg.XXXXXX)
	echo "$base" >"$BATS_TEST_TMPDIR/pgbase"
	[ "$(id -u)" -ne 0 ] || chown postgres "$base"
	PGDATA_T="$base/data"
	export PGHOST="$base" PGPORT PGUSER=postgres
	PGPORT=$(free_port)
	pg_as "$PG_BIN/initdb" -N -A trust -U postgres -D "$PGDATA_T" >/dev/null
	pg_as "$PG_BIN/pg_ctl" -D "$PGDATA_T" -l "$base/log" -w \
	    -o "-k $base -p $PGPORT -c listen_addresses='' -c fsync=off" start >/dev/null
}

@test "odoo-backup.sh backs up a real database and filestore, rotates, restores, refuses a tampered archive" {
	start_pg
	local fs="$BATS_TEST_TMPDIR/filestore/shop" bk="$BATS_TEST_TMPDIR/bk" file
	createdb shop
	psql -X -q -d shop -c "create table t (x int, s text); insert into t select g, md5(g::text) from generate_series(1, 500) g"
	mkdir -p "$fs/ab"
	echo attachment >"$fs/ab/ab12cd"
	# an old backup to rotate away, and one of another database to keep
	mkdir -p "$bk"
	touch -d '20 days ago' "$bk/shop-20200101T000000Z.odoo.tar.gz" "$bk/other-20200101T000000Z.odoo.tar.gz"
	run "$D/odoo-backup.sh" --db shop --dir "$bk" --filestore "$fs" --keep 14
	assert_success
	file=$(ls "$bk"/shop-2026*.odoo.tar.gz "$bk"/shop-20[3-9]*.odoo.tar.gz 2>/dev/null | head -n 1)
	[ -f "$file" ]
	[ ! -e "$bk/shop-20200101T000000Z.odoo.tar.gz" ]
	[ -e "$bk/other-20200101T000000Z.odoo.tar.gz" ]
	run tar -tzf "$file"
	assert_output --partial db.dump
	assert_output --partial filestore/ab/ab12cd
	# damage the live data
	psql -X -q -d shop -c "delete from t where x > 100"
	echo overwritten >"$fs/ab/ab12cd"
	# the database exists: refused without --force, nothing touched
	run -1 "$D/odoo-backup.sh" --db shop --restore "$file" --filestore "$fs" --service none
	assert_output --partial "--force"
	[ "$(psql -X -At -d shop -c 'select count(*) from t')" -eq 100 ]
	run "$D/odoo-backup.sh" --db shop --restore "$file" --filestore "$fs" --service none --force
	assert_success
	[ "$(psql -X -At -d shop -c 'select count(*) from t')" -eq 500 ]
	[ "$(cat "$fs/ab/ab12cd")" = attachment ]
	# the replaced database and filestore are kept aside, not dropped
	psql -X -At -d postgres -c "select datname from pg_database" | grep -q '^shop_before_restore_'
	ls -d "$fs".before_restore_* >/dev/null
	# a tampered archive is refused before anything is touched
	local t="$BATS_TEST_TMPDIR/t"
	mkdir "$t"
	tar -xzf "$file" -C "$t"
	echo tampered >"$t/filestore/ab/ab12cd"
	tar -C "$t" -czf "$BATS_TEST_TMPDIR/bad.odoo.tar.gz" db.dump filestore SHA256SUMS
	run -1 "$D/odoo-backup.sh" --db shop --restore "$BATS_TEST_TMPDIR/bad.odoo.tar.gz" \
	    --filestore "$fs" --service none --force
	assert_output --partial "checksums do not match"
	[ "$(psql -X -At -d shop -c 'select count(*) from t')" -eq 500 ]
}
