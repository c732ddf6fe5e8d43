// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hook lists and their traversal (nf_hook_slow in the kernel).
 *
 * Traversal state lives in the packet (p->hook, p->hook_idx, p->repeat) so
 * that a packet parked by QUEUE can resume where it left off; nothing about
 * a traversal is kept in the list itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/drop.h"
#include "core/hook.h"

void hooks_init(struct hooks *h)
{
	memset(h, 0, sizeof(*h));
}

void hooks_fini(struct hooks *h)
{
	unsigned int i;

	for (i = 0; i < HOOK_MAX; i++)
		free(h->list[i].v);
	memset(h, 0, sizeof(*h));
}

int hook_register(struct hooks *h, enum tf_hook hook, int priority, hook_fn fn, void *priv)
{
	struct hook_list *l;
	struct hook_entry *v;
	unsigned int pos;

	if ((unsigned int)hook >= HOOK_MAX || !fn)
		return -EINVAL;
	l = &h->list[hook];
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	/* After every entry of lower or equal priority: equal priorities keep
	 * their registration order, as in the kernel. */
	for (pos = 0; pos < l->n && v[pos].priority <= priority; pos++)
		;
	memmove(&v[pos + 1], &v[pos], (l->n - pos) * sizeof(*v));
	v[pos] = (struct hook_entry){ .fn = fn, .priv = priv, .priority = priority };
	l->n++;
	return 0;
}

int hook_unregister(struct hooks *h, enum tf_hook hook, hook_fn fn, void *priv)
{
	struct hook_list *l;
	unsigned int i;

	if ((unsigned int)hook >= HOOK_MAX)
		return -EINVAL;
	l = &h->list[hook];
	for (i = 0; i < l->n; i++) {
		if (l->v[i].fn == fn && l->v[i].priv == priv) {
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
			l->n--;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned int hook_run(const struct hooks *h, struct pkt *p, struct router *ctx, int *why)
{
	const struct hook_list *l = &h->list[p->hook];
	unsigned int i = p->hook_idx;

	while (i < l->n) {
		unsigned int v = l->v[i].fn(l->v[i].priv, p, ctx);

		switch (v) {
		case TF_ACCEPT:
			i++;
			p->repeat = 0;
			break;
		case TF_REPEAT:
			/* Call the same handler again, but not forever. */
			if (++p->repeat > HOOK_REPEAT_MAX) {
				p->hook_idx = (uint16_t)i;
				*why = DROP_REPEAT_LIMIT;
				return TF_DROP;
			}
			break;
		case TF_DROP:
			p->hook_idx = (uint16_t)i;
			*why = DROP_HOOK_DROP;
			return TF_DROP;
		case TF_STOLEN:
			/* The handler owns p now and may already have freed it. */
			return v;
		case TF_QUEUE:
			p->hook_idx = (uint16_t)i;
			p->repeat = 0;
			return v;
		default:
			p->hook_idx = (uint16_t)i;
			*why = DROP_BAD_VERDICT;
			return TF_DROP;
		}
	}
	p->hook_idx = (uint16_t)i;
	return TF_ACCEPT;
}
