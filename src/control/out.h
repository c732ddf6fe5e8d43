/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One print path for text and JSON (as iproute2's json_print): every value
 * is printed by one call that names its JSON key and its text format, and
 * the output mode decides which is used. A listing written once therefore
 * cannot drift between the two forms.
 *
 *   out_obj_open(o, NULL);                       // JSON: {    text: nothing
 *   out_str(o, "name", "%s: ", ifc->name);       // "name":"lan0"  / lan0:
 *   out_u64(o, "rx_packets", "rx %" PRIu64, n);  // "rx_packets":5 / rx 5
 *   out_nl(o);                                   // text only: newline
 *   out_obj_close(o);
 *
 * A NULL text format prints nothing in text mode; a NULL key prints
 * nothing in JSON mode. Inside a JSON array the key is not printed, but it
 * must still be non-NULL for the element to appear. The text format takes
 * exactly one conversion of the value's type (%s for out_str and out_bool,
 * which prints "true"/"false"; PRIu64 / PRId64 for the integers); any other
 * format prints "(bad format)" instead of risking undefined behaviour.
 * The buffer grows as needed (control path only). A JSON document ends with
 * a newline when its top-level container closes.
 */
#ifndef TF_CONTROL_OUT_H
#define TF_CONTROL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t len, cap;
	bool json;
	bool oom;           /* an allocation failed: output incomplete */
	unsigned int depth;
	bool need_comma[32];
	uint32_t is_array;  /* bit n: the container at depth n is an array */
};

void out_init(struct out *o, bool json);
void out_free(struct out *o);

void out_obj_open(struct out *o, const char *key);
void out_obj_close(struct out *o);
void out_arr_open(struct out *o, const char *key);
void out_arr_close(struct out *o);

void out_str(struct out *o, const char *key, const char *textfmt, const char *val);
void out_u64(struct out *o, const char *key, const char *textfmt, uint64_t val);
void out_i64(struct out *o, const char *key, const char *textfmt, int64_t val);
void out_bool(struct out *o, const char *key, const char *textfmt, bool val);
/* Text only (ignored in JSON mode). */
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_nl(struct out *o);

/* Raw append in either mode (used by the text builders). */
void out_append(struct out *o, const char *s, size_t n);

#endif
