/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libtunfilter-queue: take verdicts on packets that tunfilterd queues
 * (iptables -j NFQUEUE), from any event loop. See tunfilter-queue(3); the
 * protocol underneath is tunfilter-queue(7).
 *
 *   struct tfq_handle *h = tfq_open(NULL);          // the default socket
 *   tfq_bind(h, 0, TFQ_COPY_PACKET, 0xffff);
 *   for (;;) {                                      // or watch tfq_fd(h)
 *           poll(&(struct pollfd){ tfq_fd(h), POLLIN }, 1, -1);
 *           if (tfq_dispatch(h, cb, NULL) < 0)
 *                   break;
 *   }
 *
 *   int cb(struct tfq_handle *h, const struct tfq_packet *p, void *arg)
 *   {
 *           return tfq_verdict(h, p->queue, p->id, TFQ_ACCEPT);
 *   }
 *
 * Functions return 0 (or a count) on success and a negative errno value on
 * failure; the handle is not thread-safe. Verdicts given inside
 * tfq_dispatch() are sent together when the batch is done; outside it,
 * at once.
 */
#ifndef TUNFILTER_QUEUE_H
#define TUNFILTER_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "tunfilter/queue_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tfq_handle;

/* One queued packet, as the callback sees it. Pointers stay valid until
 * the callback returns. */
struct tfq_packet {
	uint32_t id;
	uint16_t queue;
	uint8_t hook;              /* enum tfq_hook */
	uint8_t flags;             /* TFQ_PF_* */
	uint32_t mark;
	uint32_t orig_len;         /* length of the whole packet */
	int32_t in_index, out_index; /* tunfilterd's interface indexes, -1 none */
	const char *in_name, *out_name; /* "" when none */
	uint64_t tstamp_ns;        /* arrival, CLOCK_REALTIME */
	uint32_t ct_id;
	uint8_t ct_state;          /* enum tfq_ct_state, with TFQ_PF_CT */
	uint8_t copy_mode;         /* enum tfq_copy_mode */
	const uint8_t *payload;    /* the packet from its IPv4 header, payload_len bytes */
	uint32_t payload_len;
};

/* Return 0 to go on, a negative value to stop tfq_dispatch() with it. */
typedef int (*tfq_callback)(struct tfq_handle *h, const struct tfq_packet *p, void *arg);

/* Connect to tunfilterd's queue socket (NULL: TFQ_DEFAULT_PATH). NULL on
 * failure, with errno set. */
struct tfq_handle *tfq_open(const char *path);
/* Close the connection: packets still pending get their queues' default
 * verdict. NULL is allowed. */
void tfq_close(struct tfq_handle *h);

/* The socket, non-blocking, for poll/epoll/libevent: readable means
 * tfq_dispatch() has work. */
int tfq_fd(const struct tfq_handle *h);

/*
 * Take queue num: its packets come to this handle from now on, as mode
 * says (TFQ_COPY_DEFAULT: as configured in tunfilterd; range only for
 * TFQ_COPY_PACKET). Waits for the daemon's answer: -EBUSY when another
 * consumer has the queue, -ENOSPC when no more queues can exist.
 */
int tfq_bind(struct tfq_handle *h, uint16_t num, enum tfq_copy_mode mode, uint32_t range);
/* Give the queue back (its pending packets get the default verdict). */
int tfq_unbind(struct tfq_handle *h, uint16_t num);
/* Change what the packet messages of a bound queue carry. */
int tfq_set_copy_mode(struct tfq_handle *h, uint16_t num, enum tfq_copy_mode mode,
		      uint32_t range);

/*
 * Read what has arrived (without blocking) and call cb for each packet,
 * then send the verdicts given meanwhile. Returns the number of packets
 * handled (0: nothing was there), or: the callback's negative value,
 * -EPIPE (tunfilterd closed the connection), -EPROTO (tunfilterd refused
 * something this handle sent: tfq_error() says what), or another -errno.
 */
int tfq_dispatch(struct tfq_handle *h, tfq_callback cb, void *arg);
/* Block until packets come, dispatching them, until cb or an error stops
 * it; the return value is that of the last tfq_dispatch(). */
int tfq_run(struct tfq_handle *h, tfq_callback cb, void *arg);

/* Verdicts: verdict is TFQ_ACCEPT, TFQ_DROP or TFQ_REPEAT. */
int tfq_verdict(struct tfq_handle *h, uint16_t queue, uint32_t id, enum tfq_verdict verdict);
/* The same, setting the packet's mark (REPEAT needs one to avoid a loop). */
int tfq_verdict_mark(struct tfq_handle *h, uint16_t queue, uint32_t id,
		     enum tfq_verdict verdict, uint32_t mark);
/*
 * The same, replacing the packet with buf[0..len) (a whole IPv4 packet;
 * tunfilterd sets its total length and checksums, and drops it when it is
 * not valid IPv4). set_mark says whether mark is used.
 */
int tfq_verdict_payload(struct tfq_handle *h, uint16_t queue, uint32_t id,
			enum tfq_verdict verdict, int set_mark, uint32_t mark, const void *buf,
			size_t len);
/* One verdict for every pending packet of queue up to and including id. */
int tfq_verdict_batch(struct tfq_handle *h, uint16_t queue, uint32_t id,
		      enum tfq_verdict verdict);
int tfq_verdict_batch_mark(struct tfq_handle *h, uint16_t queue, uint32_t id,
			   enum tfq_verdict verdict, uint32_t mark);
/* Send the verdicts buffered so far (tfq_dispatch does it by itself). */
int tfq_flush(struct tfq_handle *h);

/* The text of the last ERROR tunfilterd sent, "" when none. */
const char *tfq_error(const struct tfq_handle *h);

#ifdef __cplusplus
}
#endif

#endif
