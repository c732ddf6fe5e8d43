// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP (nf_conntrack_proto_tcp.c, followed closely so that a test against
 * the kernel sees the same states, the same INVALIDs and the same timeouts).
 *
 * State machine. We are the man in the middle: every segment goes through
 * us but may be lost after. The state is our guess of the sender's, moved
 * by ct_tcp_table[direction][event][state], where the event is the
 * segment's most telling flag (RST, then SYN or SYN+ACK, then FIN, then
 * ACK). Two results are not states: sIV (INVALID: the segment cannot be
 * part of this connection) and sIG (ignored: it might be valid, and if not,
 * the receiver will answer with a RST we then see; a note of it is kept in
 * last_* to recognise the answer). The special cases around the table:
 *   - a SYN on a connection in TIME_WAIT or CLOSE, or after a RST from the
 *     same side, reopens it: the entry is killed and the lookup repeated,
 *     so the SYN starts a fresh one;
 *   - a SYN+ACK answering a SYN we ignored brings us back in sync;
 *   - simultaneous open (SYN_SENT2), the RFC 5961 challenge ACK in LAST_ACK,
 *     and a RST checked against the highest ACK seen (a RST whose sequence
 *     is below it is INVALID; one above it keeps the state so the peer can
 *     send its challenge ACK).
 *
 * Windows (tcp_in_window). For each side: td_end = highest seq + len sent,
 * td_maxend = highest ack + window seen from the peer, td_maxwin = largest
 * window. A segment is in window when
 *   I.   seq <= sender.td_maxend                 (not beyond what may be sent)
 *   II.  seq + len >= sender.td_end - receiver.td_maxwin   (not too old)
 *   III. ack <= receiver.td_end                  (acks only data seen)
 *   IV.  ack >= receiver.td_end - MAXACKWINDOW   (not too old an ack)
 * (with SACK blocks counting as acks). I and III failing make it INVALID;
 * II and IV make it "ignored" (passed, nothing updated), as do a few bytes
 * past the window. Liberal mode (tcp_liberal, or a connection picked up
 * in the middle) passes everything.
 *
 * Timeouts: the state's, shortened to tcp_timeout_max_retrans after
 * tcp_max_retrans retransmissions of one segment and to
 * tcp_timeout_unacknowledged while data is unacknowledged; a RST gives
 * tcp_timeout_close.
 *
 * Malformed segments (cut short, bad data offset, impossible flag
 * combinations, wrong checksum at PRE_ROUTING) are INVALID.
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <strings.h>
#include "conntrack/proto.h"
#include "conntrack/table.h"

enum { CT_TCP_ACT_IGNORE, CT_TCP_ACT_INVALID, CT_TCP_ACT_ACCEPT };

/* last_flags beyond the CT_TCP_F_* window flags. */
enum {
	CT_TCP_F_SIMULTANEOUS_OPEN = 0x40,
	CT_TCP_F_EXP_CHALLENGE_ACK = 0x80,
};

#define CT_TCP_MAX_WSCALE 14
#define CT_TCP_MAXACKWINCONST 66000u

#define sNO CT_TCP_NONE
#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sS2 CT_TCP_SYN_SENT2
#define sIV CT_TCP_MAX
#define sIG CT_TCP_IGNORE

/* tcp_conntracks: [direction][event][state]. The kernel's comments explain
 * each cell; the unit test walks every one of them. */
static const uint8_t ct_tcp_table[2][CT_TCP_INDEX_MAX][CT_TCP_MAX] = {
	{
/* ORIGINAL	     sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
/* syn */	   { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
/* synack */	   { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
/* fin */	   { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* ack */	   { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
/* rst */	   { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none */	   { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
	{
/* REPLY	     sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
/* syn */	   { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
/* synack */	   { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
/* fin */	   { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* ack */	   { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
/* rst */	   { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none */	   { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
};

static const char *const ct_tcp_names[CT_TCP_MAX] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
};

enum ct_tcp_state ct_tcp_transition(enum ct_dir dir, enum ct_tcp_index index,
				    enum ct_tcp_state state)
{
	if (dir > CT_DIR_REPLY || index >= CT_TCP_INDEX_MAX || state >= CT_TCP_MAX)
		return CT_TCP_MAX;
	return (enum ct_tcp_state)ct_tcp_table[dir][index][state];
}

enum ct_tcp_index ct_tcp_index(uint8_t flags)
{
	if (flags & TH_RST)
		return CT_TCP_RST_SET;
	if (flags & TH_SYN)
		return flags & TH_ACK ? CT_TCP_SYNACK_SET : CT_TCP_SYN_SET;
	if (flags & TH_FIN)
		return CT_TCP_FIN_SET;
	if (flags & TH_ACK)
		return CT_TCP_ACK_SET;
	return CT_TCP_NONE_SET;
}

const char *ct_tcp_state_name(unsigned int state)
{
	return state < CT_TCP_MAX ? ct_tcp_names[state] : "NONE";
}

int ct_tcp_state_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < CT_TCP_MAX; i++)
		if (!strcasecmp(name, ct_tcp_names[i]))
			return (int)i;
	return -1;
}

/* ---- the segment ---- */

/* What the tracker reads from a segment, once. */
struct ct_tcp_seg {
	const struct tcphdr *th;
	uint8_t flags;          /* the flag byte */
	unsigned int hlen;      /* doff * 4 */
	uint32_t seq, ack, end; /* end: seq + data length + SYN + FIN */
	uint16_t win;
};

static bool ct_tcp_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool ct_tcp_after(uint32_t a, uint32_t b)
{
	return ct_tcp_before(b, a);
}

static void ct_tcp_seg(struct ct_tcp_seg *s, const struct ct_l4_ctx *c)
{
	const struct tcphdr *th = (const struct tcphdr *)c->l4;

	s->th = th;
	s->flags = c->l4[13];
	s->hlen = th->th_off * 4u;
	s->seq = ntohl(th->th_seq);
	s->ack = ntohl(th->th_ack);
	s->win = ntohs(th->th_win);
	s->end = s->seq + (c->l4len - s->hlen) + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
}

/* Walk the options (tcp_options / tcp_sack): fn sees each complete one. */
static void ct_tcp_walk_opts(const struct ct_tcp_seg *s,
			     bool (*fn)(uint8_t kind, const uint8_t *opt, unsigned int size,
					void *arg), void *arg)
{
	const uint8_t *p = (const uint8_t *)s->th + sizeof(struct tcphdr);
	int len = (int)s->hlen - (int)sizeof(struct tcphdr);

	while (len > 0) {
		uint8_t kind = *p++, size;

		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			len--;
			continue;
		}
		if (len < 2)
			return;
		size = *p++;
		if (size < 2 || size > len)
			return; /* silly or partial options */
		if (fn(kind, p, size, arg))
			return;
		p += size - 2;
		len -= size;
	}
}

static bool ct_tcp_opt_state(uint8_t kind, const uint8_t *opt, unsigned int size, void *arg)
{
	struct ct_tcp_peer *st = arg;

	if (kind == TCPOPT_SACK_PERMITTED && size == TCPOLEN_SACK_PERMITTED) {
		st->flags |= CT_TCP_F_SACK_PERM;
	} else if (kind == TCPOPT_WINDOW && size == TCPOLEN_WINDOW) {
		st->td_scale = opt[0] > CT_TCP_MAX_WSCALE ? CT_TCP_MAX_WSCALE : opt[0];
		st->flags |= CT_TCP_F_WINDOW_SCALE;
	}
	return false;
}

/* Window scale and SACK permission of a SYN or SYN+ACK. */
static void ct_tcp_options(const struct ct_tcp_seg *s, struct ct_tcp_peer *st)
{
	if (s->hlen <= sizeof(struct tcphdr))
		return;
	st->td_scale = 0;
	st->flags &= CT_TCP_F_BE_LIBERAL;
	ct_tcp_walk_opts(s, ct_tcp_opt_state, st);
}

static uint32_t ct_tcp_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool ct_tcp_opt_sack(uint8_t kind, const uint8_t *opt, unsigned int size, void *arg)
{
	uint32_t *sack = arg;
	unsigned int i;

	if (kind != TCPOPT_SACK || size < 10 || (size - 2) % 8)
		return false;
	for (i = 0; i < size - 2u; i += 8) {
		uint32_t right = ct_tcp_be32(opt + i + 4);

		if (ct_tcp_after(right, *sack))
			*sack = right;
	}
	return true;
}

/* The highest right edge of the SACK blocks, if above *sack. */
static void ct_tcp_sack(const struct ct_tcp_seg *s, uint32_t *sack)
{
	static const uint8_t ts_only[4] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP,
					    TCPOLEN_TIMESTAMP };

	if (s->hlen <= sizeof(struct tcphdr))
		return;
	/* Fast path: the timestamp option alone, as most segments carry. */
	if (s->hlen - sizeof(struct tcphdr) == TCPOLEN_TSTAMP_APPA &&
	    !memcmp((const uint8_t *)s->th + sizeof(struct tcphdr), ts_only, 4))
		return;
	ct_tcp_walk_opts(s, ct_tcp_opt_sack, sack);
}

/* ---- window tracking ---- */

static uint32_t ct_tcp_maxackwindow(const struct ct_tcp_peer *sender)
{
	return sender->td_maxwin > CT_TCP_MAXACKWINCONST ? sender->td_maxwin
							 : CT_TCP_MAXACKWINCONST;
}

static void ct_tcp_init_sender(struct ct_tcp_peer *sender, struct ct_tcp_peer *receiver,
			       const struct ct_tcp_seg *s, enum ct_dir dir)
{
	sender->td_end = sender->td_maxend = s->end;
	sender->td_maxwin = s->win ? s->win : 1;
	ct_tcp_options(s, sender);
	/* RFC 1323: scaling only if both sides offer it. */
	if (dir == CT_DIR_REPLY && !(sender->flags & CT_TCP_F_WINDOW_SCALE &&
				     receiver->flags & CT_TCP_F_WINDOW_SCALE)) {
		sender->td_scale = 0;
		receiver->td_scale = 0;
	}
}

static int ct_tcp_invalid(const struct ct_l4_ctx *c, const struct ct_tcp_peer *sender, int act)
{
	if ((sender->flags & CT_TCP_F_BE_LIBERAL) || c->t->cfg.tcp_liberal)
		return CT_TCP_ACT_ACCEPT;
	return act;
}

static int ct_tcp_in_window(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
			    enum ct_tcp_index index, const struct ct_tcp_seg *s)
{
	struct ct_tcp *st = &e->proto.tcp;
	struct ct_tcp_peer *sender = &st->seen[dir], *receiver = &st->seen[!dir];
	uint32_t seq = s->seq, ack = s->ack, sack = s->ack, end = s->end, win = s->win, swin;
	bool in_recv_win, seq_ok;

	if (receiver->flags & CT_TCP_F_SACK_PERM)
		ct_tcp_sack(s, &sack);
	if (sender->td_maxwin == 0) {
		/* The first segment of this side. */
		if (s->flags & TH_SYN) {
			ct_tcp_init_sender(sender, receiver, s, dir);
			if (!(s->flags & TH_ACK))
				return CT_TCP_ACT_ACCEPT; /* simultaneous open */
		} else {
			/* Picked up in the middle: take what the segment says. */
			sender->td_end = end;
			swin = win << sender->td_scale;
			sender->td_maxwin = swin ? swin : 1;
			sender->td_maxend = end + sender->td_maxwin;
			if (receiver->td_maxwin == 0)
				receiver->td_end = receiver->td_maxend = sack;
			else if (sack == receiver->td_end + 1)
				receiver->td_end++; /* a reply to a keepalive */
		}
	} else if ((s->flags & TH_SYN) && ct_tcp_after(end, sender->td_end) &&
		   (st->state == CT_TCP_SYN_SENT || st->state == CT_TCP_SYN_RECV)) {
		/* RFC 793: a reinitialised TCP uses higher sequence numbers. */
		ct_tcp_init_sender(sender, receiver, s, dir);
		if (dir == CT_DIR_REPLY && !(s->flags & TH_ACK))
			return CT_TCP_ACT_ACCEPT;
	}

	if (!(s->flags & TH_ACK)) {
		ack = sack = receiver->td_end; /* as if it acked what was seen */
	} else if ((s->flags & (TH_ACK | TH_RST)) == (TH_ACK | TH_RST) && ack == 0) {
		ack = sack = receiver->td_end; /* broken stacks: RST+ACK with ack 0 */
	}
	if ((s->flags & TH_RST) && seq == 0 && st->state == CT_TCP_SYN_SENT)
		seq = end = sender->td_end; /* a RST answering a SYN */

	seq_ok = ct_tcp_before(seq, sender->td_maxend + 1);
	if (!seq_ok) {
		uint32_t overshot = end - sender->td_maxend + 1;
		uint32_t ack_low = receiver->td_end - ct_tcp_maxackwindow(sender) - 1;
		bool ack_ok = ct_tcp_after(sack, ack_low);

		in_recv_win = receiver->td_maxwin &&
			      ct_tcp_after(end, sender->td_end - receiver->td_maxwin - 1);
		if (in_recv_win && ack_ok && overshot <= receiver->td_maxwin &&
		    ct_tcp_before(sack, receiver->td_end + 1)) {
			/* A TCP sending a little more than the window allows:
			 * remember the data so that its ACK is believed. */
			sender->td_end = end;
			sender->flags |= CT_TCP_F_DATA_UNACKNOWLEDGED;
			return ct_tcp_invalid(c, sender, CT_TCP_ACT_IGNORE);
		}
		return ct_tcp_invalid(c, sender, CT_TCP_ACT_INVALID); /* I: SEQ over upper bound */
	}
	if (!ct_tcp_before(sack, receiver->td_end + 1))
		return ct_tcp_invalid(c, sender, CT_TCP_ACT_INVALID); /* III: ACK too high */
	in_recv_win = !receiver->td_maxwin ||
		      ct_tcp_after(end, sender->td_end - receiver->td_maxwin - 1);
	if (!in_recv_win)
		return ct_tcp_invalid(c, sender, CT_TCP_ACT_IGNORE); /* II: old data again */
	if (!ct_tcp_after(sack, receiver->td_end - ct_tcp_maxackwindow(sender) - 1))
		return ct_tcp_invalid(c, sender, CT_TCP_ACT_IGNORE); /* IV: very old ACK */

	/* In window: update the sender, then the receiver. */
	if (!(s->flags & TH_SYN))
		win <<= sender->td_scale;
	swin = win + (sack - ack);
	if (sender->td_maxwin < swin)
		sender->td_maxwin = swin;
	if (ct_tcp_after(end, sender->td_end)) {
		sender->td_end = end;
		sender->flags |= CT_TCP_F_DATA_UNACKNOWLEDGED;
	}
	if (s->flags & TH_ACK) {
		if (!(sender->flags & CT_TCP_F_MAXACK_SET)) {
			sender->td_maxack = ack;
			sender->flags |= CT_TCP_F_MAXACK_SET;
		} else if (ct_tcp_after(ack, sender->td_maxack)) {
			sender->td_maxack = ack;
		}
	}
	if (receiver->td_maxwin != 0 && ct_tcp_after(end, sender->td_maxend))
		receiver->td_maxwin += end - sender->td_maxend;
	if (ct_tcp_after(sack + win, receiver->td_maxend - 1)) {
		receiver->td_maxend = sack + win;
		if (win == 0)
			receiver->td_maxend++;
	}
	if (ack == receiver->td_end)
		receiver->flags &= (uint8_t)~CT_TCP_F_DATA_UNACKNOWLEDGED;

	/* Retransmissions: the same segment again. */
	if (index == CT_TCP_ACK_SET) {
		if (st->last_dir == dir && st->last_seq == seq && st->last_ack == ack &&
		    st->last_end == end && st->last_win == s->win) {
			st->retrans++;
		} else {
			st->last_dir = (uint8_t)dir;
			st->last_seq = seq;
			st->last_ack = ack;
			st->last_end = end;
			st->last_win = s->win;
			st->retrans = 0;
		}
	}
	return CT_TCP_ACT_ACCEPT;
}

/* nf_tcp_handle_invalid: an out-of-window FIN or RST answering one from the
 * other side shortens the timeout of an assured connection, so that a
 * connection we lost sync with does not stay for days. */
static void ct_tcp_handle_invalid(struct ct_entry *e, const struct ct_l4_ctx *c,
				  enum ct_dir dir, enum ct_tcp_index index)
{
	struct ct_tcp *st = &e->proto.tcp;
	uint32_t unack = c->t->cfg.timeout_ms[CT_TO_TCP_UNACK];

	if (!(e->status & CT_S_ASSURED) || (index != CT_TCP_RST_SET && index != CT_TCP_FIN_SET))
		return;
	if (st->last_dir != dir &&
	    (st->last_index == CT_TCP_FIN_SET || st->last_index == CT_TCP_RST_SET)) {
		uint64_t left = e->expires > c->now ? e->expires - c->now : 0;

		if (left >= 120000u && left > unack)
			ct_table_refresh(c->t, e, unack);
	} else {
		st->last_index = (uint8_t)index;
		st->last_dir = (uint8_t)dir;
	}
}

/* ---- the tracker ---- */

static bool ct_tcp_tuple(struct ct_tuple *t, const uint8_t *l4, unsigned int len)
{
	if (len < 4)
		return false;
	memcpy(&t->s.port, l4, 2);
	memcpy(&t->d.port, l4 + 2, 2);
	return true;
}

static bool ct_tcp_invert(struct ct_tuple *inv, const struct ct_tuple *t)
{
	inv->s.port = t->d.port;
	inv->d.port = t->s.port;
	return true;
}

/* tcp_valid_flags: FIN, SYN, RST, ACK, URG combinations that make sense
 * (PSH, ECE and CWR are always allowed). */
static bool ct_tcp_valid_flags(uint8_t flags)
{
	switch (flags & (TH_FIN | TH_SYN | TH_RST | TH_ACK | TH_URG)) {
	case TH_SYN:
	case TH_SYN | TH_URG:
	case TH_SYN | TH_ACK:
	case TH_RST:
	case TH_RST | TH_ACK:
	case TH_FIN | TH_ACK:
	case TH_FIN | TH_ACK | TH_URG:
	case TH_ACK:
	case TH_ACK | TH_URG:
		return true;
	default:
		return false;
	}
}

static int ct_tcp_error(const struct ct_l4_ctx *c)
{
	const struct tcphdr *th = (const struct tcphdr *)c->l4;

	if (c->l4len < sizeof(*th) || th->th_off * 4u < sizeof(*th) || c->l4len < th->th_off * 4u)
		return CT_R_INVALID;
	if (ct_proto_csum_bad(c, true))
		return CT_R_INVALID;
	if (!ct_tcp_valid_flags(c->l4[13]))
		return CT_R_INVALID;
	return CT_R_ACCEPT;
}

/* tcp_new: may this segment start an entry? */
static bool ct_tcp_new(struct ct_entry *e, const struct ct_l4_ctx *c)
{
	struct ct_tcp *st = &e->proto.tcp;
	struct ct_tcp_seg s;
	enum ct_tcp_state ns;

	ct_tcp_seg(&s, c);
	ns = ct_tcp_transition(CT_DIR_ORIGINAL, ct_tcp_index(s.flags), CT_TCP_NONE);
	if (ns >= CT_TCP_MAX)
		return false;
	memset(st, 0, sizeof(*st));
	st->seen[0].td_end = s.end;
	st->seen[0].td_maxwin = s.win ? s.win : 1;
	if (ns == CT_TCP_SYN_SENT) {
		st->seen[0].td_maxend = s.end;
		ct_tcp_options(&s, &st->seen[0]);
	} else {
		if (!c->t->cfg.tcp_loose)
			return false; /* no picking up of running connections */
		/* Its history is lost to us: assume SACK, and be liberal for
		 * want of the window scale. */
		st->seen[0].td_maxend = s.end + st->seen[0].td_maxwin;
		st->seen[0].flags = st->seen[1].flags = CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL;
	}
	st->last_index = CT_TCP_NONE_SET;
	return true;
}

static bool ct_tcp_can_early_drop(const struct ct_entry *e)
{
	switch (e->proto.tcp.state) {
	case CT_TCP_FIN_WAIT:
	case CT_TCP_LAST_ACK:
	case CT_TCP_TIME_WAIT:
	case CT_TCP_CLOSE:
	case CT_TCP_CLOSE_WAIT:
		return true;
	default:
		return false;
	}
}

static bool ct_tcp_established(const struct ct_entry *e)
{
	return e->proto.tcp.state == CT_TCP_ESTABLISHED && (e->status & CT_S_ASSURED);
}

/* A segment the table ignores (sIG, or a SYN reopening nothing): keep a
 * note of it to recognise the answer. Returns the result for the packet, or
 * -1 when the segment is to be processed as a SYN+ACK in sync after all. */
static int ct_tcp_ignored(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
			  enum ct_tcp_index index, const struct ct_tcp_seg *s,
			  enum ct_tcp_state old)
{
	struct ct_tcp *st = &e->proto.tcp;

	if (index == CT_TCP_SYNACK_SET && st->last_index == CT_TCP_SYN_SET &&
	    st->last_dir != dir && s->ack == st->last_end) {
		/* The answer to a SYN we ignored: the ends are in sync and we
		 * were not. Take the SYN's values noted then. */
		struct ct_tcp_peer *p = &st->seen[st->last_dir];

		p->td_end = p->td_maxend = st->last_end;
		p->td_maxwin = st->last_win ? st->last_win : 1;
		p->td_scale = st->last_wscale;
		st->last_flags &= (uint8_t)~CT_TCP_F_EXP_CHALLENGE_ACK;
		p->flags = st->last_flags;
		memset(&st->seen[dir], 0, offsetof(struct ct_tcp_peer, flags));
		st->seen[dir].flags &= CT_TCP_F_BE_LIBERAL;
		return -1;
	}
	st->last_index = (uint8_t)index;
	st->last_dir = (uint8_t)dir;
	st->last_seq = s->seq;
	st->last_end = s->end;
	st->last_win = s->win;
	if (index == CT_TCP_SYN_SET && dir == CT_DIR_ORIGINAL) {
		/* A SYN in the original direction: if it is valid the server
		 * answers with a SYN+ACK and we get in sync above. */
		struct ct_tcp_peer seen = { 0 };

		st->last_flags = st->last_wscale = 0;
		ct_tcp_options(s, &seen);
		if (seen.flags & CT_TCP_F_WINDOW_SCALE) {
			st->last_flags |= CT_TCP_F_WINDOW_SCALE;
			st->last_wscale = seen.td_scale;
		}
		if (seen.flags & CT_TCP_F_SACK_PERM)
			st->last_flags |= CT_TCP_F_SACK_PERM;
		/* RFC 5961: its answer may be a challenge ACK, which in
		 * LAST_ACK must not pass for the last ACK. */
		if (old == CT_TCP_LAST_ACK)
			st->last_flags |= CT_TCP_F_EXP_CHALLENGE_ACK;
	}
	if (old == CT_TCP_SYN_SENT && index == CT_TCP_ACK_SET && dir == CT_DIR_REPLY)
		st->last_ack = s->ack; /* a possible challenge ACK to the SYN */
	return CT_R_ACCEPT;
}

/* A RST in state old: in window enough to close? (the CLOSE case of
 * nf_conntrack_tcp_packet). Returns 1 to skip the window check, 0 to do
 * it, -1 for an INVALID RST; *ns may be set back to old. */
static int ct_tcp_rst(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
		      const struct ct_tcp_seg *s, enum ct_tcp_state old, enum ct_tcp_state *ns)
{
	struct ct_tcp *st = &e->proto.tcp;

	if (ct_tcp_can_early_drop(e))
		return 1; /* closing: the tuple may be reused already */
	if ((st->seen[!dir].flags & CT_TCP_F_MAXACK_SET) && st->last_index != CT_TCP_SYN_SET) {
		if (s->seq == 0 && !ct_tcp_established(e))
			return 0; /* answers a SYN we let through */
		if (ct_tcp_before(s->seq, st->seen[!dir].td_maxack))
			return -1;
		if (!ct_tcp_established(e) || s->seq == st->seen[!dir].td_maxack)
			return 0;
		/* The end of a train: data, then RST right after it. */
		if (st->last_index == CT_TCP_ACK_SET && st->last_dir == dir &&
		    s->seq == st->last_end)
			return 0;
		/* Not exact: keep the state, the peer may send a challenge ACK. */
		*ns = old;
	}
	if ((((e->status & CT_S_SEEN_REPLY) && st->last_index == CT_TCP_SYN_SET) ||
	     (!(e->status & CT_S_ASSURED) && st->last_index == CT_TCP_ACK_SET)) &&
	    s->ack == st->last_end)
		return 1; /* answers a SYN or ACK we let through */
	if (old == CT_TCP_SYN_SENT && st->last_index == CT_TCP_ACK_SET &&
	    st->last_dir == CT_DIR_REPLY && s->seq == st->last_ack)
		return 1; /* answers a challenge ACK we let through */
	return 0;
}

static uint32_t ct_tcp_timeout(const struct ct_entry *e, const struct ct_l4_ctx *c,
			       enum ct_tcp_index index, enum ct_tcp_state ns)
{
	const struct ct_tcp *st = &e->proto.tcp;
	const uint32_t *to = c->t->cfg.timeout_ms;
	uint32_t state_to = to[CT_TO_TCP_SYN_SENT + ns - CT_TCP_SYN_SENT];

	if (st->retrans >= c->t->cfg.tcp_max_retrans && state_to > to[CT_TO_TCP_MAX_RETRANS])
		return to[CT_TO_TCP_MAX_RETRANS];
	if (index == CT_TCP_RST_SET)
		return to[CT_TO_TCP_CLOSE];
	if (((st->seen[0].flags | st->seen[1].flags) & CT_TCP_F_DATA_UNACKNOWLEDGED) &&
	    state_to > to[CT_TO_TCP_UNACK])
		return to[CT_TO_TCP_UNACK];
	if (st->last_win == 0 && state_to > to[CT_TO_TCP_MAX_RETRANS])
		return to[CT_TO_TCP_MAX_RETRANS];
	return state_to;
}

static int ct_tcp_packet(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
			 uint8_t ctinfo)
{
	struct ct_tcp *st = &e->proto.tcp;
	enum ct_tcp_state old = (enum ct_tcp_state)st->state, ns;
	enum ct_tcp_index index;
	struct ct_tcp_seg s;
	uint32_t timeout;
	int r;

	ct_tcp_seg(&s, c);
	index = ct_tcp_index(s.flags);
	ns = ct_tcp_transition(dir, index, old);

	switch (ns) {
	case CT_TCP_SYN_SENT:
		if (old < CT_TCP_TIME_WAIT)
			break;
		/* RFC 1122: a SYN may reopen a connection in TIME_WAIT; so may
		 * one after a close or a RST from this side: start afresh. */
		if (((st->seen[dir].flags | st->seen[!dir].flags) & CT_TCP_F_CLOSE_INIT) ||
		    (st->last_dir == dir && st->last_index == CT_TCP_RST_SET)) {
			ct_table_kill(c->t, e);
			return CT_R_REPEAT;
		}
		/* fall through */
	case CT_TCP_IGNORE:
		r = ct_tcp_ignored(e, c, dir, index, &s, old);
		if (r >= 0)
			return r;
		old = CT_TCP_SYN_SENT;
		ns = CT_TCP_SYN_RECV;
		break;
	case CT_TCP_MAX:
		return CT_R_INVALID;
	case CT_TCP_TIME_WAIT:
		/* RFC 5961: a challenge ACK in LAST_ACK is not the last ACK. */
		if (old == CT_TCP_LAST_ACK && index == CT_TCP_ACK_SET && st->last_dir != dir &&
		    st->last_index == CT_TCP_SYN_SET &&
		    (st->last_flags & CT_TCP_F_EXP_CHALLENGE_ACK)) {
			st->last_flags &= (uint8_t)~CT_TCP_F_EXP_CHALLENGE_ACK;
			return CT_R_ACCEPT;
		}
		break;
	case CT_TCP_SYN_SENT2:
		/* The table cannot tell a simultaneous open by itself. */
		st->last_flags |= CT_TCP_F_SIMULTANEOUS_OPEN;
		break;
	case CT_TCP_SYN_RECV:
		if (dir == CT_DIR_REPLY && index == CT_TCP_ACK_SET &&
		    (st->last_flags & CT_TCP_F_SIMULTANEOUS_OPEN))
			ns = CT_TCP_ESTABLISHED;
		break;
	case CT_TCP_CLOSE:
		if (index != CT_TCP_RST_SET)
			break;
		r = ct_tcp_rst(e, c, dir, &s, old, &ns);
		if (r < 0)
			return CT_R_INVALID;
		if (r > 0)
			goto in_window;
		break;
	default:
		break;
	}

	switch (ct_tcp_in_window(e, c, dir, index, &s)) {
	case CT_TCP_ACT_IGNORE:
		return CT_R_ACCEPT;
	case CT_TCP_ACT_INVALID:
		ct_tcp_handle_invalid(e, c, dir, index);
		return CT_R_INVALID;
	default:
		break;
	}
in_window:
	st->last_index = (uint8_t)index;
	st->last_dir = (uint8_t)dir;
	st->state = (uint8_t)ns;
	if (old != ns && ns == CT_TCP_FIN_WAIT)
		st->seen[dir].flags |= CT_TCP_F_CLOSE_INIT;
	timeout = ct_tcp_timeout(e, c, index, ns);
	if (ns != old)
		e->ecache |= CT_EC_PROTOINFO;

	if (!(e->status & CT_S_SEEN_REPLY)) {
		/* The only answer is a RST: no connection, forget it now. */
		if (s.flags & TH_RST) {
			ct_table_kill(c->t, e);
			return CT_R_ACCEPT;
		}
		/* A retransmitted SYN does not extend the entry's life: a
		 * client reusing its port could keep it forever. */
		if (index == CT_TCP_SYN_SET && old == CT_TCP_SYN_SENT)
			return CT_R_ACCEPT;
		/* Picked up without a reply yet: no long ESTABLISHED timeout. */
		if (ns == CT_TCP_ESTABLISHED && timeout > c->t->cfg.timeout_ms[CT_TO_TCP_UNACK])
			timeout = c->t->cfg.timeout_ms[CT_TO_TCP_UNACK];
	} else if (!(e->status & CT_S_ASSURED) &&
		   (old == CT_TCP_SYN_RECV || old == CT_TCP_ESTABLISHED) &&
		   ns == CT_TCP_ESTABLISHED) {
		/* A valid ACK after SYN_RECV, or an answer for a picked up one. */
		e->status |= CT_S_ASSURED;
		e->ecache |= CT_EC_STATUS;
	}
	ct_table_refresh(c->t, e, timeout);
	return CT_R_ACCEPT;
}

const struct ct_proto_ops ct_tcp_ops = {
	.proto = IPPROTO_TCP,
	.name = "tcp",
	.tuple = ct_tcp_tuple,
	.invert = ct_tcp_invert,
	.error = ct_tcp_error,
	.new = ct_tcp_new,
	.packet = ct_tcp_packet,
	.can_early_drop = ct_tcp_can_early_drop,
};
