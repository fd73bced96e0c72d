# ai-employee - one plain Makefile, by topic: build, test, lint, fuzz,
# bench, install, run.
#
# lib/ is one folder per domain (see ai-employee(7), SOURCE MAP), each with
# one public header lib/D/D.h and built into its own archive libD.a. Each
# tool cmd/NAME.c and CGI program cgi/NAME.c lists the archives it links
# (NAME_LIBS below, in link order): a program that reaches into a domain it
# does not list fails to link. cgi/dash/ holds the dashboard CGI's own
# modules (archive libdash.a).

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/ai-employee
LIBEXECDIR ?= $(PREFIX)/lib/ai-employee

CC       ?= cc
CFLAGS   ?= -O2 -g
PKGS      = libgit2 libcurl jansson libsodium libcrypto zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgit2 -lcurl -ljansson -lsodium -lcrypto -lz)

ifdef SAN
BUILD    ?= build-san
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD    ?= build
SANFLAGS  =
endif

INCLUDES   = -Ilib -Icgi
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 $(CFLAGS) $(SANFLAGS) \
	$(INCLUDES) $(PKG_CFLAGS) -DVERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"'
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# ---- build ----------------------------------------------------------------

# The domains, in link order: each may use only those after it.
DOMAINS  = cli brief mcp exec plan status health sync approval mail llm social wa odoo web oauth http vault base

# What each program links, in link order (the domains it uses, and theirs).
approve_LIBS          = cli status approval social wa vault base
briefing_LIBS         = cli brief llm wa odoo http approval vault base
dashboard-passwd_LIBS = cli web approval vault base
draft-email_LIBS      = cli mail llm oauth http approval vault base
draft-post_LIBS       = cli mail llm social oauth http approval vault base
mail-fetch_LIBS       = cli mail approval oauth http vault base
mail-send_LIBS        = cli exec plan approval mail social wa odoo oauth http vault base
notify-wa_LIBS        = cli status approval wa http vault base
plan_LIBS             = cli plan approval vault base
plan-run_LIBS         = cli plan approval vault base
social-post_LIBS      = cli exec plan approval mail social wa odoo oauth http vault base
social-report_LIBS    = cli brief social oauth http approval vault base
oauth-token_LIBS      = cli oauth http approval vault base
odoo-ping_LIBS        = cli odoo http approval vault base
odoo-invoice_LIBS     = cli odoo http approval vault base
odoo-payment_LIBS     = cli odoo http approval vault base
odoo-post_LIBS        = cli exec plan approval mail social wa odoo oauth http vault base
odoo-report_LIBS      = cli wa odoo http approval vault base
social-auth_LIBS      = cli oauth http approval vault base
usage-log_LIBS        = cli llm http approval vault base
vault-claim_LIBS      = cli sync approval vault base
vault-exec_LIBS       = cli exec plan approval mail social wa odoo oauth http vault base
wa-send_LIBS          = cli exec plan approval mail social wa odoo oauth http vault base
wa-media_LIBS         = cli approval wa http vault base
vault-health_LIBS     = cli health sync approval odoo wa oauth http vault base
vault-init_LIBS       = cli sync approval vault base
vault-mcp_LIBS        = cli mcp plan status approval vault base
vault-status_LIBS     = cli status approval vault base
vault-sync_LIBS       = cli sync approval vault base
dashboard_LIBS        = dash exec status health approval social wa odoo web oauth vault base
pages_LIBS            = pages dash status approval web vault base
wa-webhook_LIBS       = status approval social wa web vault base

LIB_SRC  = $(wildcard lib/*/*.c)
HEADERS  = $(wildcard lib/*/*.h cgi/*/*.h)
DASH_SRC = $(wildcard cgi/dash/*.c)
PAGES_SRC = $(wildcard cgi/pages/*.c)
CMD_SRC  = $(wildcard cmd/*.c)
TOOLS    = $(CMD_SRC:cmd/%.c=$(BUILD)/bin/%)
CGI_SRC  = $(wildcard cgi/*.c)
CGIS     = $(CGI_SRC:cgi/%.c=$(BUILD)/cgi/%.cgi)
MAN1     = $(wildcard man/*.1)
MAN5     = $(wildcard man/*.5)
MAN7     = $(wildcard man/*.7)

all: $(TOOLS) $(CGIS)

# The compiler's flags, DATADIR among them, kept in a stamp file that
# changes only when they do (as git's Makefile does): `make install
# PREFIX=...` after a plain `make` rebuilds what embeds the old paths.
FLAGS_STAMP = $(BUILD)/CFLAGS
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS)' >$@.new
	@if cmp -s $@ $@.new; then rm -f $@.new; else mv -f $@.new $@; fi
FORCE:
.PHONY: FORCE

$(BUILD)/lib/%.o: lib/%.c $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cmd/%.o: cmd/%.c $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cgi/%.o: cgi/%.c $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# libD.a from the objects of lib/D/ (and libdash.a from cgi/dash/)
define domain_archive
$$(BUILD)/lib/lib$(1).a: $$(patsubst %.c,$$(BUILD)/%.o,$$(wildcard $(2)/*.c))
	rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach d,$(DOMAINS),$(eval $(call domain_archive,$(d),lib/$(d))))
$(eval $(call domain_archive,dash,cgi/dash))
$(eval $(call domain_archive,pages,cgi/pages))

# The dashboard's CSS, JS, icon and manifest are real files, cgi/dash/assets/*, embedded
# into libdash.a as C arrays (asset_<name>, '.' and '-' as '_',
# NUL-terminated) by a generated assets.c: od and sed, nothing to build
# first. The pages inline them exactly (see ui-shared.c), so a file may
# hold no NUL (it would end the string) and no </script or </style (it
# would end its element early).
DASH_ASSETS = $(wildcard cgi/dash/assets/*.css cgi/dash/assets/*.js \
    cgi/dash/assets/*.svg cgi/dash/assets/*.webmanifest)

$(BUILD)/cgi/dash/assets.c: $(DASH_ASSETS) Makefile
	@mkdir -p $(@D)
	@set -e; trap 'rm -f $@.tmp' EXIT; exec >$@.tmp; \
	echo '/* generated by the Makefile from cgi/dash/assets/: do not edit */'; \
	for f in $(DASH_ASSETS); do \
	  if tr -d '\000' <$$f | cmp -s - $$f; then :; else \
	    echo "$$f: holds a NUL byte" >&2; exit 1; fi; \
	  if grep -qiE '</(script|style)' $$f; then \
	    echo "$$f: holds </script or </style" >&2; exit 1; fi; \
	  echo "const char asset_$$(basename $$f | tr .- __)[] = {"; \
	  od -An -v -tx1 $$f | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0 };'; \
	done; \
	mv $@.tmp $@

$(BUILD)/cgi/dash/assets.o: $(BUILD)/cgi/dash/assets.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/lib/libdash.a: $(BUILD)/cgi/dash/assets.o

# The price table share/prices.tsv, embedded into libllm.a as the string
# usage_prices_builtin (NUL-terminated) by a generated prices.c, so a tool
# run from the build tree knows the prices: the default when no prices
# file is installed or named (see prices(5)). The fuzz build makes its own.
%/lib/llm/prices.c: share/prices.tsv Makefile
	@mkdir -p $(@D)
	@set -e; trap 'rm -f $@.tmp' EXIT; exec >$@.tmp; \
	if tr -d '\000' <share/prices.tsv | cmp -s - share/prices.tsv; then :; \
	else echo "share/prices.tsv: holds a NUL byte" >&2; exit 1; fi; \
	echo '/* generated by the Makefile from share/prices.tsv: do not edit */'; \
	echo 'const char usage_prices_builtin[] = {'; \
	od -An -v -tx1 share/prices.tsv | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	echo '0 };'; \
	mv $@.tmp $@

$(BUILD)/lib/llm/prices.o: $(BUILD)/lib/llm/prices.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/lib/libllm.a: $(BUILD)/lib/llm/prices.o

archives = $(foreach d,$($(1)_LIBS),$(BUILD)/lib/lib$(d).a)

.SECONDEXPANSION:
$(BUILD)/bin/%: $(BUILD)/cmd/%.o $$(call archives,$$*)
	@test -n "$($*_LIBS)" || { echo "Makefile: $*_LIBS is not set" >&2; exit 1; }
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(call archives,$*) $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/cgi/%.cgi: $(BUILD)/cgi/%.o $$(call archives,$$*)
	@test -n "$($*_LIBS)" || { echo "Makefile: $*_LIBS is not set" >&2; exit 1; }
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(call archives,$*) $(ALL_LDFLAGS) $(PKG_LIBS)

# The dashboard CGI links only the libraries it uses, and links them
# statically: a CGI is exec'd for every request, and the dynamic loader's
# work (mapping and relocating libc, jansson, libsodium) was about half of
# the CPU time of a small request (7 ms against 3.8 ms measured on the
# 2-core CI machine). The sanitizers need the dynamic runtime.
# wa-webhook.cgi likewise, and without libcurl (whose dependencies made
# an exec cost 20 times a static no-op's): it hands what it tells the
# owner to notify-wa.
ifdef SAN
$(BUILD)/cgi/dashboard.cgi $(BUILD)/cgi/wa-webhook.cgi: PKG_LIBS = -ljansson -lsodium
else
$(BUILD)/cgi/dashboard.cgi $(BUILD)/cgi/wa-webhook.cgi: PKG_LIBS = -static -ljansson -lsodium
endif

# The read-only pages' CGI renders Markdown with libmd4c, which Debian
# ships only as a shared library (libmd4c0): linked statically as the
# dashboard is, it loads libmd4c.so.0 with dlopen when a page is rendered
# (lib/web/markdown.c), so a request that renders nothing (a cached list)
# never pays the dynamic loader. What each costs: `make bench`
# (t/bench/pages.sh). glibc warns that a static program's dlopen needs
# its own version's libc.so.6 at run time: the one it was built on.
MD4C_LIBS := $(shell pkg-config --libs md4c 2>/dev/null || echo -lmd4c)
ifdef SAN
$(BUILD)/cgi/pages.cgi: PKG_LIBS = -ljansson -lsodium
else
$(BUILD)/cgi/pages.cgi: PKG_LIBS = -static -ljansson -lsodium
endif

clean:
	rm -rf build build-san

.SECONDARY:
.PHONY: all clean

# ---- test -----------------------------------------------------------------

# make check: every bats file in t/ (or TESTS), the build dir first in
# PATH; the last line is "N passed, N failed".
check: all
	@AIE_BIN=$(CURDIR)/$(BUILD)/bin AIE_CGI=$(CURDIR)/$(BUILD)/cgi \
	  AIE_SAN=$(if $(SAN),1,) PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" \
	  t/run $(TESTS)

# make ci: what CI runs (the test command of README.md): static analysis,
# the suite under ASan+UBSan, a 60-second soak, then the plain suite with a
# 20 s fuzz smoke of each harness. The last line is the plain suite's
# "N passed, N failed".
ci:
	$(MAKE) lint
	$(MAKE) check SAN=1
	$(MAKE) soak SOAK_SECONDS=60
	FUZZ_SMOKE_SECONDS=20 $(MAKE) check

# make soak: both agents as daemons under random work and injected faults
# (kill -9, partitions, a full disk on the cloud's tmpfs when root) for
# SOAK_SECONDS (default 600), then settle and check; SOAK_SEED replays a
# run. Its own script, t/soak/soak.sh; not part of make check.
soak: all
	AIE_BIN=$(abspath $(BUILD))/bin t/soak/soak.sh

# make valgrind: the named subset of tool invocations in t/valgrind, under
# memcheck (ASan binaries cannot run under valgrind, so not with SAN=1).
valgrind: all
	@test -z "$(SAN)" || { echo "make valgrind: not with SAN=1" >&2; exit 2; }
	t/valgrind $(BUILD)/bin

.PHONY: check ci soak valgrind

# ---- lint -----------------------------------------------------------------

# make lint: cppcheck, gcc -fanalyzer (every lib, cmd and cgi source,
# compile only, -Werror), the layers (no file includes another folder's
# private header: across folders only lib/D/D.h and cgi/dash/dash.h),
# shellcheck (t/lint/shell-scripts lists the shell scripts; bats files as
# bash), and the man pages. cppcheck's suppressions, each with its reason,
# are in t/lint/cppcheck.supp.
LINT_SRC      = $(LIB_SRC) $(DASH_SRC) $(PAGES_SRC) $(CMD_SRC) $(CGI_SRC)
ANALYZER_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -fanalyzer \
	$(INCLUDES) $(PKG_CFLAGS) -DVERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"'
# Per-file analyzer exceptions, ANALYZER_FLAGS_<file> = -Wno-<warning>, each
# with its reason:
# gcc 12's analyzer loses track of the strings stored into config.c's
# realloc'd table (a global) and reports each as leaked where it is stored;
# they are freed by config_unload(). The real leak it found is fixed.
ANALYZER_FLAGS_lib/vault/config.c = -Wno-analyzer-malloc-leak
# The same false report for the realloc'd tables of merge.c (conflict
# paths, freed at its "out:") and stage.c (changes and the seen list, freed
# by their owners); the one real bug it found in stage.c is fixed.
ANALYZER_FLAGS_lib/sync/merge.c = -Wno-analyzer-malloc-leak
ANALYZER_FLAGS_lib/sync/stage.c = -Wno-analyzer-malloc-leak
# The same for mailin.c's hash set of Message-IDs (strings stored into a
# calloc'd open-addressing table, freed by mailin_free()).
ANALYZER_FLAGS_lib/mail/mailin.c = -Wno-analyzer-malloc-leak
# And for keywords.c's realloc'd list of the handbook's urgent keywords,
# freed by keywords_free().
ANALYZER_FLAGS_lib/vault/keywords.c = -Wno-analyzer-malloc-leak
# And for status.c's realloc'd tables (the pending list, the stat keys),
# freed by pending_free and statkeys_free.
ANALYZER_FLAGS_lib/status/status.c = -Wno-analyzer-malloc-leak
# And for decode.c's strings stored into the calloc'd cards and health
# parts of a struct status, freed by status_free.
ANALYZER_FLAGS_lib/status/decode.c = -Wno-analyzer-malloc-leak
# And for unchanged.c's realloc'd list of paths that may have changed
# (struct sync_paths, freed by sync_paths_free): reported once the index's
# reader moved out to indexmap.c left the analyzer budget to reach list().
ANALYZER_FLAGS_lib/sync/unchanged.c = -Wno-analyzer-malloc-leak
# And for packcopy.c's realloc'd ID lists (struct oidlist: what the other
# side lacks, a commit's record), freed by packcopy_close and
# commitrec_free.
ANALYZER_FLAGS_lib/sync/packcopy.c = -Wno-analyzer-malloc-leak

lint: lint-cppcheck lint-analyzer lint-layers lint-shell lint-man

lint-cppcheck:
	cppcheck --enable=warning,portability,performance --error-exitcode=1 \
	  --std=c11 -q -D_GNU_SOURCE $(INCLUDES) --library=t/lint/jansson.cfg \
	  --suppressions-list=t/lint/cppcheck.supp \
	  $(wildcard cmd lib cgi)

lint-analyzer: $(LINT_SRC:%=lint-analyzer/%)

lint-analyzer/%: %
	gcc $(ANALYZER_CFLAGS) $(ANALYZER_FLAGS_$*) -c -o /dev/null $*

lint-layers:
	t/lint/layers

# Bats files: bats sets $$stderr for `run --separate-stderr`, which
# shellcheck does not know (SC2154), and tests split word lists and match
# literal '$$VAR' text on purpose, so only warnings and errors count there.
# SC2155 (`local x=$$(cmd)` hides cmd's status) is excluded for now: the
# notify tests use it 11 times; drop the -e once they assign separately.
lint-shell:
	shellcheck -x $$(t/lint/shell-scripts)
	shellcheck -s bash -S warning -e SC2154,SC2155 $(wildcard t/*.bats)

lint-man:
	mandoc -Tlint -W warning $(MAN1) $(MAN5) $(MAN7)

.PHONY: lint lint-cppcheck lint-analyzer lint-layers lint-shell lint-man

# ---- fuzz -----------------------------------------------------------------

# make fuzz: every t/fuzz/NAME.c as a libFuzzer harness (clang; lib/ and
# cgi/dash/ and cgi/pages/ compiled again with the sanitizers, into one archive) run for
# FUZZ_SECONDS on a copy of t/fuzz/corpus/NAME/ (see t/fuzz/run). make
# check runs each for FUZZ_SMOKE_SECONDS.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD    = build-fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra $(FUZZ_SAN) \
	$(INCLUDES) $(PKG_CFLAGS) -DVERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"'
FUZZ_SRC      = $(wildcard t/fuzz/*.c)
FUZZ_BIN      = $(FUZZ_SRC:t/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ  = $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(LIB_SRC) $(DASH_SRC) $(PAGES_SRC)) \
	$(FUZZ_BUILD)/lib/llm/prices.o

$(FUZZ_BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/lib/llm/prices.o: $(FUZZ_BUILD)/lib/llm/prices.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libaie.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_BUILD)/%: t/fuzz/%.c $(wildcard t/fuzz/*.h) $(HEADERS) $(FUZZ_BUILD)/libaie.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -It/fuzz -fsanitize=fuzzer -o $@ $< \
	  $(FUZZ_BUILD)/libaie.a $(PKG_LIBS) $(MD4C_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	t/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

clean: fuzz-clean

.PHONY: fuzz fuzz-build fuzz-clean

# ---- bench ----------------------------------------------------------------

# make bench: benchmarks, not tests (never in make check): vault-sync
# against the git CLI, the peak RSS of two vault-sync --watch daemons under
# a change every 0.25 s (with uptime beside it), then the dashboard through
# nginx + fcgiwrap, then the read-only pages: pages.cgi's cold start (static,
# libmd4c loaded to render) beside dashboard.cgi's, and its pages under load,
# then wa-webhook.cgi's signed deliveries beside a no-op CGI behind the same
# nginx + fcgiwrap (BENCH_WA_*), then vault-mcp's read_item round trips on a
# 10,000-item vault (with the load average beside them). Sizes: BENCH_FILES,
# BENCH_SIZE, BENCH_ROUNDS, BENCH_RSS_SECONDS (default 180), BENCH_ITEMS,
# BENCH_DURATION, BENCH_PLANS, BENCH_BRIEFINGS, BENCH_SPAWNS, BENCH_PAGES_ROUNDS,
# BENCH_MCP_ITEMS, BENCH_MCP_CALLS (see
# t/bench/*.sh). Load by wrk if installed (apt-get install wrk), else ab,
# else curl.
bench: all
	AIE_BIN=$(abspath $(BUILD))/bin t/bench/sync.sh
	AIE_BIN=$(abspath $(BUILD))/bin t/bench/watch-rss.sh
	AIE_BIN=$(abspath $(BUILD))/bin AIE_CGI=$(abspath $(BUILD))/cgi t/bench/dashboard.sh
	AIE_BIN=$(abspath $(BUILD))/bin AIE_CGI=$(abspath $(BUILD))/cgi t/bench/pages.sh
	AIE_BIN=$(abspath $(BUILD))/bin AIE_CGI=$(abspath $(BUILD))/cgi t/bench/wa-webhook.sh
	AIE_BIN=$(abspath $(BUILD))/bin t/bench/mcp.sh

.PHONY: bench

# ---- install --------------------------------------------------------------

# The tools, man pages and CGI programs; share/ (deploy scripts, the
# pre-commit hook, prices), the crontabs and the PM2 ecosystem files in
# $(DATADIR).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
	$(if $(wildcard share/*),cp -R share/. $(DESTDIR)$(DATADIR)/)
	$(if $(CGIS),install -d $(DESTDIR)$(LIBEXECDIR)/cgi && install -m 755 $(CGIS) $(DESTDIR)$(LIBEXECDIR)/cgi)
	install -d $(DESTDIR)$(DATADIR)/cron $(DESTDIR)$(DATADIR)/pm2
	install -m 644 cron/crontab.cloud cron/crontab.local $(DESTDIR)$(DATADIR)/cron
	install -m 644 pm2/common.js pm2/ecosystem.config.cloud.js \
	  pm2/ecosystem.config.local.js $(DESTDIR)$(DATADIR)/pm2

# Debian packages a user needs to build and test (run as root).
deps:
	.ci/run --deps-only

.PHONY: install deps

# ---- run ------------------------------------------------------------------

# make demo: the whole flow on one machine (share/demo.sh prints a
# timeline; KEEP=1 keeps its folder and says where). make run: the phone dashboard, nginx + fcgiwrap on
# 127.0.0.1:8080 (PORT=) over a demo vault; prints the URL and a one-time
# password; Ctrl-C stops.
demo: all
	AIE_BIN=$(CURDIR)/$(BUILD)/bin AIE_CGI=$(CURDIR)/$(BUILD)/cgi sh share/demo.sh $(if $(KEEP),--keep)

# make run: the dashboard on LISTEN:PORT (127.0.0.1:8080): $VAULT_DIR when
# it is set (the tour's vault), else a demo vault of its own.
run: all
	@AIE_BIN=$(CURDIR)/$(BUILD)/bin AIE_CGI=$(CURDIR)/$(BUILD)/cgi \
	  LISTEN="$(LISTEN)" cgi/run-dashboard $(if $(VAULT_DIR),serve,demo) $(or $(PORT),8080)

.PHONY: demo run
