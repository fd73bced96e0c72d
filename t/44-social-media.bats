#!/usr/bin/env bats
# Posts with an image, and Instagram: the image signed by its SHA-256 at
# drafting and checked by approve, the dashboard's rule check and the
# executor (which uploads the bytes it checked); the uploads of LinkedIn
# (initializeUpload, PUT), X (v2 media upload) and Facebook (/photos);
# Instagram's container, its status polled, media_publish. Against the fake
# networks of t/fake/social.py.
load helper
load fake/fake

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	common_setup
	mkvault
	export FAKE_SERVER=social.py FAKE_LI_TOKEN=AQVlinkedin FAKE_X_TOKEN=xuser \
	    FAKE_FB_TOKEN=EAAGpage FAKE_LI_AUTHOR=urn:li:person:8675309 \
	    FAKE_FB_PAGE=4242 FAKE_IG_TOKEN=IGQVJinsta FAKE_IG_USER=17841400000000001 \
	    FAKE_X_REFRESH=xrefresh-0 FAKE_X_CLIENT=xclientid \
	    FAKE_MEDIA_DIR="$VAULT_DIR/Media/public"
	fake_start
	export LINKEDIN_API_URL="$FAKE_URL" LINKEDIN_TOKEN=AQVlinkedin \
	    LINKEDIN_AUTHOR=urn:li:person:8675309 X_API_URL="$FAKE_URL" \
	    X_TOKEN=xuser X_TOKEN_URL="$FAKE_URL/2/oauth2/token" \
	    FACEBOOK_GRAPH_URL="$FAKE_URL" FACEBOOK_PAGE_ID=4242 \
	    FACEBOOK_PAGE_TOKEN=EAAGpage INSTAGRAM_TOKEN=IGQVJinsta \
	    INSTAGRAM_USER_ID=17841400000000001 \
	    SOCIAL_MEDIA_BASE_URL="$FAKE_URL/media" INSTAGRAM_POLL_SECONDS=0
	mkdir -p "$VAULT_DIR/Media/public"
	mkjpeg "$VAULT_DIR/Media/public/launch.jpg" launch
	mkpng "$VAULT_DIR/Media/chart.png" chart
}
teardown() { fake_stop; }

# mkjpeg FILE WORDS [W H [ORIENT [II|MM]]]: a small JPEG's structure (SOI,
# APP0, with ORIENT an APP1 Exif segment whose IFD0 holds Orientation in
# that byte order, big-endian by default, a frame header of W x H, default
# 1080 x 1350, what lib/social and the networks read), WORDS to tell files
# apart, EOI.
mkjpeg() {
	/usr/bin/python3 -c 'import sys,struct
w,h=int(sys.argv[3]),int(sys.argv[4])
app1=b""
if sys.argv[5]:
    bo=sys.argv[6]; e=">" if bo=="MM" else "<"
    # IFD0: a Make entry (ASCII, 4 bytes inline) before Orientation
    tiff=bo.encode()+struct.pack(e+"HI",42,8)+struct.pack(e+"H",2) \
      +struct.pack(e+"HHI",0x010f,2,4)+b"Cam\0" \
      +struct.pack(e+"HHIHH",0x0112,3,1,int(sys.argv[5]),0)+struct.pack(e+"I",0)
    seg=b"Exif\0\0"+tiff
    app1=b"\xff\xe1"+struct.pack(">H",len(seg)+2)+seg
open(sys.argv[1],"wb").write(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + app1
  + b"\xff\xc0\x00\x0b\x08" + struct.pack(">HH", h, w) + b"\x01\x01\x11\x00"
  + b"\xff\xfe" + struct.pack(">H", len(sys.argv[2]) + 2) + sys.argv[2].encode() + b"\xff\xd9")' \
	    "$1" "$2" "${3:-1080}" "${4:-1350}" "${5:-}" "${6:-MM}"
}
mkpng() { printf '\211PNG\r\n\032\n\0\0\0\rIHDR%s' "$2" >"$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# draft NET FILE [TEXT]: draft-post --media; prints the draft's ID.
draft() {
	draft-post --network "$1" --media "$2" "${3:-We opened the new workshop.}" |
	    sed 's|.*/||; s|\.md$||'
}

posted() { fake_count ".net == \"$1\""; }
pending() { echo "$VAULT_DIR/Pending_Approval/social/$1.md"; }

@test "draft-post --media records the image and its SHA-256; the approval signs both" {
	id=$(draft linkedin Media/public/launch.jpg)
	f=$(pending "$id")
	grep -qx 'media: Media/public/launch.jpg' "$f"
	grep -qx "media_sha256: $(sha "$VAULT_DIR/Media/public/launch.jpg")" "$f"
	approve "$id" >/dev/null
	a="$VAULT_DIR/Approved/social/$id.md"
	[ "$(SIGN_FIELDS="network media media_sha256 media_alt link schedule_at" sign_as_approve "$a")" = \
	    "$(sed -n 's/^decision_sig: //p' "$a")" ]
	# the digest changed after the approval: the signature fails (77)
	sed -i "s/^media_sha256: .*/media_sha256: $(printf '0%.0s' {1..64})/" "$a"
	run vault-exec
	assert_failure 77
	[ "$(fake_count)" -eq 0 ]
}

@test "draft-post --media refuses what is not an image under Media/ (65), nothing filed" {
	printf 'plain text' >"$VAULT_DIR/Media/notes.jpg"
	for m in Media/notes.jpg Media/none.jpg Inbox/x.jpg ../etc/passwd "Media/a b.jpg"; do
		run --separate-stderr draft-post --network linkedin --media "$m" "Hello"
		assert_failure 65
	done
	[[ "$stderr" == *"a name with spaces"* ]]
	run --separate-stderr draft-post --network instagram --media Media/chart.png "A caption"
	assert_failure 65
	[[ "$stderr" == *"instagram: the image must be a JPEG"* ]]
	[ -z "$(ls "$VAULT_DIR/Pending_Approval/social" 2>/dev/null)" ]
}

@test "approve refuses (65) a post whose image changed since drafting, or has no digest; it stays pending" {
	id=$(draft x Media/chart.png)
	mkpng "$VAULT_DIR/Media/chart.png" "another chart"
	run --separate-stderr approve "$id"
	assert_failure 65
	[[ "$stderr" == *"media Media/chart.png: the image changed since it was drafted"* ]]
	[ -f "$(pending "$id")" ]
	# a media: added by hand, without its digest
	sed -i '/^media_sha256: /d' "$(pending "$id")"
	run --separate-stderr approve "$id"
	assert_failure 65
	[[ "$stderr" == *"no media_sha256"* ]]
	[ -f "$(pending "$id")" ]
}

@test "the executor re-checks the image against the signed digest: changed after approval, 65, nothing uploaded" {
	id=$(draft facebook Media/chart.png)
	approve "$id" >/dev/null
	mkpng "$VAULT_DIR/Media/chart.png" "changed after the approval"
	run --separate-stderr vault-exec
	assert_failure 65
	[[ "$stderr" == *"the image changed since it was drafted"* ]]
	grep -q 'the image changed' "$VAULT_DIR/Needs_Action/social/$id.md"
	[ "$(fake_count)" -eq 0 ]
}

@test "social-post -n checks the image as the run does: the signed bytes would post; changed, 65, nothing sent" {
	id=$(draft facebook Media/chart.png)
	approve "$id" >/dev/null
	run --separate-stderr social-post -n "$id"
	assert_success
	assert_output "$(printf '%s\twould post\tfacebook' "$id")"
	mkpng "$VAULT_DIR/Media/chart.png" "changed after the approval"
	run --separate-stderr social-post -n "$id"
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"$id: would be refused: "*"the image changed since it was drafted"* ]]
	run --separate-stderr social-post -n -j "$id"
	assert_failure 65
	[ -z "$output" ]
	# a dry run moves nothing and sends nothing
	[ -f "$VAULT_DIR/Approved/social/$id.md" ]
	[ "$(fake_count)" -eq 0 ]
}

@test "linkedin with an image: initializeUpload, PUT of the signed bytes, the post with content.media.id" {
	id=$(draft linkedin Media/chart.png)
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(posted linkedin-upload)" -eq 1 ]
	[ "$(jq -r 'select(.net == "linkedin-put") | .sha256' "$FAKE_LOG")" = "$(sha "$VAULT_DIR/Media/chart.png")" ]
	[ "$(jq -r 'select(.net == "linkedin") | .sha256' "$FAKE_LOG")" = "$(sha "$VAULT_DIR/Media/chart.png")" ]
	jq -se 'map(select(.net == "linkedin"))[0] | .parsed.content.media.id | startswith("urn:li:image:")' "$FAKE_LOG"
	grep -Eq '^post_id: "?urn:li:share:' "$VAULT_DIR/Done/social/$(date -u +%Y-%m)/$id.md"
}

@test "linkedin: the image PROCESSING for two polls, then AVAILABLE: the post waits for it" {
	id=$(draft linkedin Media/chart.png)
	approve "$id" >/dev/null
	fake_reply '{"match": "POST /rest/images?action=initializeUpload", "li_states": "PROCESSING,PROCESSING,AVAILABLE"}'
	LINKEDIN_POLL_SECONDS=0 run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(posted linkedin-image)" -eq 3 ]
	[ "$(posted linkedin)" -eq 1 ]
	# asked after the bytes were PUT, the post after it was AVAILABLE
	jq -sre 'map(.net) | map(select(. == "linkedin-put" or . == "linkedin-image" or . == "linkedin")) | join(" ")' "$FAKE_LOG" |
	    grep -qx 'linkedin-put linkedin-image linkedin-image linkedin-image linkedin'
}

@test "linkedin: an image still PROCESSING after the polls is 75, PROCESSING_FAILED 65; nothing posted" {
	id=$(draft linkedin Media/chart.png)
	approve "$id" >/dev/null
	fake_reply '{"match": "POST /rest/images?action=initializeUpload", "li_states": "PROCESSING"}'
	LINKEDIN_POLL_SECONDS=0 LINKEDIN_IMAGE_POLLS=3 run --separate-stderr vault-exec
	assert_failure 75
	[[ "$stderr" == *"linkedin: image urn:li:image:"*" still PROCESSING after 3 checks; not published"* ]]
	grep -qx 'exec_status: failed' "$VAULT_DIR/Approved/social/$id.md"
	[ "$(posted linkedin-image)" -eq 3 ]
	fake_reply '{"match": "POST /rest/images?action=initializeUpload", "li_states": "PROCESSING,PROCESSING_FAILED"}'
	LINKEDIN_POLL_SECONDS=0 run --separate-stderr vault-exec
	assert_failure 65
	[[ "$stderr" == *"linkedin: the image was refused (urn:li:image:"*"PROCESSING_FAILED); not published"* ]]
	[ -f "$VAULT_DIR/Needs_Action/social/$id.md" ]
	[ "$(posted linkedin)" -eq 0 ]
	[ -z "$(fake_problems)" ]
}

@test "linkedin: the image's description (--media-alt) is signed, shown by approve -i, sent as altText" {
	id=$(draft-post --network linkedin --media Media/chart.png --media-alt "A bar chart: orders by week" "Our week in one chart." |
	    sed 's|.*/||; s|\.md$||')
	grep -q '^media_alt: .*A bar chart: orders by week' "$(pending "$id")"
	run --separate-stderr approve -i "$id" <<<"y"
	assert_success
	[[ "$stderr" == *"media_alt: "*"A bar chart: orders by week"* ]]
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	jq -se 'map(select(.net == "linkedin"))[0] | .parsed.content.media.altText == "A bar chart: orders by week"' "$FAKE_LOG"
	# approved, then its description changed: the signature fails
	id=$(draft-post --network linkedin --media Media/chart.png --media-alt "As approved" "Another week." |
	    sed 's|.*/||; s|\.md$||')
	approve "$id" >/dev/null
	sed -i 's/^media_alt: .*/media_alt: As forged/' "$VAULT_DIR/Approved/social/$id.md"
	run --separate-stderr vault-exec
	assert_failure 77
	grep -q 'does not verify' "$VAULT_DIR/Needs_Action/social/$id.md"
	[ "$(posted linkedin)" -eq 1 ]
}

@test "--media-alt: only with --media, one line of at most 4,086 characters on LinkedIn, 1,000 on X, none on Facebook (69); nothing filed" {
	run --separate-stderr draft-post --network linkedin --media-alt "A chart" "Text"
	assert_failure 2
	[[ "$stderr" == *"--media-alt describes the image of --media"* ]]
	run --separate-stderr draft-post --network linkedin --media Media/chart.png --media-alt "$(printf 'a%.0s' $(seq 1 4087))" "Text"
	assert_failure 65
	[[ "$stderr" == *"one line of 1 to 4086 characters, not 4087"* ]]
	run --separate-stderr draft-post --network linkedin --media Media/chart.png --media-alt $'two\nlines' "Text"
	assert_failure 65
	run --separate-stderr draft-post --network linkedin,facebook --media Media/chart.png --media-alt "A chart" "Text"
	assert_failure 69
	[[ "$stderr" == *"facebook: a Page photo takes no image description (media_alt) through the Graph API"* ]]
	run --separate-stderr draft-post --network x --media Media/chart.png --media-alt "$(printf 'a%.0s' $(seq 1 1001))" "Text"
	assert_failure 65
	[[ "$stderr" == *"x: an image description is one line of 1 to 1000 characters, not 1001"* ]]
	[ -z "$(ls "$VAULT_DIR/Pending_Approval/social" 2>/dev/null)" ]
	# 4,086 characters are taken
	run --separate-stderr draft-post --network linkedin --media Media/chart.png --media-alt "$(printf 'a%.0s' $(seq 1 4086))" "Text"
	assert_success
	# edited by hand before the approval: approve checks it as draft-post
	# did (65), and the draft stays pending
	id=$(basename "$output" .md)
	sed -i "s/^media_alt: .*/media_alt: $(printf 'b%.0s' $(seq 1 4087))/" "$(pending "$id")"
	run --separate-stderr approve "$id"
	assert_failure 65
	[[ "$stderr" == *"one line of 1 to 4086 characters, not 4087; approval refused"* ]]
	[ -f "$(pending "$id")" ]
}

@test "x with an image: the v2 media upload (multipart, tweet_image), then the post with media_ids" {
	id=$(draft x Media/chart.png "A chart of the week")
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(jq -r 'select(.net == "x-upload") | .sha256' "$FAKE_LOG")" = "$(sha "$VAULT_DIR/Media/chart.png")" ]
	jq -se 'map(select(.net == "x-upload"))[0] | .ctype | startswith("multipart/form-data; boundary=")' "$FAKE_LOG"
	jq -se 'map(select(.net == "x"))[0] | .parsed.media.media_ids | length == 1' "$FAKE_LOG"
	[ "$(posted x)" -eq 1 ]
}

@test "x: the image's description is the media metadata's alt_text, sent after the upload and before the post" {
	id=$(draft-post --network x --media Media/chart.png --media-alt "Orders by week, rising" "A chart of the week" |
	    sed 's|.*/||; s|\.md$||')
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(jq -sr 'map(.net) | map(select(startswith("x"))) | join(",")' "$FAKE_LOG")" = "x-upload,x-metadata,x" ]
	jq -se 'map(select(.net == "x-metadata"))[0].parsed | .metadata.alt_text.text == "Orders by week, rising"' "$FAKE_LOG"
	mid=$(jq -sr 'map(select(.net == "x-metadata"))[0].parsed.id' "$FAKE_LOG")
	jq -se --arg m "$mid" 'map(select(.net == "x"))[0].parsed.media.media_ids == [$m]' "$FAKE_LOG"
	# refused there: nothing posted, and the draft is not lost
	id=$(draft-post --network x --media Media/chart.png --media-alt "Refused" "Another chart" |
	    sed 's|.*/||; s|\.md$||')
	approve "$id" >/dev/null
	fake_reply '{"match": "/2/media/metadata", "error": "x_503"}'
	run --separate-stderr vault-exec
	assert_failure 75
	[ -f "$VAULT_DIR/Approved/social/$id.md" ]
	[ "$(posted x)" -eq 1 ]
}

@test "x: a 401 on the media upload refreshes the token once; the upload and the post go with the new one" {
	id=$(draft x Media/chart.png "After a refresh")
	approve "$id" >/dev/null
	export X_TOKEN=expired-access X_REFRESH_TOKEN=xrefresh-0 X_CLIENT_ID=xclientid
	run --separate-stderr vault-exec
	assert_success
	[ "$(fake_problems)" = "/2/media/upload: auth" ]
	[ "$(fake_count '.net == "x-token"')" -eq 1 ]
	jq -se 'map(select(.net == "x-upload"))[1].auth | startswith("Bearer xaccess-")' "$FAKE_LOG"
	jq -se 'map(select(.net == "x"))[0].auth | startswith("Bearer xaccess-")' "$FAKE_LOG"
	[ "$(posted x)" -eq 1 ]
}

@test "facebook with an image: /photos with the file as source and the text and link as message; post_id recorded" {
	id=$(draft facebook Media/chart.png "New chart")
	sed -i 's|^network: facebook$|&\nlink: https://example.com/chart|' "$(pending "$id")"
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(jq -r 'select(.net == "facebook-photo") | .sha256' "$FAKE_LOG")" = "$(sha "$VAULT_DIR/Media/chart.png")" ]
	[ "$(jq -r 'select(.net == "facebook-photo") | .parsed.message' "$FAKE_LOG")" = "$(printf 'New chart\n\nhttps://example.com/chart')" ]
	f="$VAULT_DIR/Done/social/$(date -u +%Y-%m)/$id.md"
	grep -Eqx 'post_id: "?4242_10[0-9]+"?' "$f"
}

@test "an upload refused or failing is mapped as posts are (65, 75, 78) and publishes nothing" {
	id1=$(draft x Media/chart.png "Upload one")
	id2=$(draft linkedin Media/chart.png "Upload two")
	approve "$id1" "$id2" >/dev/null
	fake_reply '{"match": "/2/media/upload", "error": "x_503"}'
	fake_reply '{"match": "initializeUpload", "error": "li_expired"}'
	run --separate-stderr vault-exec
	[[ "$stderr" == *"x: the network is failing (HTTP 503"* ]]
	[[ "$stderr" == *"linkedin: the access token expired or was revoked (HTTP 401"* ]]
	[ -f "$VAULT_DIR/Approved/social/$id1.md" ]
	[ -f "$VAULT_DIR/Approved/social/$id2.md" ]
	[ "$(posted x)" -eq 0 ]
	[ "$(posted linkedin)" -eq 0 ]
}

@test "an upload that timed out is not a post that may be out; a post that timed out after the upload is unknown, never re-posted" {
	id=$(draft x Media/chart.png "Slow upload")
	approve "$id" >/dev/null
	fake_reply '{"match": "/2/media/upload", "delay": 3, "status": 200, "json": {}}'
	SOCIAL_TIMEOUT=1 run --separate-stderr vault-exec
	assert_failure 75
	grep -qx 'exec_status: failed' "$VAULT_DIR/Approved/social/$id.md"
	# the upload goes through; the post itself times out
	fake_reply '{"match": "/2/tweets", "delay": 3, "status": 201, "raw": ""}'
	SOCIAL_TIMEOUT=1 run --separate-stderr vault-exec
	grep -qx 'exec_status: unknown' "$VAULT_DIR/Needs_Action/social/$id.md"
	run vault-exec
	[ "$(posted x)" -eq 1 ]
}

@test "instagram: container from the public URL, status polled IN_PROGRESS then FINISHED, media_publish once; permalink" {
	id=$(draft instagram Media/public/launch.jpg "Our new workshop #craft")
	approve "$id" >/dev/null
	fake_reply '{"match": "/media ", "ig_states": "IN_PROGRESS,IN_PROGRESS,FINISHED"}'
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	jq -se 'map(select(.net == "instagram-container"))[0] | .parsed.image_url | endswith("/media/launch.jpg")' "$FAKE_LOG"
	[ "$(jq -r 'select(.net == "instagram-container") | .sha256' "$FAKE_LOG")" = "$(sha "$VAULT_DIR/Media/public/launch.jpg")" ]
	[ "$(jq -r 'select(.net == "instagram-container") | .parsed.caption' "$FAKE_LOG")" = "Our new workshop #craft" ]
	[ "$(posted instagram-status)" -eq 3 ]
	[ "$(posted instagram)" -eq 1 ]
	f="$VAULT_DIR/Done/social/$(date -u +%Y-%m)/$id.md"
	grep -Eqx 'post_id: "?179[0-9]+"?' "$f"
	grep -Eq '^post_url: "?https://www.instagram.com/p/Fake179' "$f"
}

@test "instagram: the image's description is the container's alt_text" {
	id=$(draft-post --network instagram --media Media/public/launch.jpg --media-alt "The workshop's front, at dusk" "Open #craft" |
	    sed 's|.*/||; s|\.md$||')
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(jq -r 'select(.net == "instagram-container") | .parsed.alt_text' "$FAKE_LOG")" = "The workshop's front, at dusk" ]
	# without one, no alt_text at all
	id=$(draft instagram Media/public/launch.jpg "Plain #craft")
	approve "$id" >/dev/null
	run vault-exec
	assert_success
	jq -se 'map(select(.net == "instagram-container"))[1].parsed | has("alt_text") | not' "$FAKE_LOG"
}

@test "instagram: a container still IN_PROGRESS after the polls is 75, nothing published; ERROR is 65" {
	id=$(draft instagram Media/public/launch.jpg "Slow one")
	approve "$id" >/dev/null
	fake_reply '{"match": "/media ", "ig_states": "IN_PROGRESS"}'
	INSTAGRAM_POLLS=3 run --separate-stderr vault-exec
	assert_failure 75
	[[ "$stderr" == *"still IN_PROGRESS after 3 checks; not published"* ]]
	grep -qx 'exec_status: failed' "$VAULT_DIR/Approved/social/$id.md"
	[ "$(posted instagram)" -eq 0 ]
	fake_reply '{"match": "/media ", "ig_states": "IN_PROGRESS,ERROR"}'
	run --separate-stderr vault-exec
	assert_failure 65
	[[ "$stderr" == *"instagram: the image was refused"* ]]
	[ -f "$VAULT_DIR/Needs_Action/social/$id.md" ]
	[ "$(posted instagram)" -eq 0 ]
}

@test "instagram: an expired token is 78 naming Instagram; media_publish timed out is unknown, never published again" {
	id=$(draft instagram Media/public/launch.jpg "Token trouble")
	approve "$id" >/dev/null
	fake_reply '{"match": "/media ", "error": "ig_expired"}'
	run --separate-stderr vault-exec
	assert_failure 78
	[[ "$stderr" == *"instagram: the access token expired or was revoked"*"INSTAGRAM_TOKEN"* ]]
	[ -f "$VAULT_DIR/Approved/social/$id.md" ]
	fake_reply '{"match": "/media_publish", "delay": 3, "status": 200, "json": {"id": "17900000000000001"}}'
	SOCIAL_TIMEOUT=1 run --separate-stderr vault-exec
	grep -qx 'exec_status: unknown' "$VAULT_DIR/Needs_Action/social/$id.md"
	run vault-exec
	[ "$(posted instagram)" -eq 1 ]
	[ "$(posted instagram-container)" -eq 2 ]
}

@test "instagram: the image must be under Media/public/ (65); SOCIAL_MEDIA_BASE_URL unset is not configured (78)" {
	mkjpeg "$VAULT_DIR/Media/private.jpg" private
	id=$(draft instagram Media/private.jpg "Private")
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_failure 65
	[[ "$stderr" == *"must be under Media/public/"* ]]
	id2=$(draft instagram Media/public/launch.jpg "Public")
	approve "$id2" >/dev/null
	SOCIAL_MEDIA_BASE_URL='' run --separate-stderr vault-exec
	assert_failure 78
	[[ "$stderr" == *"instagram: not configured"* ]]
	[ "$(fake_count)" -eq 0 ]
}

@test "instagram: a caption over the rules is not filed (65); 2,200 characters and 30 hashtags" {
	tags=$(for i in $(seq 31); do printf '#t%d ' "$i"; done)
	run --separate-stderr draft-post --network instagram --media Media/public/launch.jpg "$tags"
	assert_failure 65
	[[ "$stderr" == *"31 hashtags, over the 30"* ]]
}

@test "instagram: an image outside 4:5 to 1.91:1 is not filed (65); the limits themselves are" {
	mkjpeg "$VAULT_DIR/Media/public/wide.jpg" wide 2000 1000
	mkjpeg "$VAULT_DIR/Media/public/tall.jpg" tall 800 1001
	for f in wide tall; do
		run --separate-stderr draft-post --network instagram --media "Media/public/$f.jpg" "A caption"
		assert_failure 65
		[[ "$stderr" == *"Instagram takes an aspect ratio from 4:5 to 1.91:1"* ]]
	done
	[[ "$stderr" == *"tall.jpg is 800x1001"* ]]
	mkjpeg "$VAULT_DIR/Media/public/max.jpg" max 1910 1000
	mkjpeg "$VAULT_DIR/Media/public/min.jpg" min 800 1000
	draft-post --network instagram --media Media/public/max.jpg "Wide enough"
	draft-post --network instagram --media Media/public/min.jpg "Tall enough"
	[ "$(ls "$VAULT_DIR/Pending_Approval/social" | wc -l)" -eq 2 ]
	# drafted as a LinkedIn image, then sent to Instagram by an edit that
	# approve re-checks: refused there too
	mkjpeg "$VAULT_DIR/Media/public/wide.jpg" wide 2000 1000
	id=$(draft linkedin Media/public/wide.jpg)
	sed -i 's/^network: linkedin$/network: instagram/' "$(pending "$id")"
	run --separate-stderr approve "$id"
	assert_failure 65
	[[ "$stderr" == *"aspect ratio"* ]]
}

@test "instagram: the aspect ratio is the image's as shown, its EXIF orientation applied (6 and 8 turn it a quarter)" {
	# stored 1000x1600 (too tall), shown 1600x1000 by a camera's tag 6
	mkjpeg "$VAULT_DIR/Media/public/turned.jpg" turned 1000 1600 6
	mkjpeg "$VAULT_DIR/Media/public/turned-ii.jpg" turnedii 1000 1600 8 II
	draft-post --network instagram --media Media/public/turned.jpg "Turned"
	draft-post --network instagram --media Media/public/turned-ii.jpg "Turned, Intel order"
	# stored 1600x1000 (fine), shown 1000x1600: refused as shown
	mkjpeg "$VAULT_DIR/Media/public/upright.jpg" upright 1600 1000 6
	run --separate-stderr draft-post --network instagram --media Media/public/upright.jpg "Upright"
	assert_failure 65
	[[ "$stderr" == *"upright.jpg is 1000x1600 as shown"* ]]
	# tags 1 to 4 keep the frame's shape; one out of range is ignored
	mkjpeg "$VAULT_DIR/Media/public/flip.jpg" flip 1000 1600 3
	mkjpeg "$VAULT_DIR/Media/public/odd.jpg" odd 1000 1600 9
	for f in flip odd; do
		run --separate-stderr draft-post --network instagram --media "Media/public/$f.jpg" "Stored"
		assert_failure 65
		[[ "$stderr" == *"$f.jpg is 1000x1600 as shown"* ]]
	done
	[ "$(ls "$VAULT_DIR/Pending_Approval/social" | wc -l)" -eq 2 ]
}

# draftn NET TEXT [--media F [--media-alt T]]...: prints the draft's ID.
draftn() {
	local net=$1 text=$2
	shift 2
	draft-post --network "$net" "$@" "$text" | sed 's|.*/||; s|\.md$||'
}

@test "--media repeated: media, media_sha256 and media_alt are lists in order, signed; approve -i and the dashboard show every image" {
	mkjpeg "$VAULT_DIR/Media/public/two.jpg" two
	id=$(draftn linkedin "Two images" --media Media/public/launch.jpg --media-alt "The front" \
	    --media Media/public/two.jpg --media-alt "The back")
	f=$(pending "$id")
	grep -qx 'media: Media/public/launch.jpg Media/public/two.jpg' "$f"
	grep -qx "media_sha256: $(sha "$VAULT_DIR/Media/public/launch.jpg") $(sha "$VAULT_DIR/Media/public/two.jpg")" "$f"
	grep -qx 'media_alt: The front | The back' "$f"
	run --separate-stderr approve -i "$id" <<<"n"
	[[ "$stderr" == *"media: Media/public/launch.jpg Media/public/two.jpg"* ]]
	[[ "$stderr" == *"media_alt: The front | The back"* ]]
	# the second image changed: approve refuses, nothing moves
	printf 'x' >>"$VAULT_DIR/Media/public/two.jpg"
	run --separate-stderr approve "$id"
	assert_failure 65
	[[ "$stderr" == *"Media/public/two.jpg: the image changed since it was drafted"* ]]
	[ -f "$f" ]
	# a description for the first only; more descriptions than images is 2
	id=$(draftn x "First described" --media Media/chart.png --media-alt "A chart" --media Media/public/launch.jpg)
	grep -qx 'media_alt: A chart | ' "$(pending "$id")" || grep -qx 'media_alt: "A chart | "' "$(pending "$id")"
	run --separate-stderr draft-post --network x --media Media/chart.png --media-alt a --media-alt b "Text"
	assert_failure 2
	run --separate-stderr draft-post --network x --media Media/chart.png --media-alt "a|b" --media Media/chart.png "Text"
	assert_failure 65
	[[ "$stderr" == *"separates those of several images"* ]]
}

@test "x: up to 4 images, each uploaded and described, media_ids in order; 5 are not filed (65)" {
	for i in 1 2 3 4 5; do mkjpeg "$VAULT_DIR/Media/i$i.jpg" "i$i"; done
	id=$(draftn x "Four" --media Media/i1.jpg --media-alt "One" --media Media/i2.jpg \
	    --media Media/i3.jpg --media-alt "" --media Media/i4.jpg)
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(fake_count '.net == "x-upload"')" -eq 4 ]
	[ "$(fake_count '.net == "x-metadata"')" -eq 1 ]
	want=$(for i in 1 2 3 4; do sha "$VAULT_DIR/Media/i$i.jpg"; done | jq -Rsc 'split("\n")[:-1]')
	[ "$(jq -sc 'map(select(.net == "x"))[0].sha256' "$FAKE_LOG")" = "$want" ]
	[ "$(jq -sc '[.[] | select(.net == "x-upload") | .sha256]' "$FAKE_LOG")" = "$want" ]
	run --separate-stderr draft-post --network x --media Media/i1.jpg --media Media/i2.jpg \
	    --media Media/i3.jpg --media Media/i4.jpg --media Media/i5.jpg "Five"
	assert_failure 65
	[[ "$stderr" == *"5 images, over the 4 a post may have"* ]]
	# the third image changed after the approval: 65, nothing uploaded
	id=$(draftn x "Changed later" --media Media/i1.jpg --media Media/i3.jpg)
	approve "$id" >/dev/null
	printf 'x' >>"$VAULT_DIR/Media/i3.jpg"
	run --separate-stderr vault-exec
	assert_failure 65
	[[ "$stderr" == *"media Media/i3.jpg: the image changed since it was drafted"* ]]
	[ "$(fake_count '.net == "x-upload"')" -eq 4 ]
	[ "$(posted x)" -eq 1 ]
	# a fifth added to an approved item by hand: the signature fails
	id=$(draftn x "Four again" --media Media/i1.jpg --media Media/i2.jpg)
	approve "$id" >/dev/null
	sed -i 's|^media: .*|& Media/i3.jpg|' "$VAULT_DIR/Approved/social/$id.md"
	run --separate-stderr vault-exec
	assert_failure 77
	[ "$(posted x)" -eq 1 ]
}

@test "linkedin: several images are one multiImage post, each uploaded and AVAILABLE, altText each" {
	mkjpeg "$VAULT_DIR/Media/public/two.jpg" two
	id=$(draftn linkedin "Two views" --media Media/chart.png --media-alt "A chart" --media Media/public/two.jpg)
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(fake_count '.net == "linkedin-upload"')" -eq 2 ]
	jq -se 'map(select(.net == "linkedin"))[0].parsed.content.multiImage.images |
	    length == 2 and .[0].altText == "A chart" and (.[1] | has("altText") | not)' "$FAKE_LOG"
	[ "$(jq -sc 'map(select(.net == "linkedin"))[0].sha256' "$FAKE_LOG")" = \
	    "[\"$(sha "$VAULT_DIR/Media/chart.png")\",\"$(sha "$VAULT_DIR/Media/public/two.jpg")\"]" ]
}

@test "facebook: several images are unpublished photos, then one feed post with attached_media in order" {
	mkjpeg "$VAULT_DIR/Media/public/two.jpg" two
	id=$(draftn facebook "Two photos" --media Media/chart.png --media Media/public/two.jpg)
	sed -i 's|^network: facebook$|&\nlink: https://example.com/two|' "$(pending "$id")"
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(jq -sc '[.[] | select(.net == "facebook-photo") | .parsed.published]' "$FAKE_LOG")" = '["false","false"]' ]
	[ "$(jq -sc 'map(select(.net == "facebook"))[0].parsed.attached_shas' "$FAKE_LOG")" = \
	    "[\"$(sha "$VAULT_DIR/Media/chart.png")\",\"$(sha "$VAULT_DIR/Media/public/two.jpg")\"]" ]
	[ "$(jq -r 'select(.net == "facebook") | .parsed.message' "$FAKE_LOG")" = "$(printf 'Two photos\n\nhttps://example.com/two')" ]
	f="$VAULT_DIR/Done/social/$(date -u +%Y-%m)/$id.md"
	grep -Eqx 'post_id: "?4242_10[0-9]+"?' "$f"
}

@test "instagram: several images are a carousel: an item container each (alt_text), the carousel's with the caption, published once" {
	mkjpeg "$VAULT_DIR/Media/public/two.jpg" two 1080 1080
	id=$(draftn instagram "Two #views" --media Media/public/launch.jpg --media-alt "The front" --media Media/public/two.jpg)
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(jq -sc '[.[] | select(.net == "instagram-container") | .parsed.is_carousel_item // .parsed.media_type]' "$FAKE_LOG")" = \
	    '["true","true","CAROUSEL"]' ]
	jq -se 'map(select(.net == "instagram-container"))[0].parsed.alt_text == "The front"' "$FAKE_LOG"
	jq -se 'map(select(.net == "instagram-container"))[2].parsed.caption == "Two #views"' "$FAKE_LOG"
	[ "$(posted instagram)" -eq 1 ]
	# each image checked against Instagram's rules: a PNG among them is not filed
	run --separate-stderr draft-post --network instagram --media Media/public/launch.jpg --media Media/chart.png "Mixed"
	assert_failure 65
}
