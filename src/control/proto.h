/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol between `tunfilter` and tunfilterd, over a Unix
 * stream socket. Every message is a fixed header followed by len bytes of
 * payload; all integers are in host byte order (the socket is local).
 * Documented in tunfilter(8), section CONTROL PROTOCOL.
 *
 *   struct ctl_hdr { magic "TFC1", version 1, type, len, status }
 *
 * CTL_REQUEST payload (client -> daemon):
 *   u32 flags (CTL_F_*), u32 argc, u32 input_len,
 *   argc NUL-terminated strings (the command line after the program name),
 *   input_len bytes of input (restore text; may be 0).
 * CTL_REPLY payload (daemon -> client), the last message of a request:
 *   u32 out_len, u32 err_len, out_len bytes for stdout, err_len for stderr;
 *   hdr.status is the exit code (0 ok, 1 error, 2 bad parameter).
 * CTL_EVENT payload (daemon -> client), zero or more before the reply of a
 *   streaming command (monitor): text or one JSON object, for stdout.
 *
 * A request larger than CTL_MAX_PAYLOAD, a bad magic or an unknown version
 * is answered with an error reply (status 1) and the connection is closed.
 */
#ifndef TF_CONTROL_PROTO_H
#define TF_CONTROL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CTL_MAGIC 0x31434654u /* "TFC1" in memory on little endian */
#define CTL_VERSION 1
#define CTL_MAX_PAYLOAD (16u << 20)
#define CTL_MAX_ARGS 1024u

enum ctl_type {
	CTL_REQUEST = 1,
	CTL_REPLY = 2,
	CTL_EVENT = 3,
};

enum {
	CTL_F_JSON = 1u << 0, /* -j: answer in JSON */
};

struct ctl_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;
	int32_t status;
};

struct ctl_request {
	uint32_t flags;
	uint32_t argc;
	const char *argv[CTL_MAX_ARGS]; /* point into the payload */
	const char *input;
	uint32_t input_len;
};

/* Check a received header. 0, -EPROTO (bad magic or type), -EPROTONOSUPPORT
 * (version), -EMSGSIZE (len too large). */
int ctl_hdr_check(const struct ctl_hdr *h);

/* Encode a request into a malloc'd buffer (header included). 0 or -errno. */
int ctl_request_encode(uint32_t flags, int argc, char *const argv[], const char *input,
		       uint32_t input_len, uint8_t **buf, size_t *len);
/* Decode a request payload (after the header); pointers refer into payload.
 * 0 or -EPROTO (malformed: counts disagree, strings not terminated). */
int ctl_request_decode(const uint8_t *payload, uint32_t len, struct ctl_request *req);

/* Encode a reply or event into a malloc'd buffer. 0 or -errno. */
int ctl_reply_encode(int status, const char *out, uint32_t out_len, const char *err,
		     uint32_t err_len, uint8_t **buf, size_t *len);
int ctl_event_encode(const char *text, uint32_t len, uint8_t **buf, size_t *blen);
/* Decode a reply payload. 0 or -EPROTO. */
int ctl_reply_decode(const uint8_t *payload, uint32_t len, const char **out, uint32_t *out_len,
		     const char **err, uint32_t *err_len);

#endif
