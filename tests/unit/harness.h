/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers every unit test may use (linked from libtftest).
 */
#ifndef TF_TESTS_HARNESS_H
#define TF_TESTS_HARNESS_H

/* The whole of tests/data/NAME, NUL-terminated, from the source tree
 * ($srcdir, else the current directory); fails the test when missing.
 * The caller frees it. */
char *harness_slurp(const char *name);

#endif
