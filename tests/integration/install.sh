#!/bin/bash
# install.sh - `make install` into a staging DESTDIR puts the program, the
# shared and static library, the header, the pkg-config file and both man
# pages in place, and a program built with `pkg-config --cflags --libs
# libsmtpcodes` against the installed copy classifies a reply.
set -eu
cd "$(dirname "$0")/../.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=/opt/smtpcodes-test
# the normal build, whatever build the test suite itself runs from
env -u BUILD -u SAN -u OPT make -s install PREFIX="$prefix" DESTDIR="$stage" >/dev/null
root="$stage$prefix"
for f in bin/smtpcodes lib/libsmtpcodes.a lib/libsmtpcodes.so lib/libsmtpcodes.so.0 \
	include/smtpcodes/smtpcodes.h lib/pkgconfig/libsmtpcodes.pc \
	share/man/man1/smtpcodes.1 share/man/man3/libsmtpcodes.3; do
	[ -e "$root/$f" ] || { echo "missing after install: $f"; exit 1; }
done
# only the public API is exported from the shared library
if nm -D --defined-only "$root/lib/libsmtpcodes.so" | awk '$2 != "A" {print $3}' | grep -v '^smtpcodes_' | grep -q .; then
	echo "non-public symbols exported:"; nm -D --defined-only "$root/lib/libsmtpcodes.so" | grep -v ' smtpcodes_'
	exit 1
fi
cat > "$stage/app.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <smtpcodes/smtpcodes.h>
int main(void)
{
	struct smtpcodes_classifier *cl;
	struct smtpcodes_scratch *s;
	struct smtpcodes_verdict v;
	char err[256];
	const char *r = "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown in local recipient table";
	if (smtpcodes_classifier_new(&cl, NULL, 0, err, sizeof err) || smtpcodes_scratch_new(cl, &s))
		return 1;
	smtpcodes_classify_text(cl, s, r, strlen(r), NULL, NULL, &v);
	printf("%s %s %d %s\n", smtpcodes_reason_name(v.reason), smtpcodes_action_name(v.action), v.hard,
	       smtpcodes_kb_code("de", 550)->name);
	smtpcodes_scratch_free(s);
	smtpcodes_classifier_free(cl);
	return 0;
}
C
# the .pc file names the real prefix; point it at the staging copy
sed "s|^prefix=.*|prefix=$root|; s|^libdir=.*|libdir=$root/lib|" "$root/lib/pkgconfig/libsmtpcodes.pc" > "$stage/libsmtpcodes.pc"
export PKG_CONFIG_PATH="$stage"
cc -o "$stage/app" "$stage/app.c" $(pkg-config --cflags --libs libsmtpcodes)
out=$(LD_LIBRARY_PATH="$root/lib" "$stage/app")
echo "shared: $out"
[ "$out" = "userunknown suppress 1 Angeforderte Aktion nicht ausgeführt: Postfach nicht verfügbar" ] || exit 1
cc -o "$stage/app_static" "$stage/app.c" $(pkg-config --cflags libsmtpcodes) "$root/lib/libsmtpcodes.a" \
	$(pkg-config --libs libhs) -lstdc++ -lm
[ "$("$stage/app_static")" = "$out" ] || exit 1
"$root/bin/smtpcodes" explain 550 >/dev/null
echo "install ok"
