/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Insertion clashes (the kernel's nf_ct_resolve_clash): the first packet of
 * a connection reaches the confirm hook and another entry, confirmed since
 * this one was made, already has one of its tuples. In tunfilterd that is
 * two packets of one new flow that were both parked before confirmation
 * (NFQUEUE), each with its own unconfirmed entry.
 */
#ifndef TF_CONNTRACK_CLASH_H
#define TF_CONNTRACK_CLASH_H

struct ct_table;
struct ct_entry;
struct pkt;

/*
 * p's unconfirmed entry p->ct lost to o, the confirmed entry having one of
 * its tuples. 0: resolved and the packet goes on (p->ct is now o, or the
 * loser confirmed for its reply only; counted as clash_resolve); -errno:
 * not resolvable, p->ct unchanged, and the caller drops the packet.
 */
int ct_clash_resolve(struct ct_table *t, struct pkt *p, struct ct_entry *o);

#endif
