// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m limit: a token bucket per rule, as the kernel's xt_limit.c.
 *
 * The rate is kept as xt_rateinfo's "avg": the mean interval between
 * packets in 1/10000 s (XT_LIMIT_SCALE), "3/hour" being 12000000. The
 * bucket holds credits of the same unit: it fills by 10 per millisecond of
 * the router clock (r->now_ms, our jiffy), holds at most avg * burst, and
 * a packet that finds at least avg credits takes them and matches. Like
 * the kernel, the bucket starts full and the refill is computed lazily from
 * the time of the previous packet. Credits are 64-bit, so every rate and
 * burst iptables accepts works (xt_limit's 32-bit credits refuse
 * "1/day --limit-burst 5"; the nft back end, the reference, takes it).
 *
 * The nft back end stores a rate as a whole number per unit (add_nft_limit
 * turns avg into "rate/unit" and back); parse() applies the same round trip,
 * so "86401/day" runs and saves as "1/sec" and a saved rule reads back
 * equal. A burst of 0 is taken as the default 5, as nft_limit does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/router.h"
#include "tables/xt.h"

#define LIMIT_SCALE 10000u        /* XT_LIMIT_SCALE: avg unit is 1/10000 s */
#define LIMIT_CREDITS_PER_MS 10u  /* LIMIT_SCALE / 1000 */
#define LIMIT_BURST_DEFAULT 5u
#define LIMIT_BURST_MAX 10000u

enum {
	LIMIT_O_LIMIT = 1,
	LIMIT_O_BURST,
};

enum {
	LIMIT_SEEN_LIMIT = 1u << 0,
	LIMIT_SEEN_BURST = 1u << 1,
};

/* What xt_rateinfo holds from user space; every byte defined. */
struct limit_match {
	uint32_t avg;    /* interval between packets, 1/LIMIT_SCALE s */
	uint32_t burst;
	uint8_t seen;    /* LIMIT_SEEN_* while parsing, 0 once parsed */
	uint8_t pad[3];
};

/* The per-rule bucket (xt_limit_priv), in the ruleset's state area. */
struct limit_state {
	uint64_t prev_ms; /* router clock at the previous packet */
	uint64_t credit;
	bool started;     /* the bucket was filled at the first packet */
};

static const struct xt_option limit_opts[] = {
	{ .name = "--limit", .id = LIMIT_O_LIMIT, .has_arg = true },
	{ .name = "--limit-burst", .id = LIMIT_O_BURST, .has_arg = true },
	{ .name = NULL },
};

/* libxt_limit's units, longest first (as print_rate walks them). */
static const struct {
	const char *name;  /* as printed */
	const char *word;  /* as parsed: any prefix of it */
	uint32_t mult;     /* avg of one packet per unit */
} limit_units[] = {
	{ "day", "day", LIMIT_SCALE * 24 * 60 * 60 },
	{ "hour", "hour", LIMIT_SCALE * 60 * 60 },
	{ "min", "minute", LIMIT_SCALE * 60 },
	{ "sec", "second", LIMIT_SCALE },
};

#define LIMIT_N_UNITS (sizeof(limit_units) / sizeof(limit_units[0]))

/* The unit whose multiple print_rate() and add_nft_limit() pick for avg:
 * the last one (from day down) that avg is not above and that divides
 * into a whole number of packets without a larger remainder. */
static unsigned int limit_unit_of(uint32_t avg)
{
	unsigned int i;

	for (i = 1; i < LIMIT_N_UNITS; i++)
		if (avg > limit_units[i].mult ||
		    limit_units[i].mult / avg < limit_units[i].mult % avg)
			break;
	return i - 1;
}

/* add_nft_limit() then nft_parse_limit(): avg -> rate per unit -> avg. */
static uint32_t limit_nft_round(uint32_t avg)
{
	uint32_t mult = limit_units[limit_unit_of(avg)].mult;

	return mult / (mult / avg);
}

/* libxt_limit's parse_rate(), strictly: "N" (per second) or "N/UNIT" where
 * UNIT is a non-empty prefix of second, minute, hour or day, any case. */
static int limit_parse_rate(const char *arg, uint32_t *avg, struct xt_parse *ps)
{
	unsigned long long n;
	const char *slash = strchr(arg, '/');
	uint64_t mult = LIMIT_SCALE;
	char *end;
	size_t ulen;
	unsigned int i, unit = LIMIT_N_UNITS;

	if (slash) {
		ulen = strlen(slash + 1);
		for (i = 0; ulen && i < LIMIT_N_UNITS; i++)
			if (strncasecmp(slash + 1, limit_units[i].word, ulen) == 0)
				unit = i;
		if (unit == LIMIT_N_UNITS)
			return xt_error(ps, "bad rate \"%s\"", arg);
		mult = limit_units[unit].mult;
	}
	if (*arg < '0' || *arg > '9')
		return xt_error(ps, "bad rate \"%s\"", arg);
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end != (slash ? slash : arg + strlen(arg)) || !n)
		return xt_error(ps, "bad rate \"%s\"", arg);
	if (n > mult)
		return xt_error(ps, "rate too fast \"%s\"", arg);
	*avg = limit_nft_round((uint32_t)(mult / n));
	return 0;
}

static int limit_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct limit_match *l = data;

	switch (id) {
	case LIMIT_O_LIMIT:
		if (l->seen & LIMIT_SEEN_LIMIT)
			return xt_error(ps, "limit: option \"--limit\" can only be used once");
		l->seen |= LIMIT_SEEN_LIMIT;
		return limit_parse_rate(arg, &l->avg, ps);
	case LIMIT_O_BURST:
		if (l->seen & LIMIT_SEEN_BURST)
			return xt_error(ps,
					"limit: option \"--limit-burst\" can only be used once");
		l->seen |= LIMIT_SEEN_BURST;
		if (xt_parse_u32(ps, "--limit-burst", arg, 0, LIMIT_BURST_MAX, &l->burst) < 0)
			return -EINVAL;
		if (!l->burst)
			l->burst = LIMIT_BURST_DEFAULT;
		return 0;
	}
	return xt_error(ps, "limit: unknown option id %d", id);
}

static int limit_final(void *data, struct xt_parse *ps)
{
	struct limit_match *l = data;

	if (!(l->seen & LIMIT_SEEN_LIMIT))
		l->avg = limit_nft_round(limit_units[1].mult / 3); /* 3/hour */
	if (!(l->seen & LIMIT_SEEN_BURST))
		l->burst = LIMIT_BURST_DEFAULT;
	l->seen = 0;
	return 0;
}

static bool limit_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct limit_match *l = data;
	struct limit_state *st = state;
	uint64_t now = ctx->r->now_ms;
	uint64_t cap = (uint64_t)l->avg * l->burst;
	uint64_t credit = cap, elapsed;
	bool hit;

	if (st->started) {
		/* The clock is monotonic; should it ever step back, it
		 * earns nothing and the bucket keeps its later time. */
		if (now < st->prev_ms)
			now = st->prev_ms;
		elapsed = now - st->prev_ms;
		credit = st->credit;
		if (elapsed >= cap / LIMIT_CREDITS_PER_MS + 1)
			credit = cap;
		else
			credit += elapsed * LIMIT_CREDITS_PER_MS;
		if (credit > cap)
			credit = cap;
	}
	hit = credit >= l->avg;
	if (ctx->dry_run)
		return hit;
	if (hit)
		credit -= l->avg;
	st->credit = credit;
	st->prev_ms = now;
	st->started = true;
	return hit;
}

static void limit_print(const void *data, struct out *o)
{
	const struct limit_match *l = data;
	unsigned int u;

	if (!l->avg) {
		/* Never built by parse(); print_rate()'s "inf" is not parseable. */
		out_text(o, " --limit 0/sec");
		return;
	}
	u = limit_unit_of(l->avg);
	out_text(o, " --limit %u/%s", limit_units[u].mult / l->avg, limit_units[u].name);
	if (l->burst != LIMIT_BURST_DEFAULT)
		out_text(o, " --limit-burst %u", l->burst);
}

const struct xt_match_ops match_limit_ops = {
	.name = "limit",
	.size = sizeof(struct limit_match),
	.state_size = sizeof(struct limit_state),
	.opts = limit_opts,
	.parse = limit_parse,
	.final = limit_final,
	.match = limit_match,
	.print = limit_print,
};
