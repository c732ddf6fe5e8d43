// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Queue protocol codec. Layouts are data: one table gives, per message
 * type, its direction and fixed body size, and the decoder checks every
 * message against it before looking at fields. Records are copied into the
 * aligned struct with memcpy: a receive buffer owes us no alignment.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "queue/wire.h"

struct queue_wire_type {
	const char *name;
	enum queue_wire_dir dir;
	uint32_t body;      /* fixed body after the header */
	bool has_data;      /* variable data follows the body */
};

static const struct queue_wire_type queue_wire_types[] = {
	[TFQ_MSG_BIND] = { "BIND", QUEUE_WIRE_TO_DAEMON, sizeof(struct tfq_queue_req), false },
	[TFQ_MSG_UNBIND] = { "UNBIND", QUEUE_WIRE_TO_DAEMON, sizeof(struct tfq_queue_req), false },
	[TFQ_MSG_COPY_MODE] = { "COPY_MODE", QUEUE_WIRE_TO_DAEMON, sizeof(struct tfq_queue_req),
				false },
	[TFQ_MSG_VERDICT] = { "VERDICT", QUEUE_WIRE_TO_DAEMON, sizeof(struct tfq_verdict_msg),
			      true },
	[TFQ_MSG_VERDICT_BATCH] = { "VERDICT_BATCH", QUEUE_WIRE_TO_DAEMON,
				    sizeof(struct tfq_verdict_msg), false },
	[TFQ_MSG_ACK] = { "ACK", QUEUE_WIRE_TO_CONSUMER, sizeof(struct tfq_ack_msg), false },
	[TFQ_MSG_PACKET] = { "PACKET", QUEUE_WIRE_TO_CONSUMER, sizeof(struct tfq_packet_msg),
			     true },
	[TFQ_MSG_ERROR] = { "ERROR", QUEUE_WIRE_TO_CONSUMER, sizeof(struct tfq_ack_msg), true },
};

#define QUEUE_WIRE_NTYPES (sizeof(queue_wire_types) / sizeof(queue_wire_types[0]))

static const struct queue_wire_type *queue_wire_type(unsigned int type)
{
	if (type >= QUEUE_WIRE_NTYPES || !queue_wire_types[type].name)
		return NULL;
	return &queue_wire_types[type];
}

const char *queue_wire_type_name(unsigned int type)
{
	const struct queue_wire_type *t = queue_wire_type(type);

	return t ? t->name : "unknown";
}

static int queue_wire_err(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int queue_wire_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#define WIRE_ERR(...) queue_wire_err(err, errlen, -EPROTO, __VA_ARGS__)

static bool queue_wire_copy_mode_ok(unsigned int mode, bool allow_default)
{
	return mode <= TFQ_COPY_PACKET || (allow_default && mode == TFQ_COPY_DEFAULT);
}

static int queue_wire_check_req(const struct queue_wire_msg *m, char *err, size_t errlen)
{
	const struct tfq_queue_req *r = &m->u.req;
	const char *name = queue_wire_type_name(m->hdr.type);

	if (r->flags)
		return WIRE_ERR("%s: flags 0x%x, expected 0", name, r->flags);
	if (m->hdr.type == TFQ_MSG_UNBIND) {
		if (r->copy_mode || r->copy_range)
			return WIRE_ERR("UNBIND: copy mode %u and range %u, expected 0",
					r->copy_mode, r->copy_range);
		return 0;
	}
	if (!queue_wire_copy_mode_ok(r->copy_mode, m->hdr.type == TFQ_MSG_BIND))
		return WIRE_ERR("%s: unknown copy mode %u", name, r->copy_mode);
	if (r->copy_range > TFQ_MAX_PAYLOAD)
		return WIRE_ERR("%s: copy range %u is larger than %u", name, r->copy_range,
				TFQ_MAX_PAYLOAD);
	if (r->copy_mode != TFQ_COPY_PACKET && r->copy_range)
		return WIRE_ERR("%s: copy range %u without the packet copy mode", name,
				r->copy_range);
	return 0;
}

static int queue_wire_check_verdict(const struct queue_wire_msg *m, char *err, size_t errlen)
{
	const struct tfq_verdict_msg *v = &m->u.verdict;
	const char *name = queue_wire_type_name(m->hdr.type);

	if (v->verdict != TFQ_DROP && v->verdict != TFQ_ACCEPT && v->verdict != TFQ_REPEAT)
		return WIRE_ERR("%s: unknown verdict %u", name, v->verdict);
	if (v->flags & ~(unsigned int)TFQ_VF_MARK)
		return WIRE_ERR("%s: unknown flags 0x%x", name, v->flags);
	if (!(v->flags & TFQ_VF_MARK) && v->mark)
		return WIRE_ERR("%s: mark 0x%x without the mark flag", name, v->mark);
	if (v->payload_len != m->data_len)
		return WIRE_ERR("%s: payload length field says %u bytes, %u follow", name,
				v->payload_len, m->data_len);
	return 0;
}

/* A name field must hold its NUL. */
static bool queue_wire_name_ok(const char *name)
{
	return memchr(name, '\0', TFQ_IFNAMSIZ) != NULL;
}

static int queue_wire_check_packet(const struct queue_wire_msg *m, char *err, size_t errlen)
{
	const struct tfq_packet_msg *p = &m->u.packet;

	if (p->hook > TFQ_HOOK_POST_ROUTING)
		return WIRE_ERR("PACKET: unknown hook %u", p->hook);
	if (!queue_wire_copy_mode_ok(p->copy_mode, false))
		return WIRE_ERR("PACKET: unknown copy mode %u", p->copy_mode);
	if (p->reserved || p->reserved2)
		return WIRE_ERR("PACKET: reserved fields not 0");
	if (!queue_wire_name_ok(p->in_name) || !queue_wire_name_ok(p->out_name))
		return WIRE_ERR("PACKET: interface name without its NUL");
	if (p->payload_len != m->data_len)
		return WIRE_ERR("PACKET: payload length field says %u bytes, %u follow",
				p->payload_len, m->data_len);
	if (p->payload_len > p->orig_len)
		return WIRE_ERR("PACKET: %u bytes of payload from a packet of %u", p->payload_len,
				p->orig_len);
	return 0;
}

static int queue_wire_check_ack(const struct queue_wire_msg *m, char *err, size_t errlen)
{
	const struct tfq_ack_msg *a = &m->u.ack;

	if (a->error < 0)
		return WIRE_ERR("%s: negative error %d", queue_wire_type_name(m->hdr.type),
				a->error);
	if (a->text_len != m->data_len)
		return WIRE_ERR("%s: text length field says %u bytes, %u follow",
				queue_wire_type_name(m->hdr.type), a->text_len, m->data_len);
	if (a->text_len > TFQ_MAX_ERROR_TEXT)
		return WIRE_ERR("ERROR: text of %u bytes, at most %u", a->text_len,
				TFQ_MAX_ERROR_TEXT);
	return 0;
}

static int queue_wire_check_hdr(const void *buf, size_t len, enum queue_wire_dir dir,
				struct queue_wire_msg *m, char *err, size_t errlen)
{
	uint32_t max = dir == QUEUE_WIRE_TO_DAEMON ? TFQ_MAX_TO_DAEMON : TFQ_MAX_TO_CONSUMER;
	const struct queue_wire_type *t;

	if (len < sizeof(m->hdr))
		return WIRE_ERR("truncated message: %zu bytes, shorter than the %zu-byte header",
				len, sizeof(m->hdr));
	memcpy(&m->hdr, buf, sizeof(m->hdr));
	if (m->hdr.version != TFQ_PROTO_VERSION)
		return queue_wire_err(err, errlen, -EPROTONOSUPPORT,
				      "protocol version %u not supported (this end speaks %u)",
				      m->hdr.version, TFQ_PROTO_VERSION);
	if (len > max)
		return queue_wire_err(err, errlen, -EMSGSIZE,
				      "message of %zu bytes, larger than %u", len, max);
	if (m->hdr.len != len)
		return WIRE_ERR("length field says %u bytes, the message has %zu", m->hdr.len,
				len);
	if (m->hdr.reserved)
		return WIRE_ERR("reserved header field is %u, not 0", m->hdr.reserved);
	t = queue_wire_type(m->hdr.type);
	if (!t)
		return WIRE_ERR("unknown message type %u", m->hdr.type);
	if (t->dir != dir)
		return WIRE_ERR("message type %u (%s) goes the other way", m->hdr.type, t->name);
	if (len < sizeof(m->hdr) + t->body)
		return WIRE_ERR("truncated %s message: %zu bytes, at least %zu expected", t->name,
				len, sizeof(m->hdr) + t->body);
	if (!t->has_data && len != sizeof(m->hdr) + t->body)
		return WIRE_ERR("%s message of %zu bytes, expected %zu", t->name, len,
				sizeof(m->hdr) + t->body);
	memcpy(&m->u, (const uint8_t *)buf + sizeof(m->hdr), t->body);
	m->data = (const uint8_t *)buf + sizeof(m->hdr) + t->body;
	m->data_len = (uint32_t)(len - sizeof(m->hdr) - t->body);
	return 0;
}

int queue_wire_decode(const void *buf, size_t len, enum queue_wire_dir dir,
		      struct queue_wire_msg *m, char *err, size_t errlen)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = queue_wire_check_hdr(buf, len, dir, m, err, errlen);
	if (rc)
		return rc;
	switch (m->hdr.type) {
	case TFQ_MSG_BIND:
	case TFQ_MSG_UNBIND:
	case TFQ_MSG_COPY_MODE:
		return queue_wire_check_req(m, err, errlen);
	case TFQ_MSG_VERDICT:
		return queue_wire_check_verdict(m, err, errlen);
	case TFQ_MSG_VERDICT_BATCH:
		m->data_len = 0;
		return queue_wire_check_verdict(m, err, errlen);
	case TFQ_MSG_PACKET:
		return queue_wire_check_packet(m, err, errlen);
	default: /* ACK, ERROR */
		return queue_wire_check_ack(m, err, errlen);
	}
}

size_t queue_wire_encode_head(struct queue_wire_msg *m, void *buf, size_t size)
{
	const struct queue_wire_type *t = queue_wire_type(m->hdr.type);
	size_t head;

	if (!t)
		return 0;
	head = sizeof(m->hdr) + t->body;
	if (size < head || (!t->has_data && m->data_len))
		return 0;
	switch (m->hdr.type) {
	case TFQ_MSG_VERDICT:
	case TFQ_MSG_VERDICT_BATCH:
		m->u.verdict.payload_len = m->data_len;
		break;
	case TFQ_MSG_PACKET:
		m->u.packet.payload_len = m->data_len;
		break;
	case TFQ_MSG_ACK:
	case TFQ_MSG_ERROR:
		m->u.ack.text_len = m->data_len;
		break;
	}
	m->hdr.version = TFQ_PROTO_VERSION;
	m->hdr.len = (uint32_t)head + m->data_len;
	memcpy(buf, &m->hdr, sizeof(m->hdr));
	memcpy((uint8_t *)buf + sizeof(m->hdr), &m->u, t->body);
	return head;
}

size_t queue_wire_encode(struct queue_wire_msg *m, void *buf, size_t size)
{
	size_t head = queue_wire_encode_head(m, buf, size);

	if (!head || size - head < m->data_len)
		return 0;
	if (m->data_len)
		memcpy((uint8_t *)buf + head, m->data, m->data_len);
	return head + m->data_len;
}
