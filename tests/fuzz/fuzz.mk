# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds the fuzz harnesses against the library sources, outside the
# automake build (which knows nothing of clang or libFuzzer):
#
#   make -f tests/fuzz/fuzz.mk O=DIR MODE=libfuzzer|replay [fuzz_NAME...]
#
# MODE=libfuzzer: clang, -fsanitize=fuzzer,address,undefined (run.sh).
# MODE=replay:    gcc, -fsanitize=address,undefined, replay.c's main()
#                 (replay.sh: the corpus once, as a regression test).
# The library sources are libtfcore's, read from Makefile.am, so a file
# added there is fuzzed without a change here. Objects go to O; -MMD keeps
# rebuilds incremental.

SRCDIR := $(patsubst %/tests/fuzz/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
O ?= /tmp/tunfilter-fuzz
MODE ?= libfuzzer
HARNESSES ?= fuzz_packet fuzz_config fuzz_rules fuzz_control fuzz_queue

ifeq ($(MODE),libfuzzer)
CC := clang
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
LIB_SAN := $(SAN) -fsanitize=fuzzer-no-link
LINK_SAN := $(SAN) -fsanitize=fuzzer
MAIN :=
else ifeq ($(MODE),replay)
CC := gcc
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
LIB_SAN := $(SAN)
LINK_SAN := $(SAN)
MAIN := $(O)/obj/tests/fuzz/replay.o
else
$(error MODE must be libfuzzer or replay)
endif

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-unused-parameter
CPPFLAGS := -I$(SRCDIR)/src -I$(SRCDIR)/include -I$(SRCDIR)/tests/fuzz -D_GNU_SOURCE \
	-DSYSCONFDIR='"/etc"' -DRUNSTATEDIR='"/run"'
CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(WARN)
LIBS := -linih -lpthread

all: $(addprefix $(O)/,$(HARNESSES))

# libtfcore_la_SOURCES of Makefile.am, expanded by make itself (the
# automake conditionals removed first).
$(O)/sources.mk: $(SRCDIR)/Makefile.am
	@mkdir -p $(@D)
	@srcs=$$(sed '/^if /d;/^endif/d;/^else/d' $< | $(MAKE) --no-print-directory -s \
		-f - -f $(SRCDIR)/tests/fuzz/print.mk print-sources); \
	echo "TF_SOURCES := $$srcs" >$@
-include $(O)/sources.mk

TF_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(filter %.c,$(TF_SOURCES)))

$(O)/obj/tests/fuzz/%.o: $(SRCDIR)/tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Werror $(LIB_SAN) -MMD -MP -c $< -o $@

$(O)/obj/%.o: $(SRCDIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LIB_SAN) -MMD -MP -c $< -o $@

$(O)/libtf.a: $(TF_OBJS)
	rm -f $@
	ar rcs $@ $^

# fuzznet.o: the router the packet, queue and control harnesses share.
$(O)/fuzz_%: $(O)/obj/tests/fuzz/fuzz_%.o $(O)/obj/tests/fuzz/fuzznet.o $(MAIN) $(O)/libtf.a
	$(CC) $(LINK_SAN) -o $@ $^ $(LIBS)

-include $(TF_OBJS:.o=.d) $(O)/obj/tests/fuzz/*.d

.PHONY: all
.SECONDARY:
