// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rules as values: free, deep copy, and the equality -D and -C use (as
 * iptables compares the whole entry, matches and target data included,
 * but not the counters).
 */
#include <stdlib.h>
#include <string.h>
#include "tables/rule.h"

void rule_free(struct rule *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->n_matches; i++) {
		free(r->matches[i].data);
		free(r->matches[i].state);
	}
	free(r->matches);
	free(r->tdata);
	free(r->tstate);
	free(r->file);
	free(r);
}

static void *rule_dup(const void *p, size_t n, bool *fail)
{
	void *q;

	if (!p)
		return NULL;
	q = malloc(n ? n : 1);
	if (!q) {
		*fail = true;
		return NULL;
	}
	memcpy(q, p, n);
	return q;
}

struct rule *rule_clone(const struct rule *r)
{
	struct rule *c = malloc(sizeof(*c));
	bool fail = false;
	unsigned int i;

	if (!c)
		return NULL;
	*c = *r;
	c->matches = NULL;
	c->tdata = rule_dup(r->tdata, r->target ? r->target->size : 0, &fail);
	c->tstate = rule_dup(r->tstate, r->target ? r->target->state_size : 0, &fail);
	c->file = r->file ? strdup(r->file) : NULL;
	if (r->file && !c->file)
		fail = true;
	if (r->n_matches) {
		c->matches = calloc(r->n_matches, sizeof(*c->matches));
		if (!c->matches) {
			c->n_matches = 0;
			fail = true;
		}
	}
	for (i = 0; c->matches && i < r->n_matches; i++) {
		const struct rule_match *m = &r->matches[i];

		c->matches[i].ops = m->ops;
		c->matches[i].data = rule_dup(m->data, m->ops->size, &fail);
		c->matches[i].state = rule_dup(m->state, m->ops->state_size, &fail);
	}
	if (fail) {
		rule_free(c);
		return NULL;
	}
	return c;
}

static bool rule_data_equal(const void *a, const void *b, size_t n)
{
	if (!a || !b)
		return a == b;
	return memcmp(a, b, n) == 0;
}

bool rule_equal(const struct rule *a, const struct rule *b)
{
	unsigned int i;

	if (a->src != b->src || a->smsk != b->smsk || a->dst != b->dst || a->dmsk != b->dmsk ||
	    a->proto != b->proto || a->invflags != b->invflags ||
	    (a->flags & ~RULE_F_COUNTS) != (b->flags & ~RULE_F_COUNTS))
		return false;
	if (a->inlen != b->inlen || memcmp(a->iniface, b->iniface, a->inlen) != 0 ||
	    a->outlen != b->outlen || memcmp(a->outiface, b->outiface, a->outlen) != 0)
		return false;
	if (a->n_matches != b->n_matches || a->verdict != b->verdict)
		return false;
	for (i = 0; i < a->n_matches; i++) {
		const struct rule_match *x = &a->matches[i], *y = &b->matches[i];

		if (x->ops != y->ops || !rule_data_equal(x->data, y->data, x->ops->size))
			return false;
	}
	switch (a->verdict) {
	case RULE_V_JUMP:
	case RULE_V_GOTO:
		return strcmp(a->jump, b->jump) == 0;
	case RULE_V_TARGET:
		return a->target == b->target &&
		       rule_data_equal(a->tdata, b->tdata, a->target->size);
	default:
		return true;
	}
}

const char *rule_target_name(const struct rule *r)
{
	switch (r->verdict) {
	case RULE_V_ACCEPT:
		return "ACCEPT";
	case RULE_V_DROP:
		return "DROP";
	case RULE_V_RETURN:
		return "RETURN";
	case RULE_V_JUMP:
	case RULE_V_GOTO:
		return r->jump;
	case RULE_V_TARGET:
		return r->target->name;
	default:
		return "";
	}
}
