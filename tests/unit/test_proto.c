// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control protocol encoding: round trips, a table of malformed payloads,
 * and random mutations of valid messages decoded from exactly-sized heap
 * copies (so that AddressSanitizer sees any read past the end), each
 * compared with a naive reference decoder written differently: byte by
 * byte, on a copy, with 64-bit arithmetic throughout.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "control/proto.h"

#define HDR sizeof(struct ctl_hdr)

static struct ctl_hdr hdr_of(const uint8_t *buf)
{
	struct ctl_hdr h;

	memcpy(&h, buf, sizeof(h));
	return h;
}

/* Decode from a heap copy of exactly len bytes. */
static int decode_exact(const uint8_t *payload, uint32_t len, struct ctl_request *req,
			uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	cr_assert(*copy);
	if (len)
		memcpy(*copy, payload, len);
	return ctl_request_decode(*copy, len, req);
}

Test(proto, header_check)
{
	struct ctl_hdr ok = { CTL_MAGIC, CTL_VERSION, CTL_REQUEST, 0, 0 }, h;
	static const struct {
		uint32_t magic;
		uint16_t version, type;
		uint32_t len;
		int want;
	} cases[] = {
		{ CTL_MAGIC, 1, CTL_REQUEST, 0, 0 },
		{ CTL_MAGIC, 1, CTL_REPLY, CTL_MAX_PAYLOAD, 0 },
		{ CTL_MAGIC, 1, CTL_EVENT, 5, 0 },
		{ CTL_MAGIC, 1, CTL_REQUEST, CTL_MAX_PAYLOAD + 1, -EMSGSIZE },
		{ CTL_MAGIC, 1, CTL_REQUEST, UINT32_MAX, -EMSGSIZE },
		{ CTL_MAGIC ^ 1, 1, CTL_REQUEST, 0, -EPROTO },
		{ 0, 1, CTL_REQUEST, 0, -EPROTO },
		{ CTL_MAGIC, 0, CTL_REQUEST, 0, -EPROTONOSUPPORT },
		{ CTL_MAGIC, 2, CTL_REQUEST, 0, -EPROTONOSUPPORT },
		{ CTL_MAGIC, 1, 0, 0, -EPROTO },
		{ CTL_MAGIC, 1, 4, 0, -EPROTO },
		{ CTL_MAGIC, 1, 0xffff, 0, -EPROTO },
	};
	size_t i;

	cr_assert_eq(ctl_hdr_check(&ok), 0);
	cr_assert(!memcmp(&ok.magic, "TFC1", 4) || !memcmp(&ok.magic, "1CFT", 4));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h = (struct ctl_hdr){ cases[i].magic, cases[i].version, cases[i].type, cases[i].len,
				      0 };
		cr_assert_eq(ctl_hdr_check(&h), cases[i].want, "case %zu", i);
	}
}

Test(proto, request_round_trip)
{
	char *argv[] = { "show", "", "interfaces", "-A", "ünïcode", "a b\tc" };
	const char input[] = "*filter\n\0binary\xff\n";
	struct ctl_request req;
	uint8_t *buf;
	size_t len;
	int i;

	cr_assert_eq(ctl_request_encode(CTL_F_JSON | 0x80, 6, argv, input, sizeof(input), &buf,
					&len), 0);
	struct ctl_hdr h = hdr_of(buf);

	cr_assert_eq(ctl_hdr_check(&h), 0);
	cr_assert_eq(h.type, CTL_REQUEST);
	cr_assert_eq(h.status, 0);
	cr_assert_eq(h.len, len - HDR);
	cr_assert_eq(ctl_request_decode(buf + HDR, h.len, &req), 0);
	cr_assert_eq(req.flags, CTL_F_JSON | 0x80);
	cr_assert_eq(req.argc, 6);
	for (i = 0; i < 6; i++)
		cr_assert_str_eq(req.argv[i], argv[i]);
	cr_assert_eq(req.input_len, sizeof(input));
	cr_assert(!memcmp(req.input, input, sizeof(input)));
	free(buf);

	/* No arguments and no input: the smallest request. */
	cr_assert_eq(ctl_request_encode(0, 0, NULL, NULL, 0, &buf, &len), 0);
	cr_assert_eq(len, HDR + 12);
	cr_assert_eq(ctl_request_decode(buf + HDR, 12, &req), 0);
	cr_assert_eq(req.argc, 0);
	cr_assert_eq(req.input_len, 0);
	cr_assert_null(req.input);
	free(buf);
}

Test(proto, request_limits)
{
	static char *many[CTL_MAX_ARGS + 1];
	struct ctl_request req;
	uint8_t *buf;
	size_t len;
	char *big;
	unsigned int i;

	for (i = 0; i <= CTL_MAX_ARGS; i++)
		many[i] = "x";
	cr_assert_eq(ctl_request_encode(0, CTL_MAX_ARGS, many, NULL, 0, &buf, &len), 0);
	cr_assert_eq(ctl_request_decode(buf + HDR, (uint32_t)(len - HDR), &req), 0);
	cr_assert_eq(req.argc, CTL_MAX_ARGS);
	free(buf);
	cr_assert_eq(ctl_request_encode(0, CTL_MAX_ARGS + 1, many, NULL, 0, &buf, &len), -E2BIG);
	cr_assert_eq(ctl_request_encode(0, -1, many, NULL, 0, &buf, &len), -EINVAL);
	cr_assert_eq(ctl_request_encode(0, 1, (char *[]){ NULL }, NULL, 0, &buf, &len), -EINVAL);
	cr_assert_eq(ctl_request_encode(0, 0, NULL, NULL, 5, &buf, &len), -EINVAL);

	/* The payload limit counts the fixed part and every terminator. */
	big = malloc(CTL_MAX_PAYLOAD);
	cr_assert(big);
	memset(big, 'a', CTL_MAX_PAYLOAD);
	cr_assert_eq(ctl_request_encode(0, 0, NULL, big, CTL_MAX_PAYLOAD - 12, &buf, &len), 0);
	cr_assert_eq(len, HDR + CTL_MAX_PAYLOAD);
	free(buf);
	cr_assert_eq(ctl_request_encode(0, 0, NULL, big, CTL_MAX_PAYLOAD - 11, &buf, &len),
		     -EMSGSIZE);
	big[CTL_MAX_PAYLOAD - 14] = '\0'; /* a string of MAX-14 bytes + NUL + 12 = MAX - 1 */
	cr_assert_eq(ctl_request_encode(0, 1, &big, NULL, 0, &buf, &len), 0);
	free(buf);
	cr_assert_eq(ctl_request_encode(0, 2, (char *[]){ big, "" }, NULL, 0, &buf, &len), 0);
	free(buf);
	cr_assert_eq(ctl_request_encode(0, 2, (char *[]){ big, "x" }, NULL, 0, &buf, &len),
		     -EMSGSIZE);
	free(big);
}

Test(proto, reply_and_event_round_trip)
{
	const char *out, *err;
	uint32_t olen, elen;
	uint8_t *buf;
	size_t len;
	struct ctl_hdr h;

	cr_assert_eq(ctl_reply_encode(2, "hello\n", 6, "bad\0x", 5, &buf, &len), 0);
	h = hdr_of(buf);
	cr_assert_eq(ctl_hdr_check(&h), 0);
	cr_assert_eq(h.type, CTL_REPLY);
	cr_assert_eq(h.status, 2);
	cr_assert_eq(h.len, 8 + 6 + 5);
	cr_assert_eq(ctl_reply_decode(buf + HDR, h.len, &out, &olen, &err, &elen), 0);
	cr_assert_eq(olen, 6);
	cr_assert(!memcmp(out, "hello\n", 6));
	cr_assert_eq(elen, 5);
	cr_assert(!memcmp(err, "bad\0x", 5));
	free(buf);

	cr_assert_eq(ctl_reply_encode(0, NULL, 0, NULL, 0, &buf, &len), 0);
	cr_assert_eq(ctl_reply_decode(buf + HDR, 8, &out, &olen, &err, &elen), 0);
	cr_assert_eq(olen + elen, 0);
	free(buf);
	cr_assert_eq(ctl_reply_encode(0, NULL, 1, NULL, 0, &buf, &len), -EINVAL);
	cr_assert_eq(ctl_reply_encode(0, "", CTL_MAX_PAYLOAD, "", 0, &buf, &len), -EMSGSIZE);

	cr_assert_eq(ctl_event_encode("ev\n", 3, &buf, &len), 0);
	h = hdr_of(buf);
	cr_assert_eq(h.type, CTL_EVENT);
	cr_assert_eq(h.len, 3);
	cr_assert(!memcmp(buf + HDR, "ev\n", 3));
	free(buf);
}

Test(proto, reply_malformed)
{
	uint8_t p[32] = { 0 };
	const char *out, *err;
	uint32_t olen, elen, v;

	for (uint32_t len = 0; len < 8; len++)
		cr_assert_eq(ctl_reply_decode(p, len, &out, &olen, &err, &elen), -EPROTO);
	v = 3;
	memcpy(p, &v, 4);
	cr_assert_eq(ctl_reply_decode(p, 8 + 2, &out, &olen, &err, &elen), -EPROTO);
	cr_assert_eq(ctl_reply_decode(p, 8 + 4, &out, &olen, &err, &elen), -EPROTO);
	cr_assert_eq(ctl_reply_decode(p, 8 + 3, &out, &olen, &err, &elen), 0);
	/* out_len + err_len wraps to the right value in 32 bits. */
	v = 0xffffffffu;
	memcpy(p, &v, 4);
	v = 5;
	memcpy(p + 4, &v, 4);
	cr_assert_eq(ctl_reply_decode(p, 8 + 4, &out, &olen, &err, &elen), -EPROTO);
}

/* Build a request payload by hand: fixed part then raw bytes. */
static uint32_t mk(uint8_t *p, uint32_t flags, uint32_t argc, uint32_t ilen, const void *rest,
		   uint32_t rlen)
{
	memcpy(p, &flags, 4);
	memcpy(p + 4, &argc, 4);
	memcpy(p + 8, &ilen, 4);
	memcpy(p + 12, rest, rlen);
	return 12 + rlen;
}

Test(proto, request_malformed_table)
{
	static const struct {
		const char *name;
		uint32_t argc, ilen;
		const char *rest;
		uint32_t rlen;
		int want;
	} cases[] = {
		{ "ok: two args", 2, 0, "a\0b", 4, 0 },
		{ "ok: args and input", 1, 3, "a\0xyz", 5, 0 },
		{ "ok: input with NUL only", 0, 2, "\0\0", 2, 0 },
		{ "ok: empty strings", 3, 0, "\0\0", 3, 0 },
		{ "argc larger than strings", 3, 0, "a\0b", 4, -EPROTO },
		{ "argc smaller than strings", 1, 0, "a\0b", 4, -EPROTO },
		{ "last string not terminated", 2, 0, "a\0b", 3, -EPROTO },
		{ "no terminator at all", 1, 0, "abc", 3, -EPROTO },
		{ "string runs into input", 1, 2, "ab\0", 3, -EPROTO },
		{ "input longer than payload", 0, 4, "abc", 3, -EPROTO },
		{ "input_len 0xffffffff", 0, 0xffffffffu, "abc", 3, -EPROTO },
		{ "input_len wraps with fixed", 0, 0xfffffff4u, "", 0, -EPROTO },
		{ "argc over the limit", CTL_MAX_ARGS + 1, 0, "", 0, -EPROTO },
		{ "argc 0xffffffff", 0xffffffffu, 0, "a", 2, -EPROTO },
		{ "trailing byte without argc", 0, 0, "x", 1, -EPROTO },
		{ "trailing NUL", 1, 0, "a\0", 3, -EPROTO },
	};
	uint8_t p[64], *copy;
	struct ctl_request req;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t len = mk(p, 0, cases[i].argc, cases[i].ilen, cases[i].rest, cases[i].rlen);

		cr_assert_eq(decode_exact(p, len, &req, &copy), cases[i].want, "%s", cases[i].name);
		free(copy);
	}
	/* Short fixed parts. */
	memset(p, 0, sizeof(p));
	for (i = 0; i < 12; i++) {
		cr_assert_eq(decode_exact(p, (uint32_t)i, &req, &copy), -EPROTO, "len %zu", i);
		free(copy);
	}
	cr_assert_eq(ctl_request_decode(NULL, 0, &req), -EPROTO);
}

/*
 * The naive reference: walk the strings area byte by byte, counting
 * terminators, with 64-bit arithmetic. Returns the number of strings it
 * found (starts in starts[]) or -1 if the payload is malformed.
 */
static long ref_decode(const uint8_t *p, uint32_t len, uint32_t *starts)
{
	uint32_t argc, ilen;
	uint64_t area, i, n = 0, start = 12;

	if (len < 12)
		return -1;
	memcpy(&argc, p + 4, 4);
	memcpy(&ilen, p + 8, 4);
	if (argc > CTL_MAX_ARGS || (uint64_t)ilen + 12 > len)
		return -1;
	area = (uint64_t)len - ilen;
	for (i = 12; i < area; i++) {
		if (p[i] == 0) {
			if (n == argc)
				return -1; /* more strings than argc */
			starts[n++] = (uint32_t)start;
			start = i + 1;
		}
	}
	if (start != area || n != argc)
		return -1; /* unterminated tail, or fewer strings */
	return (long)n;
}

/* Returns whether the payload was accepted. */
static bool check_against_ref(const uint8_t *p, uint32_t len)
{
	static uint32_t starts[CTL_MAX_ARGS];
	struct ctl_request req;
	uint8_t *copy;
	long want = ref_decode(p, len, starts);
	int got = decode_exact(p, len, &req, &copy);
	uint32_t i;

	cr_assert_eq(got == 0, want >= 0, "decode %d, reference %ld, len %u", got, want, len);
	if (got == 0) {
		const char *lo = (const char *)copy, *hi = lo + len;

		cr_assert_eq(req.argc, (uint32_t)want);
		for (i = 0; i < req.argc; i++) {
			cr_assert_eq(req.argv[i], lo + starts[i]);
			cr_assert(req.argv[i] + strlen(req.argv[i]) < hi);
		}
		if (req.input_len) {
			cr_assert_eq(req.input + req.input_len, hi);
			cr_assert(req.input >= lo + 12);
		}
	} else {
		cr_assert_eq(got, -EPROTO);
	}
	free(copy);
	return got == 0;
}

static uint32_t rnd32(unsigned int *seed)
{
	return ((uint32_t)rand_r(seed) << 16) ^ (uint32_t)rand_r(seed);
}

/* Mutations of valid requests: flips, truncation, extension, count edits. */
Test(proto, request_mutations_match_reference)
{
	unsigned int seed = 4242, iter, accepted = 0;
	static char words[8][16] = { "show", "interfaces", "", "-A",
				     "FORWARD", "x", "--dport", "22" };

	for (iter = 0; iter < 200000; iter++) {
		char *argv[8];
		uint8_t *buf, *p, tmp[512];
		size_t len;
		uint32_t plen, argc = rand_r(&seed) % 8, ilen = rand_r(&seed) % 6, i, m;
		uint32_t nm = 1 + rand_r(&seed) % 3;

		for (i = 0; i < argc; i++)
			argv[i] = words[rand_r(&seed) % 8];
		cr_assert_eq(ctl_request_encode(0, (int)argc, argv, "in\0pu", ilen, &buf, &len), 0);
		plen = (uint32_t)(len - HDR);
		cr_assert(plen + 16 <= sizeof(tmp));
		memcpy(tmp, buf + HDR, plen);
		free(buf);
		p = tmp;
		for (m = 0; m < nm; m++) {
			uint32_t v, at;

			switch (rand_r(&seed) % 7) {
			case 0: /* flip a byte */
				p[rand_r(&seed) % plen] ^= (uint8_t)(1 + rand_r(&seed) % 255);
				break;
			case 1: /* zero a byte: an extra terminator */
				p[rand_r(&seed) % plen] = 0;
				break;
			case 2: /* truncate */
				plen = rand_r(&seed) % (plen + 1);
				break;
			case 3: /* extend */
				v = 1 + rand_r(&seed) % 16;
				for (i = 0; i < v; i++)
					p[plen + i] = (rand_r(&seed) & 1) ? 0 : 'z';
				plen += v;
				break;
			case 4: /* argc +- a little, or random */
				if (plen >= 8) {
					memcpy(&v, p + 4, 4);
					v = (rand_r(&seed) % 4) ? v + (rand_r(&seed) % 5) - 2
								: rnd32(&seed);
					memcpy(p + 4, &v, 4);
				}
				break;
			case 5: /* input_len +- a little, or huge */
				if (plen >= 12) {
					memcpy(&v, p + 8, 4);
					v = (rand_r(&seed) % 4) ? v + (rand_r(&seed) % 5) - 2
								: UINT32_MAX - rand_r(&seed) % 16;
					memcpy(p + 8, &v, 4);
				}
				break;
			default: /* random byte at a random place */
				at = rand_r(&seed) % plen;
				p[at] = (uint8_t)rand_r(&seed);
				break;
			}
			if (plen == 0)
				break;
		}
		accepted += check_against_ref(p, plen);
	}
	/* Both outcomes must be well represented, or the test proves little. */
	cr_assert(accepted > 10000 && accepted < 190000, "accepted %u", accepted);
}

/* Fully random payloads with plausible counts. */
Test(proto, request_random_payloads)
{
	unsigned int seed = 99, iter, accepted = 0;
	uint8_t p[256];

	for (iter = 0; iter < 100000; iter++) {
		uint32_t len = rand_r(&seed) % sizeof(p), i, v;

		for (i = 0; i < len; i++)
			p[i] = (rand_r(&seed) % 3) ? (uint8_t)rand_r(&seed) : 0;
		if (len >= 12) {
			v = rand_r(&seed) % 8;
			memcpy(p + 4, &v, 4);
			v = rand_r(&seed) % (len + 2);
			memcpy(p + 8, &v, 4);
		}
		accepted += check_against_ref(p, len);
	}
	cr_assert(accepted > 500, "accepted %u", accepted);
}
