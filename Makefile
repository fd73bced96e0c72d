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
.PHONY: all check install deps clean lint-man

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

# issue 7: the dashboard CGI links only the libraries it uses (each shared
# object loaded costs time on every request).
$(BUILD)/cgi/dashboard.cgi: PKG_LIBS = -ljansson -lsodium

# issue 8: the demo of SPEC 1 on one machine (share/demo.sh prints a timeline)
demo: all
	AIE_BIN=$(CURDIR)/$(BUILD)/bin AIE_CGI=$(CURDIR)/$(BUILD)/cgi sh share/demo.sh
.PHONY: demo
# issue 5: the libFuzzer harness of the MIME parser (clang). Runs for
# FUZZ_TIME seconds (default 60) over the seed corpus t/fuzz/corpus/mime.
FUZZ_TIME ?= 60
fuzz-mime:
	@mkdir -p build-fuzz/corpus-mime
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	  -Ilib $(PKG_CFLAGS) -o build-fuzz/mime t/fuzz/mime.c lib/mime.c \
	  lib/htmltext.c lib/buf.c lib/error.c
	build-fuzz/mime -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	  build-fuzz/corpus-mime t/fuzz/corpus/mime

.PHONY: fuzz-mime

# issue 4: libFuzzer harness for the LLM reply parsers and email key helpers.
fuzz-llm: $(BUILD)/libaie.a
	clang -g -O1 -fsanitize=fuzzer,address -std=c11 -D_GNU_SOURCE -Ilib \
	  -DVERSION='"$(VERSION)"' -o $(BUILD)/fuzz-llm t/fuzz/llm_reply.c \
	  $(LIB_SRC) $(PKG_LIBS)
.PHONY: fuzz-llm
