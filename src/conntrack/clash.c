// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Insertion clash resolution (see clash.h), as the kernel's
 * nf_ct_resolve_clash, __nf_ct_resolve_clash and nf_ct_resolve_clash_harder
 * do it. Only for protocols that allow it (allow_clash: UDP); for the
 * others the loser's packet is dropped and counted insert_failed.
 *
 *   1. join: when the entry in the way has no NAT binding yet, or has both
 *      tuples of the loser, the packet joins it (the loser dies with the
 *      packet's reference, its bytes are added to the winner);
 *   2. harder: else, when NAT gave the loser a reply tuple that nobody has,
 *      the loser is confirmed for its reply tuple only (entry.h): the
 *      original direction keeps finding the winner, answers to the loser's
 *      translation find the loser and are translated back by it. It lives
 *      one second, is never ASSURED and is not listed;
 *   3. when another entry has the loser's reply tuple, step 1 is tried
 *      against that one; failing that, the packet is dropped.
 *
 * The kernel also gives up when the winner is dying; a dying entry is on
 * no hash chain here, so it is never the winner. Only the confirm hook
 * calls this: the packet path, no allocation.
 */
#include <errno.h>
#include "conntrack/clash.h"
#include "conntrack/proto.h"
#include "conntrack/table.h"

#define CT_NAT_DONE_MASK (CT_S_SRC_NAT_DONE | CT_S_DST_NAT_DONE)

/* nf_ct_match: the same flow, both ways. */
static bool ct_clash_match(const struct ct_entry *a, const struct ct_entry *b)
{
	return ct_tuple_eq(&a->th[CT_DIR_ORIGINAL].t, &b->th[CT_DIR_ORIGINAL].t) &&
	       ct_tuple_eq(&a->th[CT_DIR_REPLY].t, &b->th[CT_DIR_REPLY].t);
}

/* __nf_ct_resolve_clash: the packet joins o, the loser goes with the
 * packet's reference; nf_ct_acct_merge counts the packet on o. */
static int ct_clash_join(struct ct_table *t, struct pkt *p, struct ct_entry *o)
{
	struct ct_entry *e = p->ct;
	enum ct_dir dir = ct_info_dir(p->ctinfo);

	if ((o->status & CT_NAT_DONE_MASK) && !ct_clash_match(o, e))
		return -EEXIST;
	o->packets[dir]++;
	o->bytes[dir] += e->bytes[dir];
	ct_table_get(o);
	ct_table_put(t, e);
	p->ct = o;
	t->st.clash_resolve++;
	return 0;
}

/* nf_ct_resolve_clash_harder. */
static int ct_clash_harder(struct ct_table *t, struct pkt *p)
{
	struct ct_entry *o;
	int err;

	err = ct_table_insert_clash(t, p->ct, &o);
	if (err == -EEXIST)
		return ct_clash_join(t, p, o);
	if (err)
		return err;
	t->st.clash_resolve++;
	return 0;
}

int ct_clash_resolve(struct ct_table *t, struct pkt *p, struct ct_entry *o)
{
	if (!ct_proto_find(ct_entry_proto(o))->allow_clash)
		return -EEXIST;
	if (ct_clash_join(t, p, o) == 0)
		return 0;
	return ct_clash_harder(t, p);
}
