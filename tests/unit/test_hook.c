// SPDX-License-Identifier: GPL-2.0-or-later
/* Hook lists: ordering by priority, registration order on ties, every
 * verdict, the REPEAT bound, resumption after QUEUE, unregistration. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "core/drop.h"
#include "core/hook.h"

struct trace {
	int calls[16];
	unsigned int n;
};

struct handler {
	int id;
	unsigned int verdict;
	unsigned int repeats; /* answer REPEAT this many times first */
	struct trace *t;
};

static unsigned int record(void *priv, struct pkt *p, struct router *ctx)
{
	struct handler *h = priv;

	if (h->t->n < 16)
		h->t->calls[h->t->n++] = h->id;
	if (h->repeats) {
		h->repeats--;
		return TF_REPEAT;
	}
	return h->verdict;
}

static struct pkt mkpkt(enum tf_hook hook)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.hook = (uint8_t)hook;
	return p;
}

Test(hook, runs_in_priority_order_ties_in_registration_order)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_ACCEPT, 0, &t }, b = { 2, TF_ACCEPT, 0, &t },
		       c = { 3, TF_ACCEPT, 0, &t }, d = { 4, TF_ACCEPT, 0, &t };
	struct pkt p = mkpkt(HOOK_FORWARD);
	int why = -1;

	hooks_init(&h);
	cr_assert_eq(hook_register(&h, HOOK_FORWARD, HOOK_PRI_FILTER, record, &a), 0);
	cr_assert_eq(hook_register(&h, HOOK_FORWARD, HOOK_PRI_MANGLE, record, &b), 0);
	cr_assert_eq(hook_register(&h, HOOK_FORWARD, HOOK_PRI_FILTER, record, &c), 0);
	cr_assert_eq(hook_register(&h, HOOK_FORWARD, HOOK_PRI_CONNTRACK_CONFIRM, record, &d), 0);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_ACCEPT);
	cr_assert_eq(t.n, 4);
	cr_assert_eq(t.calls[0], 2);
	cr_assert_eq(t.calls[1], 1);
	cr_assert_eq(t.calls[2], 3);
	cr_assert_eq(t.calls[3], 4);
	cr_assert_eq(why, -1, "no drop reason on ACCEPT");
	hooks_fini(&h);
}

Test(hook, other_hooks_are_independent)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_DROP, 0, &t };
	struct pkt p = mkpkt(HOOK_LOCAL_IN);
	int why;

	hooks_init(&h);
	cr_assert_eq(hook_register(&h, HOOK_FORWARD, 0, record, &a), 0);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_ACCEPT);
	cr_assert_eq(t.n, 0);
	hooks_fini(&h);
}

Test(hook, drop_stops_traversal_with_reason)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_DROP, 0, &t }, b = { 2, TF_ACCEPT, 0, &t };
	struct pkt p = mkpkt(HOOK_PRE_ROUTING);
	int why = -1;

	hooks_init(&h);
	hook_register(&h, HOOK_PRE_ROUTING, -300, record, &a);
	hook_register(&h, HOOK_PRE_ROUTING, 0, record, &b);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_DROP);
	cr_assert_eq(why, DROP_HOOK_DROP);
	cr_assert_eq(t.n, 1);
	hooks_fini(&h);
}

Test(hook, stolen_stops_traversal)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_STOLEN, 0, &t }, b = { 2, TF_ACCEPT, 0, &t };
	struct pkt p = mkpkt(HOOK_LOCAL_OUT);
	int why;

	hooks_init(&h);
	hook_register(&h, HOOK_LOCAL_OUT, 0, record, &a);
	hook_register(&h, HOOK_LOCAL_OUT, 1, record, &b);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_STOLEN);
	cr_assert_eq(t.n, 1);
	hooks_fini(&h);
}

Test(hook, queue_records_position_and_resumes_after_it)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_ACCEPT, 0, &t }, b = { 2, TF_QUEUE, 0, &t },
		       c = { 3, TF_ACCEPT, 0, &t };
	struct pkt p = mkpkt(HOOK_POST_ROUTING);
	int why;

	hooks_init(&h);
	hook_register(&h, HOOK_POST_ROUTING, -150, record, &a);
	hook_register(&h, HOOK_POST_ROUTING, 0, record, &b);
	hook_register(&h, HOOK_POST_ROUTING, 100, record, &c);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_QUEUE);
	cr_assert_eq(p.hook_idx, 1);
	/* The consumer accepted: resume after the queueing handler. */
	p.hook_idx++;
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_ACCEPT);
	cr_assert_eq(t.n, 3);
	cr_assert_eq(t.calls[2], 3);
	hooks_fini(&h);
}

Test(hook, repeat_calls_the_same_handler_again)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_ACCEPT, 2, &t }, b = { 2, TF_ACCEPT, 0, &t };
	struct pkt p = mkpkt(HOOK_FORWARD);
	int why;

	hooks_init(&h);
	hook_register(&h, HOOK_FORWARD, 0, record, &a);
	hook_register(&h, HOOK_FORWARD, 1, record, &b);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_ACCEPT);
	cr_assert_eq(t.n, 4);
	cr_assert_eq(t.calls[0], 1);
	cr_assert_eq(t.calls[1], 1);
	cr_assert_eq(t.calls[2], 1);
	cr_assert_eq(t.calls[3], 2);
	hooks_fini(&h);
}

Test(hook, endless_repeat_is_bounded_and_counted)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_ACCEPT, 1000, &t };
	struct pkt p = mkpkt(HOOK_FORWARD);
	int why = -1;

	hooks_init(&h);
	hook_register(&h, HOOK_FORWARD, 0, record, &a);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_DROP);
	cr_assert_eq(why, DROP_REPEAT_LIMIT);
	cr_assert_eq(a.repeats, 1000 - (HOOK_REPEAT_MAX + 1));
	hooks_fini(&h);
}

Test(hook, unknown_verdict_drops)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, 77, 0, &t };
	struct pkt p = mkpkt(HOOK_FORWARD);
	int why = -1;

	hooks_init(&h);
	hook_register(&h, HOOK_FORWARD, 0, record, &a);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_DROP);
	cr_assert_eq(why, DROP_BAD_VERDICT);
	hooks_fini(&h);
}

Test(hook, unregister_removes_only_that_entry)
{
	struct hooks h;
	struct trace t = { 0 };
	struct handler a = { 1, TF_ACCEPT, 0, &t }, b = { 2, TF_ACCEPT, 0, &t };
	struct pkt p = mkpkt(HOOK_FORWARD);
	int why;

	hooks_init(&h);
	hook_register(&h, HOOK_FORWARD, 0, record, &a);
	hook_register(&h, HOOK_FORWARD, 0, record, &b);
	cr_assert_eq(hook_unregister(&h, HOOK_FORWARD, record, &a), 0);
	cr_assert_eq(hook_unregister(&h, HOOK_FORWARD, record, &a), -ENOENT);
	cr_assert_eq(hook_run(&h, &p, NULL, &why), TF_ACCEPT);
	cr_assert_eq(t.n, 1);
	cr_assert_eq(t.calls[0], 2);
	cr_assert_eq(hook_register(&h, HOOK_MAX, 0, record, &a), -EINVAL);
	hooks_fini(&h);
}
