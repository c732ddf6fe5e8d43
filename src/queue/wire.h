/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoding and decoding of queue protocol messages (tunfilter-queue(7),
 * include/tunfilter/queue_proto.h). Both ends use it: the daemon (src/queue)
 * and the client library (src/lib), so the two cannot disagree on a layout.
 *
 * Decoding checks everything a message says about itself: version, length
 * field against the record, type against the direction, body size, and
 * every field that has a fixed set of values (reserved fields must be 0).
 * What needs state (is this queue bound, was this id sent) is for the
 * caller. Nothing here allocates; the decoded data points into the buffer.
 */
#ifndef TF_QUEUE_WIRE_H
#define TF_QUEUE_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "tunfilter/queue_proto.h"

/* Header and fixed body of the largest kind (PACKET). */
#define QUEUE_WIRE_HEAD_MAX TFQ_PACKET_LEN

enum queue_wire_dir {
	QUEUE_WIRE_TO_DAEMON,   /* BIND, UNBIND, COPY_MODE, VERDICT, VERDICT_BATCH */
	QUEUE_WIRE_TO_CONSUMER, /* ACK, PACKET, ERROR */
};

struct queue_wire_msg {
	struct tfq_hdr hdr;
	union {
		struct tfq_queue_req req;
		struct tfq_verdict_msg verdict;
		struct tfq_ack_msg ack;
		struct tfq_packet_msg packet;
	} u;
	const uint8_t *data; /* VERDICT and PACKET payload, ERROR text */
	uint32_t data_len;
};

/* "BIND", "PACKET"...; "unknown" for other numbers. */
const char *queue_wire_type_name(unsigned int type);

/*
 * Decode the record buf[0..len) sent in direction dir into *m. 0, or:
 * -EPROTONOSUPPORT (another protocol version), -EMSGSIZE (longer than the
 * largest message of its direction), -EPROTO (anything else malformed);
 * err then says what, quoting the offending value.
 */
int queue_wire_decode(const void *buf, size_t len, enum queue_wire_dir dir,
		      struct queue_wire_msg *m, char *err, size_t errlen);

/*
 * Encode the header and fixed body of m into buf (size >= the message's
 * head). The version, hdr.len (head + m->data_len), and the payload_len or
 * text_len field are filled in here; the data itself is not copied (the
 * caller sends it from where it is). Returns the bytes written, 0 when the
 * type is unknown or size too small.
 */
size_t queue_wire_encode_head(struct queue_wire_msg *m, void *buf, size_t size);
/* The whole message, data included. Returns its length, 0 as above. */
size_t queue_wire_encode(struct queue_wire_msg *m, void *buf, size_t size);

/* Serial number order of ids (RFC 1982): is a after b? */
static inline int queue_wire_id_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif
