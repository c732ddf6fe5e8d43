// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tunfilter queue` (see cmd_queue.h):
 *
 * socket /run/tunfilter/queue.sock: 1 consumer, 2 of 2048 packets parked
 * QUEUE CONSUMER     QUEUED PENDING DROPPED-FULL BYPASSED   ACCEPT     DROP   REPEAT  DEFAULT
 *     0 pid 4242        120       2            0        0      118        0        0        0
 *     3 -                 0       0            0       17        0        0        0        0
 *       fail-open 4, no consumer 2, timed out 1
 * other queues: 0 bypassed, 5 dropped (no consumer)
 *
 * The DEFAULT column counts default verdicts (timed out, and consumer
 * gone); the indented line appears when a queue has any of the rarer
 * counters, which JSON always has.
 */
#include <inttypes.h>
#include <stdio.h>
#include "control/cmd.h"
#include "control/cmd_queue.h"
#include "core/hook.h"
#include "queue/server.h"

static const char *cmd_queue_copy_name(uint32_t mode)
{
	switch (mode) {
	case TFQ_COPY_NONE:
		return "none";
	case TFQ_COPY_META:
		return "meta";
	default:
		return "packet";
	}
}

/* ", name N" in text for a nonzero rare counter; always in JSON. */
static void cmd_queue_extra(struct out *o, const char *key, const char *text, uint64_t v,
			    bool *first)
{
	out_u64(o, key, NULL, v);
	if (!v || o->json)
		return;
	out_text(o, "%s%s %" PRIu64, *first ? "      " : ", ", text, v);
	*first = false;
}

static void cmd_queue_settings(struct out *o, const struct queue_stats *s)
{
	out_bool(o, "configured", NULL, s->configured);
	out_str(o, "copy_mode", NULL, cmd_queue_copy_name(s->copy_mode));
	out_u64(o, "copy_range", NULL, s->copy_range);
	out_u64(o, "maxlen", NULL, s->s.maxlen);
	out_bool(o, "fail_open", NULL, s->s.fail_open);
	out_str(o, "default_verdict", NULL, s->s.default_verdict == TF_ACCEPT ? "accept" : "drop");
	out_u64(o, "timeout_ms", NULL, s->s.timeout_ms);
}

static int cmd_queue_one(const struct queue_stats *s, void *arg)
{
	struct out *o = arg;
	char who[32];
	bool first = true;

	out_obj_open(o, NULL);
	out_u64(o, "queue", "%5" PRIu64, s->num);
	if (s->bound) {
		snprintf(who, sizeof(who), "pid %d", (int)s->pid);
		out_text(o, " %-12s", who);
		out_obj_open(o, "consumer");
		out_u64(o, "pid", NULL, (uint64_t)s->pid);
		out_u64(o, "uid", NULL, s->uid);
		out_obj_close(o);
	} else {
		out_str(o, "consumer", " %-12s", NULL);
	}
	out_u64(o, "queued", " %6" PRIu64, s->queued);
	out_u64(o, "pending", " %7" PRIu64, s->pending);
	out_u64(o, "unsent", NULL, s->unsent);
	out_u64(o, "dropped_full", " %12" PRIu64, s->dropped_full);
	out_u64(o, "bypassed", " %8" PRIu64, s->bypassed);
	out_u64(o, "accepted", " %8" PRIu64, s->accepted);
	out_u64(o, "dropped", " %8" PRIu64, s->dropped);
	out_u64(o, "repeated", " %8" PRIu64, s->repeated);
	out_text(o, " %8" PRIu64, s->timed_out + s->orphaned);
	out_nl(o);
	cmd_queue_extra(o, "failed_open", "fail-open", s->failed_open, &first);
	cmd_queue_extra(o, "no_consumer", "no consumer", s->no_consumer, &first);
	cmd_queue_extra(o, "timed_out", "timed out", s->timed_out, &first);
	cmd_queue_extra(o, "orphaned", "consumer gone", s->orphaned, &first);
	cmd_queue_extra(o, "bad_payload", "bad payload", s->bad_payload, &first);
	cmd_queue_extra(o, "stale", "stale verdicts", s->stale, &first);
	if (!first)
		out_nl(o);
	cmd_queue_settings(o, s);
	out_obj_close(o);
	return 0;
}

int cmd_queue_run(const struct queue_server *qs, struct out *o, struct out *e)
{
	const struct queue_table *t = queue_server_table(qs);
	struct queue_table_stats st;

	queue_table_stats(t, &st);
	out_obj_open(o, NULL);
	out_str(o, "socket", "socket %s:", queue_server_path(qs));
	out_u64(o, "consumers", " %" PRIu64, st.consumers);
	out_text(o, " consumer%s,", st.consumers == 1 ? "" : "s");
	out_u64(o, "parked", " %" PRIu64, st.parked);
	out_u64(o, "max_parked", " of %" PRIu64 " packets parked", st.max_parked);
	out_nl(o);
	out_text(o, "QUEUE CONSUMER     QUEUED PENDING DROPPED-FULL BYPASSED   ACCEPT     DROP"
		    "   REPEAT  DEFAULT\n");
	out_arr_open(o, "queues");
	queue_table_walk(t, cmd_queue_one, o);
	out_arr_close(o);
	out_obj_open(o, "other_queues");
	out_u64(o, "bypassed", "other queues: %" PRIu64 " bypassed,", st.unknown_bypassed);
	out_u64(o, "dropped", " %" PRIu64 " dropped (no consumer)", st.unknown_dropped);
	out_nl(o);
	out_obj_close(o);
	out_obj_close(o);
	return CMD_OK;
}
