// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Encoding and decoding of control messages (see proto.h and the CONTROL
 * PROTOCOL section of tunfilter(8)). Shared by the daemon and the admin
 * tool, so it depends on libc only.
 *
 * The decoders take a payload from the peer and trust nothing in it: every
 * count is checked against the bytes actually present, sums are done in 64
 * bits so that no length can wrap, and fields are read with memcpy because
 * the payload may sit at any alignment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "control/proto.h"

#define CTL_HDR_LEN sizeof(struct ctl_hdr)
#define CTL_REQ_FIXED (3 * sizeof(uint32_t))
#define CTL_REPLY_FIXED (2 * sizeof(uint32_t))

_Static_assert(sizeof(struct ctl_hdr) == 16, "ctl_hdr is 16 bytes on the wire");

int ctl_hdr_check(const struct ctl_hdr *h)
{
	if (h->magic != CTL_MAGIC)
		return -EPROTO;
	if (h->version != CTL_VERSION)
		return -EPROTONOSUPPORT;
	if (h->type < CTL_REQUEST || h->type > CTL_EVENT)
		return -EPROTO;
	if (h->len > CTL_MAX_PAYLOAD)
		return -EMSGSIZE;
	return 0;
}

static uint32_t ctl_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t *ctl_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static uint8_t *ctl_put(uint8_t *p, const void *src, size_t n)
{
	if (n)
		memcpy(p, src, n);
	return p + n;
}

/* Allocate header + payload of plen bytes and fill in the header. */
static int ctl_msg_new(enum ctl_type type, int status, uint64_t plen, uint8_t **buf, size_t *len)
{
	struct ctl_hdr h = {
		.magic = CTL_MAGIC,
		.version = CTL_VERSION,
		.type = type,
		.status = status,
	};

	if (plen > CTL_MAX_PAYLOAD)
		return -EMSGSIZE;
	h.len = (uint32_t)plen;
	*len = CTL_HDR_LEN + (size_t)plen;
	*buf = malloc(*len);
	if (!*buf)
		return -ENOMEM;
	memcpy(*buf, &h, sizeof(h));
	return 0;
}

int ctl_request_encode(uint32_t flags, int argc, char *const argv[], const char *input,
		       uint32_t input_len, uint8_t **buf, size_t *len)
{
	uint64_t plen = CTL_REQ_FIXED + (uint64_t)input_len;
	uint8_t *p;
	int i, ret;

	if (argc < 0 || (argc > 0 && !argv) || (input_len && !input))
		return -EINVAL;
	if ((unsigned int)argc > CTL_MAX_ARGS)
		return -E2BIG;
	for (i = 0; i < argc; i++) {
		if (!argv[i])
			return -EINVAL;
		plen += strlen(argv[i]) + 1;
		if (plen > CTL_MAX_PAYLOAD)
			return -EMSGSIZE;
	}
	ret = ctl_msg_new(CTL_REQUEST, 0, plen, buf, len);
	if (ret)
		return ret;
	p = *buf + CTL_HDR_LEN;
	p = ctl_put32(p, flags);
	p = ctl_put32(p, (uint32_t)argc);
	p = ctl_put32(p, input_len);
	for (i = 0; i < argc; i++)
		p = ctl_put(p, argv[i], strlen(argv[i]) + 1);
	ctl_put(p, input, input_len);
	return 0;
}

/*
 * The strings area lies between the fixed part and the input, and must hold
 * exactly argc NUL-terminated strings: no string may run into the input and
 * no byte may be left over, so that one payload has exactly one reading.
 */
int ctl_request_decode(const uint8_t *payload, uint32_t len, struct ctl_request *req)
{
	const uint8_t *p, *end;
	uint32_t argc, i;

	if (!payload || len < CTL_REQ_FIXED)
		return -EPROTO;
	req->flags = ctl_get32(payload);
	argc = ctl_get32(payload + 4);
	req->input_len = ctl_get32(payload + 8);
	if (argc > CTL_MAX_ARGS || req->input_len > len - CTL_REQ_FIXED)
		return -EPROTO;
	p = payload + CTL_REQ_FIXED;
	end = payload + len - req->input_len;
	for (i = 0; i < argc; i++) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));

		if (!nul)
			return -EPROTO;
		req->argv[i] = (const char *)p;
		p = nul + 1;
	}
	if (p != end)
		return -EPROTO;
	req->argc = argc;
	req->input = req->input_len ? (const char *)end : NULL;
	return 0;
}

int ctl_reply_encode(int status, const char *out, uint32_t out_len, const char *err,
		     uint32_t err_len, uint8_t **buf, size_t *len)
{
	uint64_t plen = CTL_REPLY_FIXED + (uint64_t)out_len + err_len;
	uint8_t *p;
	int ret;

	if ((out_len && !out) || (err_len && !err))
		return -EINVAL;
	ret = ctl_msg_new(CTL_REPLY, status, plen, buf, len);
	if (ret)
		return ret;
	p = *buf + CTL_HDR_LEN;
	p = ctl_put32(p, out_len);
	p = ctl_put32(p, err_len);
	p = ctl_put(p, out, out_len);
	ctl_put(p, err, err_len);
	return 0;
}

int ctl_event_encode(const char *text, uint32_t len, uint8_t **buf, size_t *blen)
{
	int ret;

	if (len && !text)
		return -EINVAL;
	ret = ctl_msg_new(CTL_EVENT, 0, len, buf, blen);
	if (ret)
		return ret;
	ctl_put(*buf + CTL_HDR_LEN, text, len);
	return 0;
}

int ctl_reply_decode(const uint8_t *payload, uint32_t len, const char **out, uint32_t *out_len,
		     const char **err, uint32_t *err_len)
{
	uint32_t olen, elen;

	if (!payload || len < CTL_REPLY_FIXED)
		return -EPROTO;
	olen = ctl_get32(payload);
	elen = ctl_get32(payload + 4);
	if ((uint64_t)olen + elen != len - CTL_REPLY_FIXED)
		return -EPROTO;
	*out = (const char *)payload + CTL_REPLY_FIXED;
	*out_len = olen;
	*err = *out + olen;
	*err_len = elen;
	return 0;
}
