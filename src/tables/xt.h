/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Matches and targets: const ops tables found through one registry
 * (xt_match_find / xt_target_find in registry.c), as x_tables does.
 *
 * Life of an extension instance:
 *   parse   the parser meets "-m NAME" (or an implicit "-p tcp" option) and
 *           allocates ops->size zeroed bytes of data; then, for every
 *           option of ops->opts on the line, calls ops->parse(data, id,
 *           arg, invert, ps); finally ops->final(data, ps).
 *   check   when the ruleset is validated, ops->check(data, chk) says
 *           whether the instance may be used in that table, from those
 *           hooks, with that -p protocol (x_tables' checkentry).
 *   run     ops->match(data, state, ctx) / ops->target(data, state, ctx)
 *           on the packet path: no allocation, no unbounded loops, no
 *           logging without a rate limit. data is immutable once compiled;
 *           mutable per-rule state (limit's token bucket) lives in a
 *           separate zeroed area of ops->state_size bytes.
 *   print   ops->print(data, o) appends the canonical iptables-save text
 *           of the options, each starting with a space (" --dport 22"), to
 *           o (text mode); parsing that text back must give equal data.
 *
 * Errors: parse/final/check return 0 or -EINVAL after writing one message
 * with xt_error(ps, ...), which prefixes "FILE:LINE: " when the rule came
 * from a file. Messages quote the offending token, as
 *   rules.v4:12: unknown option "--dprot" (did you mean --dport?)
 *   rules.v4:14: "99999" is not a valid port
 */
#ifndef TF_TABLES_XT_H
#define TF_TABLES_XT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "control/out.h"
#include "core/pkt.h"

struct router;
struct iface;

/* A target's verdict that means "go on with the next rule" (XT_CONTINUE). */
#define XT_CONTINUE 0xffffffffu

/* The tables, in the order their hooks run at equal hook. */
enum xt_table {
	XT_TABLE_RAW = 0,
	XT_TABLE_MANGLE,
	XT_TABLE_NAT,
	XT_TABLE_FILTER,
	XT_TABLE_MAX,
};

/* Per-packet traversal state handed to matches and targets (as the
 * kernel's xt_action_param). */
struct xt_ctx {
	struct router *r;
	struct pkt *p;
	const struct iface *in;   /* NULL at LOCAL_OUT */
	const struct iface *out;  /* NULL at PRE_ROUTING, LOCAL_IN */
	uint8_t hook;             /* enum tf_hook */
	uint8_t table;            /* enum xt_table */
	uint16_t thoff;           /* transport header offset from p->data */
	uint16_t fragoff;         /* fragment offset in bytes; nonzero: no L4 header */
	bool hotdrop;             /* a match found a malformed header: drop */
	/* tunfilter simulate: change nothing but the packet. Matches leave
	 * their state alone (limit takes no token); targets with effects
	 * beyond the packet (LOG, REJECT's reply, queueing) must only return
	 * the verdict they would give. */
	bool dry_run;
	const char *chain;        /* for LOG/TRACE: the chain being run */
	unsigned int rulenum;     /* 1-based rule number in that chain */
};

/* Where a rule being parsed comes from, for messages. */
struct xt_parse {
	const char *file;  /* NULL for the command line */
	int line;
	char *err;
	size_t errlen;
	bool failed;       /* an error was written */
	/* What the parser knows of the rule so far (for implicit matches). */
	uint16_t proto;    /* -p value, 0 = any */
	bool proto_inv;
	uint8_t table;     /* enum xt_table */
};

/* Validation context of a compiled rule (x_tables' xt_mtchk_param). */
struct xt_check {
	struct xt_parse *ps;      /* for xt_error() */
	uint8_t table;            /* enum xt_table */
	unsigned int hook_mask;   /* hooks the chain is reachable from: 1u << HOOK_* */
	uint16_t proto;           /* the rule's -p, 0 = any */
	bool proto_inv;
	bool inv_frag;            /* "! -f" */
	bool frag;                /* "-f": only non-first fragments */
};

struct xt_option {
	const char *name;  /* "--dport"; NULL ends the list */
	int id;
	bool has_arg;
	bool invertible;   /* "! --dport 22" allowed */
	/* The option takes two words (--tcp-flags MASK COMP); the parser hands
	 * them to parse() joined by one space ("SYN,ACK SYN"). Implies has_arg. */
	bool two_args;
};

struct xt_match_ops {
	const char *name;           /* "tcp" */
	const char *alias;          /* another -m name for the same match (e.g. "state"), or NULL */
	size_t size;                /* bytes of data */
	size_t state_size;          /* bytes of mutable per-rule state, 0 for none */
	uint16_t proto;             /* implicit with "-p PROTO" when nonzero (tcp, udp, icmp) */
	const struct xt_option *opts;
	int (*parse)(void *data, int id, const char *arg, bool invert, struct xt_parse *ps);
	int (*final)(void *data, struct xt_parse *ps);                  /* may be NULL */
	int (*check)(const void *data, const struct xt_check *chk);     /* may be NULL */
	bool (*match)(const void *data, void *state, struct xt_ctx *ctx);
	void (*print)(const void *data, struct out *o);
	/* Needs connection tracking: a rule using it starts tracking in auto
	 * mode, as the kernel's checkentry takes nf_ct_netns_get. */
	bool needs_ct;
};

struct xt_target_ops {
	const char *name;           /* "REJECT" */
	size_t size;
	size_t state_size;
	const struct xt_option *opts;
	int (*parse)(void *data, int id, const char *arg, bool invert, struct xt_parse *ps);
	int (*final)(void *data, struct xt_parse *ps);
	int (*check)(const void *data, const struct xt_check *chk);
	/* TF_ACCEPT, TF_DROP, TF_STOLEN, TF_QUEUE (with ctx->p->... queue number
	 * set by the target) or XT_CONTINUE. */
	unsigned int (*target)(const void *data, void *state, struct xt_ctx *ctx);
	void (*print)(const void *data, struct out *o);
	bool needs_ct;              /* as in xt_match_ops */
};

/* A number in C syntax (decimal, 0x hex, 0 octal), a digit first, no sign,
 * blank or junk, at most max. 0 or -EINVAL. */
int xt_strtou32(const char *s, uint32_t max, uint32_t *out);

/* Find an extension by name ("tcp", "REJECT"); NULL if unknown. */
const struct xt_match_ops *xt_match_find(const char *name);
const struct xt_target_ops *xt_target_find(const char *name);
/* The match that "-p NAME" loads implicitly (tcp, udp, icmp), or NULL. */
const struct xt_match_ops *xt_match_implicit(uint16_t proto);
/* Iterate the registries (i from 0 until NULL). */
const struct xt_match_ops *xt_match_at(unsigned int i);
const struct xt_target_ops *xt_target_at(unsigned int i);

/* Write one error message (printf format) into ps->err, prefixed with
 * "FILE:LINE: " when ps->file is set; only the first error is kept.
 * Returns -EINVAL so that callers can `return xt_error(ps, ...)`. */
int xt_error(struct xt_parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Helpers shared by the extensions (xt.c). All return 0 or xt_error(). */
int xt_parse_u32(struct xt_parse *ps, const char *opt, const char *arg, uint32_t min,
		 uint32_t max, uint32_t *out);
/* "N" or "N:M" (either side may be empty: ":M" = 0:M, "N:" = N:65535). */
int xt_parse_port_range(struct xt_parse *ps, const char *opt, const char *arg, uint16_t *lo,
			uint16_t *hi);
/* The same, with service names of proto ("tcp", "udp") allowed on either side
 * (--dport ssh:http), as the tcp/udp/multiport matches take them. */
int xt_parse_port_range_proto(struct xt_parse *ps, const char *opt, const char *arg,
			      const char *proto, uint16_t *lo, uint16_t *hi);
/* A port number or a service name from /etc/services for proto ("tcp"/"udp"). */
int xt_parse_port(struct xt_parse *ps, const char *opt, const char *arg, const char *proto,
		  uint16_t *out);
/* "value[/mask]" as iptables' mark syntax; mask defaults to 0xffffffff. */
int xt_parse_mark(struct xt_parse *ps, const char *opt, const char *arg, uint32_t *val,
		  uint32_t *mask);

/* Port ranges of the tcp and udp matches as iptables-nft runs them (see
 * xt.c for how that differs from x_tables). */
static inline bool xt_ports_full(const uint16_t *pts)
{
	return pts[0] == 0 && pts[1] == 0xffff;
}

/* x_tables' port_match(). */
static inline bool xt_port_in(const uint16_t *pts, uint16_t port, bool invert)
{
	return (port >= pts[0] && port <= pts[1]) ^ invert;
}

/* At final(): "! 0:65535" tests nothing (the inversion bit is cleared);
 * with rewrite, "! 0:N" becomes "N+1:65535" as the nft back end stores it. */
void xt_ports_norm_range(uint16_t *pts, uint8_t *invflags, uint8_t bit, bool rewrite);
/* The native port test on avail bytes of transport header at l4: false
 * when a port it needs is missing. */
bool xt_ports_nft_match(const uint16_t *spts, bool sinv, const uint16_t *dpts, bool dinv,
			const uint8_t *l4, unsigned int avail);
/* " --sport 22", " ! --dport 1:1024"; nothing for the full range. */
void xt_ports_print(struct out *o, const char *opt, const uint16_t *pts, bool invert);

/* Names of tables ("filter") and hooks ("INPUT", as the filter table calls
 * LOCAL_IN; PREROUTING...). */
const char *xt_table_name(enum xt_table t);
int xt_table_by_name(const char *name);   /* enum xt_table or -1 */
const char *xt_hook_chain_name(unsigned int hook);

/* Transport header of the packet being run, or NULL when this is a
 * non-first fragment or fewer than len bytes are present (matches that
 * need it then answer false, and set hotdrop when the kernel would). */
static inline const void *xt_l4(const struct xt_ctx *ctx, unsigned int len)
{
	if (ctx->fragoff || ctx->thoff + len > ctx->p->len)
		return NULL;
	return ctx->p->data + ctx->thoff;
}

#endif
