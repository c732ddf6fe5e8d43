// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TCP tracker, through the whole packet path (ct_harness.h).
 *
 * Transitions: every state is reached with real segments (a handshake, a
 * close, a RST, a simultaneous open), then every event (SYN, SYN+ACK, FIN,
 * ACK, RST, none) is sent in both directions with in-window numbers, and
 * the outcome is compared with the kernel's tcp_conntracks table as its
 * comments explain it, written out again below as the expected outcome
 * (with the kernel's special cases: a SYN reopening a closed connection,
 * a RST as the only answer killing the entry).
 *
 * Windows: segments beyond the window are INVALID, old ones ignored, ACKs
 * of unseen data INVALID, window scaling, liberal mode; RSTs checked
 * against the highest ACK; retransmissions shorten the timeout; a
 * connection picked up in the middle (tcp_loose).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include "conntrack/entry.h"
#include "core/csum.h"
#include "ct_harness.h"

#define C "10.1.0.2"
#define S "10.2.0.2"
#define CP 40000
#define SP 80
#define CS 1000u  /* client ISN */
#define SS 5000u  /* server ISN */
#define WIN 1000

static void setup(void)
{
	ch_setup(NULL);
}

TestSuite(ct_tcp, .init = setup, .fini = ch_teardown);

/* The connection as the test drives it: next sequence numbers. */
struct conn {
	uint32_t cseq, sseq;   /* next seq of client, server */
	uint32_t cack, sack;   /* what client, server acknowledge */
};

/* One segment; returns whether it came out of the router. */
static bool seg(struct conn *k, enum ct_dir dir, uint8_t flags, unsigned int datalen)
{
	bool ack = flags & TH_ACK;
	struct pkt *p;

	if (dir == CT_DIR_ORIGINAL)
		p = ch_tcp(C, S, CP, SP, k->cseq, ack ? k->cack : 0, flags, WIN, datalen);
	else
		p = ch_tcp(S, C, SP, CP, k->sseq, ack ? k->sack : 0, flags, WIN, datalen);
	return ch_send(p, dir == CT_DIR_ORIGINAL ? 0 : 1) == 1;
}

static struct ct_entry *entry(void)
{
	return ch_find_tcp(C, S, CP, SP);
}

static unsigned int state(void)
{
	struct ct_entry *e = entry();

	return e ? e->proto.tcp.state : CT_TCP_NONE;
}

/* Bring the connection to state s with real segments. */
static void reach(struct conn *k, enum ct_tcp_state s)
{
	memset(k, 0, sizeof(*k));
	k->cseq = CS;
	k->sseq = SS;
	cr_assert(seg(k, CT_DIR_ORIGINAL, TH_SYN, 0));
	k->cseq++;
	k->sack = k->cseq;
	if (s == CT_TCP_SYN_SENT)
		goto done;
	if (s == CT_TCP_SYN_SENT2) {
		cr_assert(seg(k, CT_DIR_REPLY, TH_SYN, 0));
		k->sseq++;
		k->cack = k->sseq;
		goto done;
	}
	cr_assert(seg(k, CT_DIR_REPLY, TH_SYN | TH_ACK, 0));
	k->sseq++;
	k->cack = k->sseq;
	if (s == CT_TCP_SYN_RECV)
		goto done;
	cr_assert(seg(k, CT_DIR_ORIGINAL, TH_ACK, 0));
	if (s == CT_TCP_ESTABLISHED)
		goto done;
	if (s == CT_TCP_CLOSE) {
		cr_assert(seg(k, CT_DIR_ORIGINAL, TH_RST, 0));
		goto done;
	}
	cr_assert(seg(k, CT_DIR_ORIGINAL, TH_FIN | TH_ACK, 0));
	k->cseq++;
	k->sack = k->cseq;
	if (s == CT_TCP_FIN_WAIT)
		goto done;
	cr_assert(seg(k, CT_DIR_REPLY, TH_ACK, 0));
	if (s == CT_TCP_CLOSE_WAIT)
		goto done;
	cr_assert(seg(k, CT_DIR_REPLY, TH_FIN | TH_ACK, 0));
	k->sseq++;
	k->cack = k->sseq;
	if (s == CT_TCP_LAST_ACK)
		goto done;
	cr_assert(seg(k, CT_DIR_ORIGINAL, TH_ACK, 0));
done:
	cr_assert_eq(state(), s, "reached %s, not %s", ct_tcp_state_name(state()),
		     ct_tcp_state_name(s));
}

/* Expected outcomes besides a state. */
enum { IV = 100, IG, GONE };

#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sS2 CT_TCP_SYN_SENT2

/* [dir][event][state - 1], from the kernel's table and its comments:
 * sIV -> IV; sIG -> IG; a SYN in TIME_WAIT (either side) or after a RST of
 * the same side reopens: a new entry in SYN_SENT; a RST that is the only
 * answer (or the client giving up before one) removes the entry. */
static const unsigned int expect[2][CT_TCP_INDEX_MAX][9] = {
	{
/* ORIGINAL     sSS   sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
/* syn */     { sSS,  IG,  IG,  IG,  IG,  IG,  sSS, sSS, sS2 },
/* synack */  { IV,   sSR, IV,  IV,  IV,  IV,  IV,  IV,  sSR },
/* fin */     { IV,   sFW, sFW, sLA, sLA, sLA, sTW, sCL, IV },
/* ack */     { IV,   sES, sES, sCW, sCW, sTW, sTW, sCL, IV },
/* rst */     { GONE, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none */    { IV,   IV,  IV,  IV,  IV,  IV,  IV,  IV,  IV },
	},
	{
/* REPLY        sSS   sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
/* syn */     { sS2,  IV,  IV,  IV,  IV,  IV,  sSS, IV,  sS2 },
/* synack */  { sSR,  IG,  IG,  IG,  IG,  IG,  IG,  IG,  sSR },
/* fin */     { IV,   sFW, sFW, sLA, sLA, sLA, sTW, sCL, IV },
/* ack */     { IG,   sSR, sES, sCW, sCW, sTW, sTW, sCL, IG },
/* rst */     { GONE, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none */    { IV,   IV,  IV,  IV,  IV,  IV,  IV,  IV,  IV },
	},
};

static const uint8_t event_flags[CT_TCP_INDEX_MAX] = {
	[CT_TCP_SYN_SET] = TH_SYN,
	[CT_TCP_SYNACK_SET] = TH_SYN | TH_ACK,
	[CT_TCP_FIN_SET] = TH_FIN | TH_ACK,
	[CT_TCP_ACK_SET] = TH_ACK,
	[CT_TCP_RST_SET] = TH_RST,
	[CT_TCP_NONE_SET] = TH_PUSH,
};

static const char *const event_names[CT_TCP_INDEX_MAX] = { "syn", "synack", "fin", "ack", "rst",
							   "none" };

struct cell {
	unsigned int dir, index, state;
};

ParameterizedTestParameters(ct_tcp, transitions)
{
	static struct cell cells[2 * CT_TCP_INDEX_MAX * 9];
	unsigned int d, i, s, n = 0;

	for (d = 0; d < 2; d++)
		for (i = 0; i < CT_TCP_INDEX_MAX; i++)
			for (s = 1; s <= 9; s++)
				cells[n++] = (struct cell){ d, i, s };
	return cr_make_param_array(struct cell, cells, n);
}

ParameterizedTest(struct cell *c, ct_tcp, transitions)
{
	unsigned int want = expect[c->dir][c->index][c->state - 1], got;
	struct ct_table *t = ch_table();
	uint64_t invalid;
	uint32_t id;
	struct conn k;
	char what[64];

	snprintf(what, sizeof(what), "%s %s in %s", c->dir ? "reply" : "original",
		 event_names[c->index], ct_tcp_state_name(c->state));
	/* The table itself says the same as the kernel's (the outcomes that
	 * are states, before the special cases). */
	got = ct_tcp_transition(c->dir, c->index, c->state);
	if (want < IV && !(c->index == CT_TCP_SYN_SET && got == sSS))
		cr_expect_eq(got, want, "table: %s", what);

	reach(&k, c->state);
	id = entry()->id;
	invalid = t->st.invalid;
	cr_assert(seg(&k, c->dir, event_flags[c->index], 0), "%s: the segment passes", what);
	switch (want) {
	case IV:
		cr_expect_eq(t->st.invalid, invalid + 1, "%s: INVALID", what);
		cr_expect_eq(ch_cap.has_ct[ch_cap.n - 1], false, "%s: no entry", what);
		cr_expect_eq(state(), c->state, "%s: state kept", what);
		break;
	case IG:
		cr_expect_eq(t->st.invalid, invalid, "%s: not INVALID", what);
		cr_expect(ch_cap.has_ct[ch_cap.n - 1], "%s: tracked", what);
		cr_expect_eq(state(), c->state, "%s: ignored, state kept (got %s)", what,
			     ct_tcp_state_name(state()));
		break;
	case GONE:
		cr_expect_null(entry(), "%s: entry removed", what);
		break;
	default:
		cr_expect_eq(t->st.invalid, invalid, "%s: not INVALID", what);
		cr_expect_eq(state(), want, "%s: %s, got %s", what, ct_tcp_state_name(want),
			     ct_tcp_state_name(state()));
		/* A SYN that reopened: a new entry. */
		if (c->index == CT_TCP_SYN_SET && (c->state == sTW || c->state == sCL))
			cr_expect_neq(entry()->id, id, "%s: a new entry", what);
		else
			cr_expect_eq(entry()->id, id, "%s: the same entry", what);
		break;
	}
}

/* ---- windows ---- */

static void established(struct conn *k)
{
	reach(k, CT_TCP_ESTABLISHED);
}

Test(ct_tcp, data_in_window_and_acks)
{
	struct conn k;
	struct ct_entry *e;

	established(&k);
	e = entry();
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 500));
	k.cseq += 500;
	cr_expect(e->proto.tcp.seen[0].flags & CT_TCP_F_DATA_UNACKNOWLEDGED);
	k.sack = k.cseq;
	cr_assert(seg(&k, CT_DIR_REPLY, TH_ACK, 0));
	cr_expect_not(e->proto.tcp.seen[0].flags & CT_TCP_F_DATA_UNACKNOWLEDGED);
	cr_expect_eq(ch_table()->st.invalid, 0);
}

Test(ct_tcp, seq_beyond_window_is_invalid)
{
	struct conn k;
	struct ct_table *t = ch_table();

	uint32_t base;

	established(&k);
	base = k.cseq;
	/* I: the client may send up to what the server's window allows... */
	k.cseq = base + 3 * WIN;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 10));
	cr_expect_eq(t->st.invalid, 1);
	cr_expect_not(ch_cap.has_ct[ch_cap.n - 1]);
	/* ...give or take a window's worth of overshoot, which is let
	 * through untracked-for (some TCPs do send that). */
	k.cseq = base + WIN + 10;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 10));
	cr_expect_eq(t->st.invalid, 1);
	cr_expect(ch_cap.has_ct[ch_cap.n - 1]);
	/* Just inside is fine. */
	k.cseq = base + WIN - 10;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 10));
	cr_expect_eq(t->st.invalid, 1);
}

Test(ct_tcp, ack_of_unseen_data_is_invalid)
{
	struct conn k;
	struct ct_table *t = ch_table();

	established(&k);
	/* III: acknowledging what the server never sent: a stray ACK. */
	k.cack += 100000;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK, 0));
	cr_expect_eq(t->st.invalid, 1);
	cr_expect_eq(state(), CT_TCP_ESTABLISHED);
}

Test(ct_tcp, old_data_is_ignored_not_invalid)
{
	struct conn k;
	struct ct_table *t = ch_table();
	uint32_t now;

	established(&k);
	/* The client sends 3000 bytes in windowful pieces, all acked. */
	for (int i = 0; i < 3; i++) {
		cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 900));
		k.cseq += 900;
		k.sack = k.cseq;
		cr_assert(seg(&k, CT_DIR_REPLY, TH_ACK, 0));
	}
	/* II: a retransmission from long ago is below the window: ignored. */
	now = k.cseq;
	k.cseq = CS + 1;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 100));
	cr_expect_eq(t->st.invalid, 0);
	cr_expect(ch_cap.has_ct[ch_cap.n - 1]);
	k.cseq = now;
}

Test(ct_tcp, window_scaling)
{
	/* Both sides offer a scale of 7: windows of WIN << 7 bytes. */
	static const uint8_t wscale[] = { 3, 3, 7, 1 }; /* NOP, wscale 7 */
	struct ct_table *t = ch_table();
	struct ct_entry *e;
	struct pkt *p;
	struct conn k = { CS + 1, SS + 1, SS + 1, CS + 1 };

	p = ch_tcp(C, S, CP, SP, CS, 0, TH_SYN, WIN, 4);
	/* Options: rewrite the 4 data bytes as an option and the offset to 6. */
	memcpy(p->data + 40, wscale, 4);
	p->data[32] = 6 << 4;
	*(uint16_t *)(p->data + 36) = 0;
	/* The checksum again, by hand: pseudo-header + segment. */
	{
		uint32_t sum = csum_pseudo(ch_addr(C), ch_addr(S), IPPROTO_TCP, 24);

		*(uint16_t *)(p->data + 36) = csum_fold(csum_partial(p->data + 20, 24, sum));
	}
	cr_assert_eq(ch_send(p, 0), 1);
	p = ch_tcp(S, C, SP, CP, SS, CS + 1, TH_SYN | TH_ACK, WIN, 4);
	memcpy(p->data + 40, wscale, 4);
	p->data[32] = 6 << 4;
	*(uint16_t *)(p->data + 36) = 0;
	{
		uint32_t sum = csum_pseudo(ch_addr(S), ch_addr(C), IPPROTO_TCP, 24);

		*(uint16_t *)(p->data + 36) = csum_fold(csum_partial(p->data + 20, 24, sum));
	}
	cr_assert_eq(ch_send(p, 1), 1);
	e = entry();
	cr_expect_eq(e->proto.tcp.seen[0].td_scale, 7);
	cr_expect_eq(e->proto.tcp.seen[1].td_scale, 7);
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK, 0));
	cr_assert(seg(&k, CT_DIR_REPLY, TH_ACK, 0)); /* the server's window: WIN << 7 */
	/* 50 KB ahead is within 128000 bytes of scaled window. */
	k.cseq += 50000;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 100));
	cr_expect_eq(t->st.invalid, 0);
}

static void setup_liberal(void)
{
	struct ct_config c;

	ct_config_defaults(&c);
	c.mode = CT_MODE_ON;
	c.tcp_liberal = true;
	ch_setup(&c);
}

TestSuite(ct_tcp_liberal, .init = setup_liberal, .fini = ch_teardown);

Test(ct_tcp_liberal, out_of_window_passes)
{
	struct conn k;

	established(&k);
	k.cseq += WIN + 10;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 10));
	k.cack += 100000;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK, 0));
	cr_expect_eq(ch_table()->st.invalid, 0);
	cr_expect(ch_cap.has_ct[ch_cap.n - 1]);
}

/* ---- RST ---- */

Test(ct_tcp, rst_below_maxack_is_invalid)
{
	struct conn k;

	established(&k);
	/* The server acked CS+1 (its SYN+ACK): a client RST from before that
	 * is not believed. */
	k.cseq = CS - 500;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_RST, 0));
	cr_expect_eq(ch_table()->st.invalid, 1);
	cr_expect_eq(state(), CT_TCP_ESTABLISHED);
}

Test(ct_tcp, rst_answering_the_syn_removes_the_entry)
{
	struct conn k;

	reach(&k, CT_TCP_SYN_SENT);
	k.sack = CS + 1;
	cr_assert(seg(&k, CT_DIR_REPLY, TH_RST | TH_ACK, 0));
	cr_expect_null(entry(), "the only answer was a RST");
	cr_expect_eq(ch_table()->count, 0);
}

Test(ct_tcp, syn_after_close_reopens)
{
	struct conn k;
	uint32_t id;

	reach(&k, CT_TCP_TIME_WAIT);
	id = entry()->id;
	k.cseq += 100000;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_SYN, 0));
	cr_expect_eq(state(), CT_TCP_SYN_SENT);
	cr_expect_neq(entry()->id, id);
	cr_expect_eq(ch_table()->count, 1);
}

/* ---- retransmissions ---- */

Test(ct_tcp, retransmissions_shorten_the_timeout)
{
	struct conn k;
	struct ct_entry *e;
	int i;

	established(&k);
	e = entry();
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK | TH_PUSH, 100));
	/* Unacknowledged data: 300 s already. */
	cr_expect_eq(e->expires, ch_now + 300000);
	k.sack = k.cseq + 100;
	cr_assert(seg(&k, CT_DIR_REPLY, TH_ACK, 0));
	cr_expect_eq(e->expires, ch_now + 432000000ull);
	/* The same pure ACK three times more: retransmitted three times. */
	for (i = 0; i < 3; i++)
		cr_assert(seg(&k, CT_DIR_REPLY, TH_ACK, 0));
	cr_expect_eq(e->proto.tcp.retrans, 3);
	cr_expect_eq(e->expires, ch_now + 300000, "tcp_timeout_max_retrans");
	/* Something new: back to normal. */
	k.cseq += 100;
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK, 0));
	cr_expect_eq(e->proto.tcp.retrans, 0);
}

/* ---- picking up, and not ---- */

Test(ct_tcp, pickup_in_the_middle)
{
	struct conn k = { CS + 100, SS + 100, SS + 100, CS + 100 };
	struct ct_entry *e;

	/* tcp_loose (default): an ACK with no entry starts one, liberal. */
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK, 0));
	cr_expect_eq(ch_cap.ctinfo[ch_cap.n - 1], CT_NEW);
	e = entry();
	cr_assert_not_null(e);
	cr_expect_eq(e->proto.tcp.state, CT_TCP_ESTABLISHED);
	cr_expect_eq(e->expires, ch_now + 300000, "no reply yet: not 5 days");
	cr_assert(seg(&k, CT_DIR_REPLY, TH_ACK, 0));
	/* SEEN_REPLY is set after that answer: ASSURED with the next one. */
	cr_expect_not(e->status & CT_S_ASSURED);
	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK, 0));
	cr_expect(e->status & CT_S_ASSURED);
	cr_expect_eq(e->expires, ch_now + 432000000ull);
	/* Bad flags are never a start. */
	k.cseq = 1;
	cr_assert_eq(ch_send(ch_tcp(C, S, 1234, SP, 1, 0, TH_SYN | TH_FIN, WIN, 0), 0), 1);
	cr_expect_not(ch_cap.has_ct[ch_cap.n - 1]);
	cr_expect_eq(ch_table()->st.invalid, 1);
}

static void setup_strict(void)
{
	struct ct_config c;

	ct_config_defaults(&c);
	c.mode = CT_MODE_ON;
	c.tcp_loose = false;
	ch_setup(&c);
}

TestSuite(ct_tcp_strict, .init = setup_strict, .fini = ch_teardown);

Test(ct_tcp_strict, no_pickup)
{
	struct conn k = { CS + 100, SS + 100, SS + 100, CS + 100 };

	cr_assert(seg(&k, CT_DIR_ORIGINAL, TH_ACK, 0));
	cr_expect_not(ch_cap.has_ct[ch_cap.n - 1]);
	cr_expect_eq(ch_table()->st.invalid, 1);
	cr_expect_eq(ch_table()->count, 0);
}

Test(ct_tcp, bad_checksum_is_invalid)
{
	struct pkt *p = ch_tcp(C, S, CP, SP, CS, 0, TH_SYN, WIN, 0);

	p->data[36] ^= 0x55;
	cr_assert_eq(ch_send(p, 0), 1, "forwarded anyway: INVALID is for the rules");
	cr_expect_not(ch_cap.has_ct[0]);
	cr_expect_eq(ch_table()->st.invalid, 1);
	cr_expect_eq(ch_table()->count, 0);
}
