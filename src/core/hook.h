/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hooks are data: each of the five hooks is an array of {fn, priv, priority}
 * kept sorted by priority (ascending; equal priorities keep registration
 * order, as the kernel's nf_register_net_hook does). Tables, conntrack,
 * defrag and NAT register into it exactly as in the kernel, at the same
 * priorities. Registration allocates; traversal never does.
 */
#ifndef TF_CORE_HOOK_H
#define TF_CORE_HOOK_H

#include <limits.h>
#include <stddef.h>
#include "core/pkt.h"

/* Verdicts, numbered as the kernel's NF_* so that the queue protocol can
 * carry them unchanged. */
enum tf_verdict {
	TF_DROP = 0,
	TF_ACCEPT = 1,
	TF_STOLEN = 2,
	TF_QUEUE = 3,
	TF_REPEAT = 4,
};

/* The kernel's priorities (enum nf_ip_hook_priorities). */
enum {
	HOOK_PRI_FIRST = INT_MIN,
	HOOK_PRI_DEFRAG = -400,
	HOOK_PRI_RAW = -300,
	HOOK_PRI_CONNTRACK = -200,
	HOOK_PRI_MANGLE = -150,
	HOOK_PRI_NAT_DST = -100,
	HOOK_PRI_FILTER = 0,
	HOOK_PRI_NAT_SRC = 100,
	HOOK_PRI_CONNTRACK_CONFIRM = INT_MAX,
	HOOK_PRI_LAST = INT_MAX,
};

/* A REPEAT answered this many times in a row by one handler on one packet
 * drops the packet (counted as repeat_limit): a handler that always repeats
 * must not hang the daemon. */
#define HOOK_REPEAT_MAX 16

struct router;

/* A handler. ctx is the router the packet travels through. */
typedef unsigned int (*hook_fn)(void *priv, struct pkt *p, struct router *ctx);

struct hook_entry {
	hook_fn fn;
	void *priv;
	int priority;
};

struct hook_list {
	struct hook_entry *v;
	unsigned int n;
};

struct hooks {
	struct hook_list list[HOOK_MAX];
};

void hooks_init(struct hooks *h);
void hooks_fini(struct hooks *h);

/* 0, -EINVAL (bad hook), -ENOMEM. */
int hook_register(struct hooks *h, enum tf_hook hook, int priority, hook_fn fn, void *priv);
/* 0 or -ENOENT when no entry has this fn and priv. */
int hook_unregister(struct hooks *h, enum tf_hook hook, hook_fn fn, void *priv);

/*
 * Run the handlers of p->hook from index p->hook_idx on. Returns the final
 * verdict: TF_ACCEPT (every handler accepted), TF_DROP, TF_STOLEN or
 * TF_QUEUE. On TF_QUEUE, p->hook_idx names the handler that queued, so
 * that a later reinjection resumes at p->hook_idx + 1. On TF_DROP, *why
 * says why (DROP_HOOK_DROP, DROP_REPEAT_LIMIT, DROP_BAD_VERDICT).
 */
unsigned int hook_run(const struct hooks *h, struct pkt *p, struct router *ctx, int *why);

#endif
