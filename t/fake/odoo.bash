# t/fake/odoo.bash - the fake Odoo of fake_odoo_start served for a whole
# bats file: started in setup_file and stopped in teardown_file below
# unless the file defines its own after `load fake/odoo`, and the file's
# tests run one at a time (they share the fake's Odoo state). Loaded after
# fake/fake; the file's setup calls fake_setup.
# shellcheck shell=bash

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	fake_odoo_start
}

teardown_file() {
	fake_stop
}
