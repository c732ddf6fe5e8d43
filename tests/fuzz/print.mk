# SPDX-License-Identifier: GPL-2.0-or-later
# Read after Makefile.am by fuzz.mk: prints the library's sources.
print-sources:
	@echo $(libtfcore_la_SOURCES)
