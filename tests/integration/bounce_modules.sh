#!/bin/bash
# bounce_modules.sh - every bounce format module has its own golden case: for
# each module defined in src/bounce/*.c (struct bounce_module bounce_mod_X =
# { "name", ... }), some tests/golden/bounces/*.ref must hold a record that
# this module read ("module":"name"), and every module the program names in
# those records must exist. A new module without a fixture fails here.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }

names=$(sed -n 's/^const struct bounce_module bounce_mod_[a-z0-9_]* = { "\([a-z0-9_]*\)".*/\1/p' \
	"$here"/src/bounce/*.c | sort -u)
[ "$(printf '%s\n' "$names" | wc -l)" -ge 40 ] || fail "found only $(printf '%s\n' "$names" | wc -l) modules in src/bounce"
missing=
for n in $names; do
	grep -lq "\"module\":\"$n\"" "$here"/tests/golden/bounces/*.ref || missing="$missing $n"
done
[ -z "$missing" ] || fail "modules without a golden case in tests/golden/bounces:$missing"
# and the other way: no record names a module that is not defined (besides
# the readers of the standards, which are no format modules: RFC 3464
# reports, ARF complaints, RFC 3834 auto-replies)
for n in $(grep -ho '"module":"[a-z0-9_]*"' "$here"/tests/golden/bounces/*.ref | sort -u | sed 's/.*:"//; s/"$//'); do
	case $n in arf | rfc3464 | rfc3834) continue ;; esac
	printf '%s\n' "$names" | grep -qx "$n" || fail "golden records name module $n, which src/bounce does not define"
done
echo "ok: $(printf '%s\n' "$names" | wc -l) modules, each with a golden case"
