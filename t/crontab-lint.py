#!/usr/bin/env python3
"""crontab-lint.py FILE... - check crontab files the way cron reads them.

For every job line (and every line commented out as "#single# JOB", a job
meant for single-agent mode) prints one tab-separated record:

    FILE  LINENO  COMMAND  NAMES

COMMAND is the command as cron hands it to the shell (an escaped \\% made
%), NAMES the space-separated commands it runs: the first word of every
simple command, of every $(...), of every `sh -c 'STRING'` and of the
command that `flock` runs. Environment lines (NAME=value) print as

    FILE  LINENO  =  NAME=value

A line that is not a valid job (not 5 time fields, a value out of range, an
unescaped % that cron would turn into a newline, unbalanced quotes) is
reported on stderr and the exit status is 1.
"""
import re
import shlex
import sys

FIELDS = [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31),
          ("month", 1, 12), ("day of week", 0, 7)]
NAMES = {3: "jan feb mar apr may jun jul aug sep oct nov dec".split(),
         4: "sun mon tue wed thu fri sat".split()}
SEPS = {"|", "||", "&&", ";", "&", ";;", "|&"}
GROUP = {"{", "}", "(", ")", "!", "then", "do", "else", "fi", "done"}
REDIR = re.compile(r"^[0-9]*(>>|>|<|>&|<&|>\||<>)$")


def value(text, idx):
    if text.isdigit():
        return int(text)
    names = NAMES.get(idx, [])
    if text.lower() in names:
        return names.index(text.lower()) + (1 if idx == 3 else 0)
    raise ValueError(text)


def check_field(text, idx):
    name, lo, hi = FIELDS[idx]
    for part in text.split(","):
        rng, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            raise ValueError("%s: bad step %r" % (name, step))
        if rng == "*":
            continue
        a, _, b = rng.partition("-")
        for v in [a] + ([b] if b else []):
            try:
                n = value(v, idx)
            except ValueError:
                raise ValueError("%s: bad value %r" % (name, v))
            if not lo <= n <= hi:
                raise ValueError("%s: %d out of %d-%d" % (name, n, lo, hi))


def cron_command(text):
    """The command cron runs: \\% -> %, and no bare % (cron's newline)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] == "%":
            out.append("%")
            i += 2
            continue
        if c == "%":
            raise ValueError("unescaped %% at column %d (cron makes it a "
                             "newline; write \\%%)" % (i + 1))
        out.append(c)
        i += 1
    return "".join(out)


def substitutions(cmd):
    """Cut out each $(...) not inside single quotes: (rest, [inner...])."""
    out, inner, i, squote = [], [], 0, False
    while i < len(cmd):
        c = cmd[i]
        if c == "'" and not squote:
            # a single quote opens only outside double quotes; good enough
            # for the one-line jobs we write
            squote = cmd[:i].count('"') % 2 == 0
            out.append(c)
        elif c == "'" and squote:
            squote = False
            out.append(c)
        elif not squote and cmd.startswith("$(", i):
            depth, j = 1, i + 2
            while j < len(cmd) and depth:
                depth += {"(": 1, ")": -1}.get(cmd[j], 0)
                j += 1
            if depth:
                raise ValueError("unbalanced $(")
            inner.append(cmd[i + 2:j - 1])
            out.append("SUBST")
            i = j
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out), inner


def command_names(cmd, depth=0):
    if depth > 8:
        raise ValueError("nested too deep")
    rest, inner = substitutions(cmd)
    names = []
    for s in inner:
        names += command_names(s, depth + 1)
    lx = shlex.shlex(rest, posix=True, punctuation_chars=True)
    lx.whitespace_split = True
    toks = list(lx)
    i, start = 0, True
    while i < len(toks):
        t = toks[i]
        if t in SEPS:
            start = True
        elif REDIR.match(t):
            i += 1                      # its target is not a command
        elif start and t in ("}", ")", "fi", "done"):
            start = False               # only redirections may follow
        elif start and (t in GROUP or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", t)):
            pass
        elif start:
            start = False
            names.append(t)
            args = []
            j = i + 1
            while j < len(toks) and toks[j] not in SEPS and toks[j] != "}":
                args.append(toks[j])
                j += 1
            if t == "sh" and "-c" in args:
                names += command_names(args[args.index("-c") + 1], depth + 1)
                i = j - 1
            elif t == "flock":
                k = 0
                while k < len(args) and args[k].startswith("-"):
                    k += 2 if args[k] in ("-E", "-w", "--conflict-exit-code",
                                          "--timeout") else 1
                k += 1                  # the lock file
                if k < len(args) and args[k] == "-c":
                    names += command_names(args[k + 1], depth + 1)
                    i = j - 1
                else:
                    i += k              # the next word starts a command
                    start = True
        i += 1
    return names


def main(files):
    bad = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for n, line in enumerate(lines, 1):
            text = line.strip()
            if text.startswith("#single# "):
                text = text[len("#single# "):].strip()
            elif not text or text.startswith("#"):
                continue
            try:
                m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", text)
                if m:
                    print("%s\t%d\t=\t%s=%s" % (path, n, m.group(1), m.group(2)))
                    continue
                if text.startswith("@"):
                    raise ValueError("use the 5 time fields, not %s"
                                     % text.split()[0])
                parts = text.split(None, 5)
                if len(parts) < 6:
                    raise ValueError("want 5 time fields and a command")
                for idx in range(5):
                    check_field(parts[idx], idx)
                cmd = cron_command(parts[5])
                names = command_names(cmd)
                if not names:
                    raise ValueError("no command")
                print("%s\t%d\t%s\t%s" % (path, n, cmd, " ".join(names)))
            except ValueError as e:
                print("%s:%d: %s" % (path, n, e), file=sys.stderr)
                bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
