# demo-odoo.sh - sourced by demo.sh: the accounting step of the demo. The
# cloud drafts an invoice in the fake Odoo (odoo-invoice, as its drafting
# user), the owner approves it with the rest, local's vault-exec posts it
# (as the posting user); odoo_check wants exactly one posted invoice there.
#
# Uses from demo.sh: $demo, $cloud_dir, $cloud, die, step, odoo_posted.
# The variables it uses and sets are demo.sh's (SC2154, SC2034).
# shellcheck shell=sh disable=SC2154,SC2034

odoo_draft() {
	inv=$(echo 'Acme Corp <billing@acme.example> 1250 "Website redesign, November"' |
	    odoo-invoice -q -C "$cloud_dir" -a "$cloud" 2>"$demo/err") ||
	    die "odoo-invoice failed: $(cat "$demo/err")"
	[ -n "$inv" ] || die "odoo-invoice filed no draft"
	inv_id=$(basename "$inv" .md)
	step "$cloud" "odoo-invoice: a draft invoice in Odoo for Acme Corp, 1250.00: $inv"
}

odoo_done() {
	f=$(find "$demo/local/Done" -name "$inv_id.md")
	[ -n "$f" ] || die "the invoice $inv_id is not in Done/ after vault-exec"
	step local "vault-exec: invoice posted in (fake) Odoo as $(sed -n 's/^odoo_name: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$f")"
}

odoo_check() {
	n=$(odoo_posted)
	[ "$n" -eq 1 ] || die "the fake Odoo holds $n posted invoice(s), expected exactly 1"
}
