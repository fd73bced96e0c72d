#!/usr/bin/env bats
# The WhatsApp webhook as the cloud agent runs it: the keys it holds (the
# app secret, a media token, a token that only tells the owner; never the
# send token), statuses that arrive before their reply has synced, and the
# owner's own number asking for the state of things.
load helper
load fake/fake
load wa

setup() {
	wa_setup cloud
}

teardown() {
	wa_teardown
}

# cloud_keys: the cloud's WhatsApp keys as env.cloud.example lists them,
# against the fake Graph API: the notify number (owner_wa) and a token that
# reads the business number's media.
cloud_keys() {
	export FAKE_WA_MEDIA_TOKEN=EAAGmediatoken
	owner_wa
	printf 'WA_MEDIA_TOKEN=EAAGmediatoken\n' >>"$AI_EMPLOYEE_CONFIG"
}

@test "the cloud without the send key files a message, fetches its media and tells the owner at once" {
	cloud_keys
	"$META" payload image wamid.CL1 "urgent: the parcel came broken" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ -z "$stderr" ]
	[ "$(fm priority)" = high ]
	# told through the owner's number with its own token
	[ "$(fake_count '.path == "/v21.0/2098765/messages" and .auth == "Bearer EAAGownertoken" and .parsed.to == "+15550002222"')" -eq 1 ]
	run -0 --separate-stderr wa-media
	[ -z "$stderr" ]
	assert_output "Media/whatsapp/$(basename "$(items)" .md).jpg"
	[ "$(fake_count '.auth == "Bearer EAAGmediatoken"')" -eq 2 ]
	# nothing ever went out as the business
	[ "$(fake_count '.path == "/v21.0/1098765/messages"')" -eq 0 ]
	[ "$(fake_count '.auth == "Bearer EAAGbusinesstoken"')" -eq 0 ]
}

@test "the send key on the cloud is named in a warning, its value never" {
	cloud_keys
	printf 'WA_SEND_TOKEN=EAAGsecretsendvalue\n' >>"$AI_EMPLOYEE_CONFIG"
	run -1 --separate-stderr wa-media
	[[ $stderr == *"this machine is agent cloud"*WA_SEND_TOKEN* ]]
	[[ $stderr != *EAAGsecretsendvalue* ]]
	# and replies are refused on the cloud whatever it holds
	run --separate-stderr wa-send DRAFT_WA_NONE
	assert_failure
	[[ $stderr != *EAAGsecretsendvalue* ]]
}
