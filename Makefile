# ai-employee - one plain Makefile.
#
# Every lib/*.c goes into one static archive; each cmd/NAME.c becomes the
# tool NAME and each cgi/NAME.c the CGI program NAME.cgi, linked against the
# archive (the linker takes only the objects a program needs).

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/ai-employee
LIBEXECDIR ?= $(PREFIX)/lib/ai-employee

CC       ?= cc
CFLAGS   ?= -O2 -g
PKGS      = libgit2 libcurl jansson libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgit2 -lcurl -ljansson -lsodium)

ifdef SAN
BUILD    ?= build-san
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD    ?= build
SANFLAGS  =
endif

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 $(CFLAGS) $(SANFLAGS) \
	-Ilib $(PKG_CFLAGS) -DVERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"'
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CMD_SRC  = $(wildcard cmd/*.c)
TOOLS    = $(CMD_SRC:cmd/%.c=$(BUILD)/bin/%)
CGI_SRC  = $(wildcard cgi/*.c)
CGIS     = $(CGI_SRC:cgi/%.c=$(BUILD)/cgi/%.cgi)
MAN1     = $(wildcard man/*.1)
MAN5     = $(wildcard man/*.5)
MAN7     = $(wildcard man/*.7)
HEADERS  = $(wildcard lib/*.h)

all: $(TOOLS) $(CGIS)

$(BUILD)/lib/%.o: lib/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cmd/%.o: cmd/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cgi/%.o: cgi/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libaie.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(BUILD)/libaie.a
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(BUILD)/libaie.a $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/cgi/%.cgi: $(BUILD)/cgi/%.o $(BUILD)/libaie.a
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(BUILD)/libaie.a $(ALL_LDFLAGS) $(PKG_LIBS)

# make check: every bats file in t/, the build dir first in PATH; the last
# line is "N passed, N failed".
check: all
	@AIE_BIN=$(CURDIR)/$(BUILD)/bin AIE_CGI=$(CURDIR)/$(BUILD)/cgi \
	  AIE_SAN=$(if $(SAN),1,) PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" \
	  t/run $(TESTS)

# make ci: what CI runs (the test command of README.md): static analysis,
# the suite under ASan+UBSan, then the plain suite with a 20 s fuzz smoke
# of each harness. The last line is the plain suite's "N passed, N failed".
ci:
	$(MAKE) lint
	$(MAKE) check SAN=1
	FUZZ_SMOKE_SECONDS=20 $(MAKE) check

lint-man:
	mandoc -Tlint -W warning $(MAN1) $(MAN5) $(MAN7)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
	$(if $(wildcard share/*),cp -R share/. $(DESTDIR)$(DATADIR)/)
	$(if $(CGIS),install -d $(DESTDIR)$(LIBEXECDIR)/cgi && install -m 755 $(CGIS) $(DESTDIR)$(LIBEXECDIR)/cgi)

# Debian packages a user needs to build and test (run as root).
deps:
	.ci/run --deps-only

clean:
	rm -rf build build-san

.SECONDARY:
.PHONY: all check ci install deps clean lint-man

# issue 8 (glue): the crontabs and the PM2 ecosystem files are installed
# beside share/ (deploy scripts, pre-commit hook) in $(DATADIR).
install: install-glue
install-glue:
	install -d $(DESTDIR)$(DATADIR)/cron $(DESTDIR)$(DATADIR)/pm2
	install -m 644 cron/crontab.cloud cron/crontab.local $(DESTDIR)$(DATADIR)/cron
	install -m 644 pm2/common.js pm2/ecosystem.config.cloud.js \
	  pm2/ecosystem.config.local.js $(DESTDIR)$(DATADIR)/pm2
.PHONY: install-glue

# issue 7: the phone dashboard, nginx + fcgiwrap on 127.0.0.1:8080 (PORT=)
# over a demo vault; prints the URL and a one-time password; Ctrl-C stops.
run: all
	@AIE_BIN=$(CURDIR)/$(BUILD)/bin AIE_CGI=$(CURDIR)/$(BUILD)/cgi \
	  cgi/run-dashboard demo $(or $(PORT),8080)

.PHONY: run

# issue 7: gcc 12's analyzer reports the strings stored into status.c's
# realloc'd tables (the pending list, the stat keys) as leaked where they
# are stored, as for config.c; they are freed by pending_free and
# statkeys_free.
ANALYZER_FLAGS_lib/status.c = -Wno-analyzer-malloc-leak

# issue 7: the dashboard CGI links only the libraries it uses, and links
# them statically: a CGI is exec'd for every request, and the dynamic
# loader's work (mapping and relocating libc, jansson, libsodium) was about
# half of the CPU time of a small request (7 ms against 3.8 ms measured on
# the 2-core CI machine). The sanitizers need the dynamic runtime.
ifdef SAN
$(BUILD)/cgi/dashboard.cgi: PKG_LIBS = -ljansson -lsodium
else
$(BUILD)/cgi/dashboard.cgi: PKG_LIBS = -static -ljansson -lsodium
endif

# issue 8: the demo of SPEC 1 on one machine (share/demo.sh prints a timeline)
demo: all
	AIE_BIN=$(CURDIR)/$(BUILD)/bin AIE_CGI=$(CURDIR)/$(BUILD)/cgi sh share/demo.sh
.PHONY: demo

# issue 9: hardening. `make fuzz` builds every t/fuzz/NAME.c as a libFuzzer
# harness (clang; lib/ compiled again with the sanitizers) and runs each for
# FUZZ_SECONDS on a copy of t/fuzz/corpus/NAME/ (see t/fuzz/run). `make
# lint` runs cppcheck, gcc -fanalyzer and shellcheck; `make valgrind` runs a
# named subset of tool invocations under valgrind (see t/valgrind).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD    = build-fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra $(FUZZ_SAN) \
	-Ilib $(PKG_CFLAGS) -DVERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"'
FUZZ_SRC      = $(wildcard t/fuzz/*.c)
FUZZ_BIN      = $(FUZZ_SRC:t/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ  = $(LIB_SRC:lib/%.c=$(FUZZ_BUILD)/lib/%.o)

$(FUZZ_BUILD)/lib/%.o: lib/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libaie.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_BUILD)/%: t/fuzz/%.c $(wildcard t/fuzz/*.h) $(HEADERS) $(FUZZ_BUILD)/libaie.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -It/fuzz -fsanitize=fuzzer -o $@ $< \
	  $(FUZZ_BUILD)/libaie.a $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	t/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

clean: fuzz-clean

.PHONY: fuzz fuzz-build fuzz-clean

# make lint: cppcheck, gcc -fanalyzer (every lib, cmd and cgi source,
# compile only, -Werror), shellcheck (t/lint/shell-scripts lists the shell
# scripts; bats files as bash), and the man pages when there are any.
# cppcheck's suppressions, each with its reason, are in t/lint/cppcheck.supp.
LINT_SRC      = $(LIB_SRC) $(CMD_SRC) $(CGI_SRC)
ANALYZER_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -fanalyzer \
	-Ilib $(PKG_CFLAGS) -DVERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"'
# Per-file analyzer exceptions, ANALYZER_FLAGS_<file> = -Wno-<warning>, each
# with its reason:
# gcc 12's analyzer loses track of the strings stored into config.c's
# realloc'd table (a global) and reports each as leaked where it is stored;
# they are freed by config_unload(). The real leak it found is fixed.
ANALYZER_FLAGS_lib/config.c = -Wno-analyzer-malloc-leak
# The same false report for the realloc'd tables of merge.c (conflict
# paths, freed at its "out:") and stage.c (changes and the seen list, freed
# by their owners); the one real bug it found in stage.c is fixed.
ANALYZER_FLAGS_lib/merge.c = -Wno-analyzer-malloc-leak
ANALYZER_FLAGS_lib/stage.c = -Wno-analyzer-malloc-leak
# The same for mailin.c's hash set of Message-IDs (strings stored into a
# calloc'd open-addressing table, freed by mailin_free()).
ANALYZER_FLAGS_lib/mailin.c = -Wno-analyzer-malloc-leak

lint: lint-cppcheck lint-analyzer lint-shell $(if $(MAN1)$(MAN5)$(MAN7),lint-man)

lint-cppcheck:
	cppcheck --enable=warning,portability,performance --error-exitcode=1 \
	  --std=c11 -q -D_GNU_SOURCE -Ilib --library=t/lint/jansson.cfg \
	  --suppressions-list=t/lint/cppcheck.supp \
	  $(wildcard cmd lib cgi)

lint-analyzer: $(LINT_SRC:%=lint-analyzer/%)

lint-analyzer/%: %
	gcc $(ANALYZER_CFLAGS) $(ANALYZER_FLAGS_$*) -c -o /dev/null $*

# Bats files: bats sets $stderr for `run --separate-stderr`, which
# shellcheck does not know (SC2154), and tests split word lists and match
# literal '$VAR' text on purpose, so only warnings and errors count there.
# SC2155 (`local x=$(cmd)` hides cmd's status) is excluded for now: the
# notify tests use it 11 times; drop the -e once they assign separately.
lint-shell:
	shellcheck -x $$(t/lint/shell-scripts)
	shellcheck -s bash -S warning -e SC2154,SC2155 $(wildcard t/*.bats)

.PHONY: lint lint-cppcheck lint-analyzer lint-shell

# make valgrind: the named subset of tool invocations in t/valgrind, under
# memcheck (ASan binaries cannot run under valgrind, so not with SAN=1).
valgrind: all
	@test -z "$(SAN)" || { echo "make valgrind: not with SAN=1" >&2; exit 2; }
	t/valgrind $(BUILD)/bin

.PHONY: valgrind

# make bench: issues 3, 7 and 25. Benchmarks, not tests (never in make
# check): vault-sync against the git CLI, the peak RSS of two vault-sync
# --watch daemons under a change every 0.25 s (with uptime beside it), then
# the dashboard through nginx + fcgiwrap. Sizes: BENCH_FILES, BENCH_SIZE,
# BENCH_ROUNDS, BENCH_RSS_SECONDS (default 180), BENCH_ITEMS,
# BENCH_DURATION (see t/bench/*.sh). Load by wrk if installed
# (apt-get install wrk), else ab, else curl.
bench: all
	AIE_BIN=$(abspath $(BUILD))/bin t/bench/sync.sh
	AIE_BIN=$(abspath $(BUILD))/bin t/bench/watch-rss.sh
	AIE_BIN=$(abspath $(BUILD))/bin AIE_CGI=$(abspath $(BUILD))/cgi t/bench/dashboard.sh

.PHONY: bench
