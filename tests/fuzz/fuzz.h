/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every fuzz harness defines. The harnesses are built two ways from
 * the same source (tests/fuzz/lib.sh):
 *
 *   run.sh      clang -fsanitize=fuzzer,address,undefined: libFuzzer's main
 *               calls fuzz_init once, then LLVMFuzzerTestOneInput per input;
 *   replay.sh   gcc -fsanitize=address,undefined with replay.c's main, which
 *               feeds each file of the committed corpus once (a regression
 *               layer of tests/run that needs no clang).
 *
 * A harness checks properties with FUZZ_CHECK, which aborts (a crash to
 * libFuzzer, a failure to replay) and says which property broke.
 */
#ifndef TF_FUZZ_H
#define TF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
