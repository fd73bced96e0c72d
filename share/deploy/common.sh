# common.sh - sourced by the deployment scripts beside it (setup-vm.sh,
# odoo-install.sh, odoo-backup.sh): messages and the --dry-run runner.
# The sourcing script sets PROG (its name) and DRY (1 under --dry-run).
# shellcheck shell=sh

die() {
	echo "$PROG: $*" >&2
	exit 1
}

step() {
	echo "== $*"
}

# run CMD...: do it, or under --dry-run print it, quoted for a shell.
run() {
	if [ "$DRY" = 1 ]; then
		printf '+'
		for a in "$@"; do
			case $a in
			''|*[!A-Za-z0-9_./:=@%+,-]*) printf " '%s'" "$a" ;;
			*) printf ' %s' "$a" ;;
			esac
		done
		printf '\n'
	else
		"$@"
	fi
}
