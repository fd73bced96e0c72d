# demo-social.sh - sourced by demo.sh: the social step of the demo. The
# cloud drafts a LinkedIn post (draft-post, offline: the post is the topic),
# the owner approves it with the rest, local's vault-exec publishes it to the
# fake LinkedIn (demo-fakes.sh); social_check wants exactly one post there,
# in the Posts API's wire format.
#
# Uses from demo.sh: $demo, $cloud_dir, $cloud, die, step, fake_seen.
# The variables it uses and sets are demo.sh's (SC2154, SC2034).
# shellcheck shell=sh disable=SC2154,SC2034

social_draft() {
	post=$(draft-post -q -C "$cloud_dir" -a "$cloud" --network linkedin \
	    "Our second shop opens in Leeds on Monday: come and say hello." 2>"$demo/err") ||
	    die "draft-post failed: $(cat "$demo/err")"
	[ -n "$post" ] || die "draft-post filed no draft"
	post_id=$(basename "$post" .md)
	step "$cloud" "draft-post --network linkedin: $post"
}

# social_done: what local's vault-exec did with the post, in words.
social_done() {
	f=$(find "$demo/local/Done" -name "$post_id.md")
	[ -n "$f" ] || die "the post $post_id is not in Done/ after vault-exec"
	step local "vault-exec: published on (fake) LinkedIn: $(sed -n 's/^post_url: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$f")"
}

social_check() {
	n=$(fake_seen social net linkedin)
	[ "$n" -eq 1 ] || die "the fake LinkedIn got $n post(s), expected exactly 1"
	n=$(fake_seen social problem)
	[ "$n" -eq 0 ] || die "the fake LinkedIn saw $n request(s) breaking its API (see $demo/fake/social/log)"
}
