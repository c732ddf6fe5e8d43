// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol (control/proto.h) as the daemon reads it: the input
 * is a byte stream of messages, header then payload, taken one after the
 * other until one is refused or cut short (the server then closes).
 *
 * For every payload:
 *   - ctl_request_decode and ctl_reply_decode (the client's decoder). What
 *     decodes encodes back to the same bytes: proto.c promises that one
 *     payload has exactly one reading.
 *   - A request with a good header runs, as cmd_dispatch would run it, the
 *     commands that work on the router alone (the iptables command line,
 *     save, restore, simulate), on one router kept for the whole stream.
 *     Each answers 0, 1 or 2, says why on failure, and -j output is
 *     well-formed JSON; the ruleset it leaves saves and restores to the
 *     same text.
 */
#include <stdbool.h>
#include <string.h>
#include "control/cmd_iptables.h"
#include "control/cmd_restore.h"
#include "control/cmd_save.h"
#include "control/cmd_simulate.h"
#include "control/out.h"
#include "control/proto.h"
#include "core/router.h"
#include "fuzz.h"
#include "fuzznet.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/save.h"
#include "tables/tables.h"

#define FUZZ_MAX_MSGS 16

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* ---- a JSON syntax check (RFC 8259), enough to tell broken output ---- */

struct fuzz_json {
	const char *s, *end;
	unsigned int depth;
};

static bool fuzz_json_value(struct fuzz_json *j);

/* Whether the next character is one of set (never the NUL). */
static bool fuzz_json_at(const struct fuzz_json *j, const char *set)
{
	return j->s < j->end && *j->s && strchr(set, *j->s);
}

static void fuzz_json_ws(struct fuzz_json *j)
{
	while (fuzz_json_at(j, " \t\r\n"))
		j->s++;
}

static bool fuzz_json_lit(struct fuzz_json *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->s) < n || memcmp(j->s, lit, n))
		return false;
	j->s += n;
	return true;
}

static bool fuzz_json_string(struct fuzz_json *j)
{
	if (j->s >= j->end || *j->s++ != '"')
		return false;
	while (j->s < j->end) {
		unsigned char c = (unsigned char)*j->s++;

		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		if (j->s >= j->end)
			return false;
		c = (unsigned char)*j->s++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, j->s++)
				if (!fuzz_json_at(j, "0123456789abcdefABCDEF"))
					return false;
		} else if (!c || !strchr("\"\\/bfnrt", c)) {
			return false;
		}
	}
	return false;
}

static bool fuzz_json_number(struct fuzz_json *j)
{
	const char *start = j->s;

	if (fuzz_json_at(j, "-"))
		j->s++;
	while (fuzz_json_at(j, "0123456789.eE+-"))
		j->s++;
	/* Loose: what starts like a number and ends in a digit. */
	return j->s > start && j->s[-1] >= '0' && j->s[-1] <= '9';
}

/* An object (close '}') or an array (close ']') after its opening. */
static bool fuzz_json_container(struct fuzz_json *j, char close)
{
	bool first = true;

	if (++j->depth > 64)
		return false;
	for (;;) {
		fuzz_json_ws(j);
		if (j->s < j->end && *j->s == close && first) {
			j->s++;
			break;
		}
		if (close == '}') {
			if (!fuzz_json_string(j))
				return false;
			fuzz_json_ws(j);
			if (j->s >= j->end || *j->s++ != ':')
				return false;
		}
		if (!fuzz_json_value(j))
			return false;
		fuzz_json_ws(j);
		first = false;
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->end && *j->s == close) {
			j->s++;
			break;
		}
		return false;
	}
	j->depth--;
	return true;
}

static bool fuzz_json_value(struct fuzz_json *j)
{
	fuzz_json_ws(j);
	if (j->s >= j->end)
		return false;
	switch (*j->s) {
	case '{':
		j->s++;
		return fuzz_json_container(j, '}');
	case '[':
		j->s++;
		return fuzz_json_container(j, ']');
	case '"':
		return fuzz_json_string(j);
	case 't':
		return fuzz_json_lit(j, "true");
	case 'f':
		return fuzz_json_lit(j, "false");
	case 'n':
		return fuzz_json_lit(j, "null");
	default:
		return fuzz_json_number(j);
	}
}

/* One or more JSON documents (a listing of several chains is several). */
static bool fuzz_json_valid(const char *s, size_t len)
{
	struct fuzz_json j = { s, s + len, 0 };

	do {
		if (!fuzz_json_value(&j))
			return false;
		fuzz_json_ws(&j);
	} while (j.s < j.end);
	return true;
}

/* ---- the router the commands work on ---- */

static void fuzz_router_up(struct router *r)
{
	const struct router_config cfg = {
		.pool_size = 16,
		.defrag_cfg = { .max_memory = 1u << 20, .timeout_ms = 30000, .max_queues = 8 },
		.icmp = ICMP_LIMIT_DEFAULTS,
	};

	fuzznet_up(r, &cfg, 1400);
}

/* The live ruleset saves, restores and saves again to the same text. */
static void fuzz_ruleset_round_trip(const struct router *r)
{
	struct ruleset *rs = ruleset_new(ruleset_counters(r->ruleset));
	char err[RULESET_ERR_MAX] = "";
	struct out s1, s2;

	FUZZ_CHECK(rs, "ruleset_new");
	out_init(&s1, false);
	out_init(&s2, false);
	save_ruleset(r->ruleset, -1, SAVE_COUNTERS | SAVE_NO_COMMENTS, 0, &s1);
	FUZZ_CHECK(restore_text(rs, s1.buf ? s1.buf : "", s1.len, "saved", RESTORE_COUNTERS, err,
				sizeof(err)) == 0, "the live ruleset's save does not restore: %s",
		   err);
	save_ruleset(rs, -1, SAVE_COUNTERS | SAVE_NO_COMMENTS, 0, &s2);
	FUZZ_CHECK(s1.len == s2.len && !memcmp(s1.buf, s2.buf, s1.len),
		   "save(restore(save)) differs: %.*s---\n%.*s", (int)s1.len, s1.buf,
		   (int)s2.len, s2.buf);
	out_free(&s1);
	out_free(&s2);
	ruleset_free(rs);
}

/* The commands of cmd_dispatch that need no daemon, found as it finds them. */
static void fuzz_dispatch(struct router *r, const struct ctl_request *req)
{
	const char *const *argv = req->argv;
	int argc = (int)req->argc, st;
	bool json = req->flags & CTL_F_JSON;
	struct out o, e;

	if (!argc)
		return;
	out_init(&o, json);
	out_init(&e, false);
	if (cmd_iptables_is_cmdline(argv[0]))
		st = cmd_iptables_run(r, argc, argv, &o, &e);
	else if (!strcmp(argv[0], "save"))
		st = cmd_save_run(r, argc - 1, argv + 1, &o, &e);
	else if (!strcmp(argv[0], "restore"))
		st = cmd_restore_run(r, argc - 1, argv + 1, req->input, req->input_len, &o, &e);
	else if (!strcmp(argv[0], "simulate"))
		st = cmd_simulate_run(r, argc - 1, argv + 1, &o, &e);
	else
		st = -1;
	if (getenv("TF_FUZZ_VERBOSE"))
		fprintf(stderr, "%s... -> %d\n%.*s%.*s", argv[0], st, (int)o.len,
			o.buf ? o.buf : "", (int)e.len, e.buf ? e.buf : "");
	if (st >= 0) {
		FUZZ_CHECK(st <= 2, "exit status %d of \"%s\"", st, argv[0]);
		FUZZ_CHECK(!st || e.len, "\"%s\" failed (%d) without a message", argv[0], st);
		FUZZ_CHECK(!o.oom && !e.oom, "out of memory");
		if (json && !st && o.len)
			FUZZ_CHECK(fuzz_json_valid(o.buf, o.len), "bad JSON from \"%s\": %.*s",
				   argv[0], (int)o.len, o.buf);
		fuzz_ruleset_round_trip(r);
	}
	out_free(&o);
	out_free(&e);
}

/* ---- the decoders ---- */

static void fuzz_request(const uint8_t *payload, uint32_t len, struct ctl_request *req, bool *ok)
{
	uint8_t *buf;
	size_t blen;

	*ok = ctl_request_decode(payload, len, req) == 0;
	if (!*ok)
		return;
	FUZZ_CHECK(ctl_request_encode(req->flags, (int)req->argc, (char *const *)req->argv,
				      req->input, req->input_len, &buf, &blen) == 0,
		   "a decoded request does not encode");
	FUZZ_CHECK(blen == sizeof(struct ctl_hdr) + len &&
			   !memcmp(buf + sizeof(struct ctl_hdr), payload, len),
		   "request: encode(decode(x)) != x");
	free(buf);
}

static void fuzz_reply(const uint8_t *payload, uint32_t len, int32_t status)
{
	const char *out, *err;
	uint32_t olen, elen;
	uint8_t *buf;
	size_t blen;

	if (ctl_reply_decode(payload, len, &out, &olen, &err, &elen))
		return;
	FUZZ_CHECK(ctl_reply_encode(status, out, olen, err, elen, &buf, &blen) == 0,
		   "a decoded reply does not encode");
	FUZZ_CHECK(blen == sizeof(struct ctl_hdr) + len &&
			   !memcmp(buf + sizeof(struct ctl_hdr), payload, len),
		   "reply: encode(decode(x)) != x");
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct router r;
	static struct ctl_request req; /* 8 KiB of pointers */
	unsigned int n;
	bool ok;

	fuzz_router_up(&r);
	for (n = 0; n < FUZZ_MAX_MSGS && size >= sizeof(struct ctl_hdr); n++) {
		struct ctl_hdr h;
		bool good;

		memcpy(&h, data, sizeof(h));
		good = ctl_hdr_check(&h) == 0;
		data += sizeof(h);
		size -= sizeof(h);
		/* The decoders see the payload in a buffer of its own size. */
		{
			uint32_t len = good && h.len <= size ? h.len : (uint32_t)size;
			uint8_t *payload = malloc(len ? len : 1);

			FUZZ_CHECK(payload, "malloc");
			memcpy(payload, data, len);
			fuzz_request(payload, len, &req, &ok);
			fuzz_reply(payload, len, h.status);
			if (good && h.len <= size && h.type == CTL_REQUEST && ok)
				fuzz_dispatch(&r, &req);
			free(payload);
			if (!good || h.len > size)
				break; /* the server answers an error and closes */
			data += len;
			size -= len;
		}
	}
	tables_fini(&r);
	router_fini(&r);
	return 0;
}
