# Makefile - builds libsmtpcodes (static and shared), the smtpcodes program,
# the unit tests and the fuzz harnesses; installs with PREFIX/DESTDIR.
#
#   make                 build into build/
#   make check           build and run every test (tests/run)
#   make WERROR=1        warnings are errors (CI)
#   make SAN=1           ASan+UBSan build into build-asan/
#   make fuzz            libFuzzer harnesses (clang) into build-fuzz/
#   make install PREFIX=/usr/local DESTDIR=
#
# Sources are found by wildcard: a new lib/*.c, src/*/*.c, tests/unit/test_*.c
# or tests/fuzz/fuzz_*.c needs no change here.

VERSION  := 0.1.0
SOVER    := 0
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR   ?= $(PREFIX)/lib
CC       ?= cc

ifeq ($(SAN),1)
BUILD    ?= build-asan
OPT      ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN    := -fsanitize=address,undefined
else
BUILD    ?= build
OPT      ?= -O3 -g
LDSAN    :=
endif

PKGS     := libhs libpcre2-8 zlib openssl gmime-3.0 jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# The program links its heavy dependencies statically when their archives
# are installed (Debian's -dev packages ship them): loading and binding 27
# shared libraries cost 5 ms at every start, which dominated short runs
# such as `explain` or `probe`. LINK=dynamic forces plain shared linking.
# glibc stays shared. GIO is left out: GMime's one call into it, made only
# to register a stream type we never use, goes to src/bounce/gmime_nogio.c
# (--wrap), which keeps GIO's libmount, libblkid and libselinux from being
# loaded at every start.
STATIC_ARCHIVES := gmime-3.0 gpgme assuan gpg-error gobject-2.0 glib-2.0 ffi \
                   pcre2-8 jansson idn2 unistring hs ssl crypto z
LIBDIR_SYS := $(shell pkg-config --variable=libdir zlib 2>/dev/null)
LINK     ?= $(if $(strip $(foreach a,$(STATIC_ARCHIVES),$(if $(wildcard $(LIBDIR_SYS)/lib$(a).a),,$(a)))),dynamic,static)
ifeq ($(LINK),static)
PROG_LIBS := -Wl,--wrap=g_mime_stream_gio_get_type \
             -Wl,-Bstatic $(addprefix -l,$(STATIC_ARCHIVES)) -Wl,-Bdynamic \
             -static-libstdc++ -static-libgcc -Wl,-Bstatic -lstdc++ -Wl,-Bdynamic
PROG_OBJ  := $(BUILD)/obj/src/bounce/gmime_nogio.o
else
PROG_LIBS := $(PKG_LIBS) -lstdc++
PROG_OBJ  :=
endif

# Relative relocations packed (DT_RELR: binutils 2.38, glibc 2.36) where the
# tool chain has them: the table of the static program's 31,000 relocations
# shrinks from 740 KB to 9 KB, which the loader no longer reads at each start.
RELR     := $(shell printf 'int main(void){return 0;}' | $(CC) -x c -Wl,-z,pack-relative-relocs -o /dev/null - \
              2>/dev/null && echo -Wl,-z,pack-relative-relocs)

WARN     := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wwrite-strings -Wundef -Wcast-qual
ifeq ($(WERROR),1)
WARN     += -Werror
endif
CPPFLAGS += -D_GNU_SOURCE -Iinclude -Ilib -Isrc
CFLAGS   += $(OPT) $(WARN) -MMD -MP
LIBFLAGS := -fPIC -fvisibility=hidden -DSMTPCODES_BUILDING -Wconversion

LIB_SRC  := $(wildcard lib/*.c)
GEN_SRC  := $(BUILD)/gen/kb_data.c $(BUILD)/gen/rules_data.c
APP_SRC  := $(filter-out src/cli/main.c src/bounce/gmime_nogio.c,$(wildcard src/*/*.c))
TEST_SRC := $(wildcard tests/unit/test_*.c)
KB_FILES := $(sort $(wildcard data/kb/*.kb))

CORE_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_SRC:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
LIB_OBJ  := $(CORE_OBJ) $(BUILD)/obj/gen/rules_db.o
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/needles_db.o
MAIN_OBJ := $(BUILD)/obj/src/cli/main.o
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

STATIC   := $(BUILD)/libsmtpcodes.a
SHARED   := $(BUILD)/libsmtpcodes.so.$(VERSION)
PROGRAM  := $(BUILD)/smtpcodes
KBGEN    := $(BUILD)/tools/kbgen

.PHONY: all check test install uninstall clean fuzz bench demo
all: $(PROGRAM) $(STATIC) $(SHARED) $(BUILD)/libsmtpcodes.pc $(TESTS)

$(KBGEN): tools/kbgen.c
	@mkdir -p $(@D)
	$(CC) -O1 -std=c11 -Wall -o $@ $<

$(BUILD)/gen/kb_data.c: $(KB_FILES) $(KBGEN)
	@mkdir -p $(@D)
	$(KBGEN) kb $(KB_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/rules_data.c: data/rules.txt $(KBGEN)
	@mkdir -p $(@D)
	$(KBGEN) embed sc_builtin_rules $< > $@.tmp && mv $@.tmp $@

# the built-in rules, parsed and compiled by Hyperscan once at build time
# (tools/rulesdb.c), written as C tables the library points at
$(BUILD)/tools/rulesdb: tools/rulesdb.c tools/rulesdb_empty.c $(CORE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDSAN) -o $@ tools/rulesdb.c tools/rulesdb_empty.c $(CORE_OBJ) \
	  $(shell pkg-config --libs libhs) -lstdc++ -lm

$(BUILD)/gen/rules_db.c: $(BUILD)/tools/rulesdb
	$(BUILD)/tools/rulesdb > $@.tmp && mv $@.tmp $@

# the phrase table of the bounce modules, compiled once at build time
# (tools/needlesdb.c); built from bounce_needles.c itself
$(BUILD)/tools/needlesdb: tools/needlesdb.c tools/needlesdb_empty.c src/bounce/bounce_needles.c src/common/util.c \
                          src/common/progress.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(LDSAN) -o $@ tools/needlesdb.c tools/needlesdb_empty.c \
	  src/bounce/bounce_needles.c src/common/util.c src/common/progress.c $(shell pkg-config --libs libhs) \
	  -lstdc++ -lm -lpthread

$(BUILD)/gen/needles_db.c: $(BUILD)/tools/needlesdb $(KBGEN)
	@mkdir -p $(@D)
	$(BUILD)/tools/needlesdb > $(BUILD)/gen/needles_db.bin
	$(KBGEN) embed sc_needles_db $(BUILD)/gen/needles_db.bin > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LIBFLAGS) -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LIBFLAGS) -Wno-overlength-strings -c -o $@ $<

$(BUILD)/obj/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ) lib/libsmtpcodes.map
	$(CC) -shared -Wl,-soname,libsmtpcodes.so.$(SOVER) -Wl,--version-script=lib/libsmtpcodes.map \
	  $(LDSAN) -o $@ $(LIB_OBJ) $(shell pkg-config --libs libhs) -lstdc++ -lm
	ln -sf libsmtpcodes.so.$(VERSION) $(BUILD)/libsmtpcodes.so.$(SOVER)
	ln -sf libsmtpcodes.so.$(SOVER) $(BUILD)/libsmtpcodes.so

$(BUILD)/app.a: $(APP_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(PROGRAM): $(MAIN_OBJ) $(PROG_OBJ) $(BUILD)/app.a $(STATIC)
	$(CC) $(LDSAN) $(RELR) -o $@ $(MAIN_OBJ) $(PROG_OBJ) $(BUILD)/app.a $(STATIC) $(PROG_LIBS) -lresolv -lm -lpthread -ldl

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/app.a $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(LDSAN) -o $@ $< $(BUILD)/app.a $(STATIC) $(PKG_LIBS) $(shell pkg-config --libs cmocka) \
	  -lresolv -lstdc++ -lm -lpthread

$(BUILD)/libsmtpcodes.pc: libsmtpcodes.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

check test: all
	BUILD=$(BUILD) tests/run

bench: all
	bench/run

demo: all
	$(PROGRAM) report samples/postfix-sample.log

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/smtpcodes \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 755 $(PROGRAM) $(DESTDIR)$(PREFIX)/bin/smtpcodes
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libsmtpcodes.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/libsmtpcodes.so.$(VERSION)
	ln -sf libsmtpcodes.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsmtpcodes.so.$(SOVER)
	ln -sf libsmtpcodes.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libsmtpcodes.so
	install -m 644 include/smtpcodes/*.h $(DESTDIR)$(PREFIX)/include/smtpcodes/
	install -m 644 $(BUILD)/libsmtpcodes.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libsmtpcodes.pc
	install -m 644 docs/smtpcodes.1 $(DESTDIR)$(PREFIX)/share/man/man1/smtpcodes.1
	install -m 644 docs/libsmtpcodes.3 $(DESTDIR)$(PREFIX)/share/man/man3/libsmtpcodes.3

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/smtpcodes $(DESTDIR)$(LIBDIR)/libsmtpcodes.* \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/libsmtpcodes.pc $(DESTDIR)$(PREFIX)/share/man/man1/smtpcodes.1 \
	  $(DESTDIR)$(PREFIX)/share/man/man3/libsmtpcodes.3
	rm -rf $(DESTDIR)$(PREFIX)/include/smtpcodes

# ---- fuzzing: clang + libFuzzer; every tests/fuzz/fuzz_*.c is one harness
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -std=c11 -D_GNU_SOURCE -Iinclude -Ilib -Isrc
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
	  LDSAN="-fsanitize=address,undefined" build-fuzz/app.a build-fuzz/libsmtpcodes.a
	$(MAKE) $(FUZZ_BIN)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/app.a build-fuzz/libsmtpcodes.a
	clang $(FUZZ_CFLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/app.a build-fuzz/libsmtpcodes.a \
	  $(PKG_LIBS) -lresolv -lstdc++ -lm -lpthread

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
