#!/usr/bin/env bats
# vault-sync over SSH: Debian's sshd on a free loopback port (its own
# config, host key and authorized_keys in the file's temp dir), the
# remote a bare repository reached as ssh://USER@127.0.0.1:PORT/PATH
# through libgit2's libssh2 transport.
load helper
load sync

# Debian's libgit2 1.5.1 leaks its known_hosts list (libssh2_knownhost_init)
# on every SSH connection, and libssh2 1.10 a buffer when the server
# refuses a key: under ASan this file, and only this one, suppresses leaks
# inside those two libraries. The slow unwinder sees through OpenSSL's
# frames (no frame pointers), so a leak libssh2 makes through libcrypto
# (reading a PEM key with a wrong passphrase) is matched to libssh2 too.
if [ -n "${AIE_SAN:-}" ]; then
	export LSAN_OPTIONS="suppressions=$BATS_TEST_DIRNAME/lsan-ssh.supp:fast_unwind_on_malloc=0"
fi

free_port() {
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

setup_file() {
	local d=$BATS_FILE_TMPDIR/ssh
	mkdir -p "$d"
	free_port >"$d/port"
	ssh-keygen -q -t ed25519 -N '' -C aie-test-host -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -C aie-test-client -f "$d/client_key"
	ssh-keygen -q -t ed25519 -N '' -C aie-test-other -f "$d/other_key"
	# keys locked with a passphrase, in OpenSSH's format and in PEM; an RSA key
	ssh-keygen -q -t ed25519 -N 'ed pass phrase' -C aie-test-ed-pp -f "$d/ed_pp_key"
	ssh-keygen -q -t ecdsa -b 256 -N 'ecdsa pass phrase' -C aie-test-ecdsa -f "$d/ecdsa_key"
	ssh-keygen -q -t ecdsa -b 384 -N 'pem pass phrase' -m PEM -C aie-test-pem -f "$d/pem_key"
	ssh-keygen -q -t rsa -b 3072 -N '' -C aie-test-rsa -f "$d/rsa_key"
	cat "$d"/client_key.pub "$d"/ed_pp_key.pub "$d"/ecdsa_key.pub "$d"/pem_key.pub \
	    "$d"/rsa_key.pub >"$d/authorized_keys"
	cat >"$d/sshd_config" <<EOF
Port $(cat "$d/port")
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
EOF
	# sshd run as root wants its privilege separation directory
	[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
	/usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log"
	wait_for -t 5 [ -s "$d/sshd.pid" ]
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR/ssh
	[ -s "$d/sshd.pid" ] && kill "$(cat "$d/sshd.pid")" 2>/dev/null
	true
}

setup() {
	common_setup
	mkvault
	sync_setup
	SSHD=$BATS_FILE_TMPDIR/ssh
	PORT=$(cat "$SSHD/port")
	URL=ssh://$(id -un)@127.0.0.1:$PORT$REMOTE
	mkdir -p "$HOME/.ssh"
	# the server's host key, recorded as ssh(1) would
	echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$SSHD/host_key.pub")" >"$HOME/.ssh/known_hosts"
	export VAULT_SYNC_SSH_KEY=$SSHD/client_key
	unset SSH_AUTH_SOCK
}

teardown() {
	[ -z "${AGENT_PID:-}" ] || kill "$AGENT_PID" 2>/dev/null || true
	if [ -n "${NS:-}" ]; then
		[ ! -s "$NS_DIR/sshd.pid" ] || kill "$(cat "$NS_DIR/sshd.pid")" 2>/dev/null || true
		ip netns del "$NS" 2>/dev/null || true
	fi
}

@test "ssh:// with a key file: both agents sync through sshd" {
	vault-init -q --remote "$URL" "$VAULT_DIR" >/dev/null
	vault-init -q -a cloud --no-key --clone "$URL" "$CLOUD" >/dev/null
	mkemail EMAIL_X1
	run lsync
	assert_success
	remote_has Needs_Action/email/EMAIL_X1.md
	run csync
	assert_success
	claim "$CLOUD" cloud EMAIL_X1
	run csync
	assert_success
	run lsync
	assert_success
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_X1.md" ]
	run same_trees
	assert_success
}

@test "ssh:// with the key in ssh-agent and no key file" {
	vault-init -q --remote "$URL" "$VAULT_DIR" >/dev/null
	eval "$(ssh-agent -s -a "$BATS_TEST_TMPDIR/agent.sock")" >/dev/null
	AGENT_PID=$SSH_AGENT_PID
	ssh-add -q "$SSHD/client_key" 2>/dev/null
	unset VAULT_SYNC_SSH_KEY
	mkemail EMAIL_X2
	run lsync
	assert_success
	remote_has Needs_Action/email/EMAIL_X2.md
}

@test "ssh:// refused: unknown host key, wrong key, no key at all (exit 78, commit kept)" {
	vault-init -q --remote "$URL" "$VAULT_DIR" >/dev/null
	mkemail EMAIL_X3
	# a host key other than the server's
	echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$SSHD/other_key.pub")" >"$HOME/.ssh/known_hosts"
	run lsync
	assert_failure 78
	assert_output --partial "hostkey"
	# none recorded
	rm "$HOME/.ssh/known_hosts"
	run lsync
	assert_failure 78
	echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$SSHD/host_key.pub")" >"$HOME/.ssh/known_hosts"
	VAULT_SYNC_SSH_KEY=$SSHD/other_key run lsync
	assert_failure 78
	assert_output --partial "authentication refused"
	unset VAULT_SYNC_SSH_KEY
	run lsync
	assert_failure 78
	assert_output --partial "no SSH key"
	run ! remote_has Needs_Action/email/EMAIL_X3.md
	run git -C "$VAULT_DIR" log -1 --format=%s
	assert_output "local: new EMAIL_X3"
	VAULT_SYNC_SSH_KEY=$SSHD/client_key run lsync
	assert_success
	remote_has Needs_Action/email/EMAIL_X3.md
}

@test "ssh:// with passphrase-locked keys (ed25519, ECDSA, ECDSA in PEM); a wrong passphrase is refused (78)" {
	local k pp
	vault-init -q --remote "$URL" "$VAULT_DIR" >/dev/null
	for k in "ed_pp:ed pass phrase" "ecdsa:ecdsa pass phrase" "pem:pem pass phrase"; do
		pp=${k#*:}
		k=${k%%:*}
		mkemail "EMAIL_$k"
		VAULT_SYNC_SSH_KEY=$SSHD/${k}_key VAULT_SYNC_SSH_PASSPHRASE='not it' run lsync
		assert_failure 78
		assert_output --partial VAULT_SYNC_SSH_PASSPHRASE
		run ! remote_has "Needs_Action/email/EMAIL_$k.md"
		VAULT_SYNC_SSH_KEY=$SSHD/${k}_key VAULT_SYNC_SSH_PASSPHRASE="$pp" run lsync
		assert_success
		remote_has "Needs_Action/email/EMAIL_$k.md"
	done
}

# Debian 12's libssh2 1.10 signs with ssh-rsa (SHA-1) only, which OpenSSH
# 8.8 and later refuse by default: the key is listed in authorized_keys,
# and still refused. vault-sync says why.
@test "ssh:// with an RSA key: refused by this OpenSSH, and vault-sync says why (78)" {
	vault-init -q --remote "$URL" "$VAULT_DIR" >/dev/null
	mkemail EMAIL_RSA
	VAULT_SYNC_SSH_KEY=$SSHD/rsa_key run lsync
	assert_failure 78
	assert_output --partial "is an RSA key"
	assert_output --partial "ed25519 or ECDSA"
	run ! remote_has Needs_Action/email/EMAIL_RSA.md
	# the same without the .pub beside it: a PEM header tells
	ssh-keygen -q -t rsa -b 2048 -N '' -m PEM -f "$BATS_TEST_TMPDIR/pem_rsa"
	rm "$BATS_TEST_TMPDIR/pem_rsa.pub"
	VAULT_SYNC_SSH_KEY=$BATS_TEST_TMPDIR/pem_rsa run lsync
	assert_failure 78
	assert_output --partial "is an RSA key"
	# an ed25519 key refused gets the general advice
	VAULT_SYNC_SSH_KEY=$SSHD/other_key run lsync
	assert_failure 78
	refute_output --partial "RSA"
}

# The scp-like form user@host:path always means port 22: a second sshd
# listens there inside a network namespace of its own (root only), and
# vault-sync runs inside it too.
@test "user@host:path (scp-like, port 22): syncs through sshd in a network namespace" {
	[ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
	ip netns add "aie-ssh-$$" || skip "ip netns add is not allowed here"
	NS=aie-ssh-$$ NS_DIR=$BATS_TEST_TMPDIR/ssh22
	mkdir -p "$NS_DIR"
	sed -e "s|^Port .*|Port 22|" -e "s|^PidFile .*|PidFile $NS_DIR/sshd.pid|" \
	    "$SSHD/sshd_config" >"$NS_DIR/sshd_config"
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" /usr/sbin/sshd -f "$NS_DIR/sshd_config" -E "$NS_DIR/sshd.log"
	wait_for -t 5 [ -s "$NS_DIR/sshd.pid" ]
	echo "127.0.0.1 $(cut -d' ' -f1,2 "$SSHD/host_key.pub")" >"$HOME/.ssh/known_hosts"
	run ip netns exec "$NS" vault-init -q --remote "$(id -un)@127.0.0.1:$REMOTE" "$VAULT_DIR"
	assert_success
	mkemail EMAIL_SCP
	run ip netns exec "$NS" vault-sync -C "$VAULT_DIR" -a local
	assert_success
	remote_has Needs_Action/email/EMAIL_SCP.md
	run git -C "$VAULT_DIR" remote get-url origin
	assert_output "$(id -un)@127.0.0.1:$REMOTE"
}
