// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main() of the replay build (replay.sh): run a harness once on each file
 * named, as libFuzzer runs it on a reproducer. A crash or a failed
 * property aborts with the file named just before on stderr, so the log of
 * a failing replay says which input it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

/* The file in a buffer of exactly its size (as libFuzzer gives it, so that
 * ASan sees a read past the end). NULL on error. */
static uint8_t *replay_read(const char *path, size_t *len)
{
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n;
	FILE *f = fopen(path, "rb");

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb)
				goto fail;
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f))
		goto fail;
	fclose(f);
	nb = realloc(buf, *len ? *len : 1);
	return nb ? nb : buf;

fail:
	fclose(f);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	int i, bad = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		size_t len;
		uint8_t *buf = replay_read(argv[i], &len);

		if (!buf) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		fprintf(stderr, "replay: %s (%zu bytes)\n", argv[i], len);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
	}
	return bad;
}
