// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rule language. The tokenizer follows iptables-restore's
 * add_param_to_argv(); the parser follows iptables' do_command() for the
 * rule part: the ip part options, "!" before an option, "-m NAME" loading a
 * match whose options are then accepted, "-p tcp" loading tcp implicitly
 * when one of its options follows, "-j"/"-g", "-c". Unlike iptables it
 * resolves no host names and refuses what it does not know, saying what.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tables/parse.h"

/* ---- tokenizer ---- */

int parse_tokenize(const char *line, struct parse_tokens *t, struct xt_parse *ps)
{
	size_t len = strlen(line);
	bool quote = false, esc = false, in_tok = false;
	char *w;
	int n = 0, cap = 8;

	memset(t, 0, sizeof(*t));
	t->buf = malloc(len + 1);
	t->argv = malloc((size_t)cap * sizeof(*t->argv));
	if (!t->buf || !t->argv) {
		parse_tokens_free(t);
		return -ENOMEM;
	}
	w = t->buf;
	for (; *line; line++) {
		char ch = *line;

		if (quote) {
			if (esc) {
				esc = false;
			} else if (ch == '\\') {
				esc = true;
				continue;
			} else if (ch == '"') {
				/* A closing quote ends the token, as in iptables. */
				quote = false;
				goto end_token;
			}
			*w++ = ch;
			continue;
		}
		if (ch == '"') {
			if (!in_tok) {
				t->argv[n] = w;
				in_tok = true;
			}
			quote = true;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (in_tok)
				goto end_token;
			continue;
		}
		if (!in_tok) {
			t->argv[n] = w;
			in_tok = true;
		}
		*w++ = ch;
		continue;
end_token:
		*w++ = '\0';
		in_tok = false;
		if (++n == cap) {
			char **v = realloc(t->argv, (size_t)(cap *= 2) * sizeof(*v));

			if (!v) {
				parse_tokens_free(t);
				return -ENOMEM;
			}
			t->argv = v;
		}
	}
	if (quote) {
		parse_tokens_free(t);
		return xt_error(ps, "unterminated quote");
	}
	if (in_tok) {
		*w++ = '\0';
		n++;
	}
	/* After a token ends, n < cap; the last one may have reached it. */
	if (n == cap) {
		char **v = realloc(t->argv, (size_t)(cap + 1) * sizeof(*v));

		if (!v) {
			parse_tokens_free(t);
			return -ENOMEM;
		}
		t->argv = v;
	}
	t->argv[n] = NULL;
	t->argc = n;
	return 0;
}

void parse_tokens_free(struct parse_tokens *t)
{
	free(t->argv);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

/* ---- did you mean ---- */

unsigned int parse_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[64], prev, tmp;

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = prev + (a[i - 1] != b[j - 1]);

			tmp = row[j];
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* ---- the parser's state ---- */

enum parse_opt {
	PO_SRC = 1, PO_DST, PO_IN, PO_OUT, PO_PROTO, PO_FRAG, PO_MATCH, PO_JUMP, PO_GOTO,
	PO_COUNTERS,
};

#define PARSE_OPT(n, i, arg, inv) { .name = n, .id = i, .has_arg = arg, .invertible = inv }
static const struct xt_option parse_ip_opts[] = {
	PARSE_OPT("-s", PO_SRC, true, true), PARSE_OPT("--source", PO_SRC, true, true),
	PARSE_OPT("--src", PO_SRC, true, true),
	PARSE_OPT("-d", PO_DST, true, true), PARSE_OPT("--destination", PO_DST, true, true),
	PARSE_OPT("--dst", PO_DST, true, true),
	PARSE_OPT("-i", PO_IN, true, true), PARSE_OPT("--in-interface", PO_IN, true, true),
	PARSE_OPT("-o", PO_OUT, true, true), PARSE_OPT("--out-interface", PO_OUT, true, true),
	PARSE_OPT("-p", PO_PROTO, true, true), PARSE_OPT("--protocol", PO_PROTO, true, true),
	PARSE_OPT("-f", PO_FRAG, false, true), PARSE_OPT("--fragment", PO_FRAG, false, true),
	PARSE_OPT("-m", PO_MATCH, true, false), PARSE_OPT("--match", PO_MATCH, true, false),
	PARSE_OPT("-j", PO_JUMP, true, false), PARSE_OPT("--jump", PO_JUMP, true, false),
	PARSE_OPT("-g", PO_GOTO, true, false), PARSE_OPT("--goto", PO_GOTO, true, false),
	PARSE_OPT("-c", PO_COUNTERS, true, false),
	PARSE_OPT("--set-counters", PO_COUNTERS, true, false),
	{ .name = NULL },
};

struct parse_state {
	struct xt_parse *ps;
	struct rule *r;
	int argc, i;
	char *const *argv;
	bool implicit_done;  /* the -p protocol's match was loaded (as iptables' proto_used) */
	const char *inline_arg; /* "--opt=value": the value, until taken */
};

static const struct xt_option *parse_find_opt(const struct xt_option *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

static void parse_suggest_from(const struct xt_option *opts, const char *name,
			       const char **best, unsigned int *dist)
{
	for (; opts && opts->name; opts++) {
		unsigned int d = parse_distance(name, opts->name);

		if (d < *dist) {
			*dist = d;
			*best = opts->name;
		}
	}
}

/* The message for an option nobody loaded declares: the nearest known
 * option when it is close, or the extension it belongs to. */
static int parse_unknown_option(struct parse_state *st, const char *name)
{
	const struct xt_match_ops *im = st->ps->proto ? xt_match_implicit(st->ps->proto) : NULL;
	const struct xt_match_ops *m;
	const char *best = NULL;
	unsigned int dist = ~0u, i;

	parse_suggest_from(parse_ip_opts, name, &best, &dist);
	for (i = 0; i < st->r->n_matches; i++)
		parse_suggest_from(st->r->matches[i].ops->opts, name, &best, &dist);
	if (st->r->target)
		parse_suggest_from(st->r->target->opts, name, &best, &dist);
	if (im && !st->implicit_done)
		parse_suggest_from(im->opts, name, &best, &dist);
	if (best && dist <= 2 && dist * 3 <= strlen(name))
		return xt_error(st->ps, "unknown option \"%s\" (did you mean %s?)", name, best);
	for (i = 0; (m = xt_match_at(i)) != NULL; i++)
		if (parse_find_opt(m->opts, name))
			return xt_error(st->ps, "unknown option \"%s\" (it belongs to -m %s)", name,
					m->name);
	return xt_error(st->ps, "unknown option \"%s\"", name);
}

/* The argument of option opt, refusing iptables' old "--opt ! value". */
static int parse_arg(struct parse_state *st, const char *opt, const char **arg)
{
	if (st->inline_arg) {
		*arg = st->inline_arg;
		st->inline_arg = NULL;
		return 0;
	}
	if (st->i >= st->argc)
		return xt_error(st->ps, "option \"%s\" requires an argument", opt);
	*arg = st->argv[st->i++];
	if (strcmp(*arg, "!") == 0)
		return xt_error(st->ps,
				"\"%s ! ...\": write the \"!\" before the option (\"! %s ...\")", opt,
				opt);
	return 0;
}

/* ---- the ip part ---- */

/* "a.b.c.d" with 1 to 4 parts, missing parts zero (as iptables reads
 * "10/8" and "0/0"). Network order out. */
static int parse_dotted(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int parts = 0;

	while (*s) {
		unsigned int n = 0, digits = 0;

		while (isdigit((unsigned char)*s) && digits < 4) {
			n = n * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (!digits || n > 255 || parts == 4)
			return -EINVAL;
		v |= n << (24 - 8 * parts++);
		if (*s == '.' && s[1])
			s++;
		else if (*s)
			return -EINVAL;
	}
	if (!parts)
		return -EINVAL;
	*out = htonl(v);
	return 0;
}

static int parse_addr(struct xt_parse *ps, const char *opt, const char *arg, uint32_t *addr,
		      uint32_t *mask)
{
	char buf[64];
	char *slash;
	const char *s;
	uint32_t m;

	if (strchr(arg, ','))
		return xt_error(ps, "\"%s\": one address per rule (write a rule for each)", arg);
	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid address for %s", arg, opt);
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (parse_dotted(buf, addr) < 0) {
		for (s = buf; *s; s++)
			if (isalpha((unsigned char)*s) || *s == '-')
				return xt_error(ps,
						"host names are not resolved: \"%s\" is not an address",
						buf);
		return xt_error(ps, "\"%s\" is not a valid address for %s", arg, opt);
	}
	if (!slash) {
		m = 0xffffffffu;
	} else if (strchr(slash, '.')) {
		if (parse_dotted(slash, &m) < 0)
			return xt_error(ps, "\"%s\" is not a valid mask for %s", slash, opt);
		m = ntohl(m);
	} else {
		uint32_t plen;

		if (xt_parse_u32(ps, opt, slash, 0, 32, &plen) < 0)
			return -EINVAL;
		m = plen ? 0xffffffffu << (32 - plen) : 0;
	}
	*mask = htonl(m);
	*addr &= *mask;
	return 0;
}

static int parse_iface(struct xt_parse *ps, const char *opt, const char *arg, char *name,
		       uint8_t *len)
{
	size_t n = strlen(arg);
	const char *s;

	if (n == 0 || n >= IFNAMSIZ)
		return xt_error(ps, "interface name \"%s\" must be 1 to %d characters", arg,
				IFNAMSIZ - 1);
	for (s = arg; *s; s++)
		if (*s == '/' || isspace((unsigned char)*s) || !isprint((unsigned char)*s) ||
		    (*s == '+' && s[1]))
			return xt_error(ps, "\"%s\" is not a valid interface name for %s", arg, opt);
	memcpy(name, arg, n + 1);
	/* "eth+" compares the prefix "eth"; "eth0" compares with its NUL. */
	*len = (uint8_t)(arg[n - 1] == '+' ? n - 1 : n + 1);
	return 0;
}

static int parse_proto(struct xt_parse *ps, const char *arg, uint16_t *out)
{
	struct protoent pe, *res = NULL;
	char name[32], buf[1024];
	uint32_t v;
	size_t i;

	if (strlen(arg) >= sizeof(name))
		return xt_error(ps, "unknown protocol \"%s\" specified", arg);
	for (i = 0; arg[i]; i++)
		name[i] = (char)tolower((unsigned char)arg[i]);
	name[i] = '\0';
	if (strcmp(name, "all") == 0) {
		*out = 0;
		return 0;
	}
	if (isdigit((unsigned char)name[0])) {
		if (xt_parse_u32(ps, "-p", name, 0, 255, &v) < 0)
			return -EINVAL;
		*out = (uint16_t)v;
		return 0;
	}
	if (getprotobyname_r(name, &pe, buf, sizeof(buf), &res) == 0 && res) {
		*out = (uint16_t)res->p_proto;
		return 0;
	}
	if (strcmp(name, "icmp") == 0 || strcmp(name, "tcp") == 0 || strcmp(name, "udp") == 0) {
		/* A system without /etc/protocols still knows these. */
		*out = name[0] == 'i' ? 1 : name[0] == 't' ? 6 : 17;
		return 0;
	}
	return xt_error(ps, "unknown protocol \"%s\" specified", arg);
}

static int parse_u64(struct xt_parse *ps, const char *what, const char *arg, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)arg[0]))
		goto bad;
	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || *end)
		goto bad;
	return 0;
bad:
	return xt_error(ps, "-c %s counter not numeric: \"%s\"", what, arg);
}

static int parse_once(struct parse_state *st, unsigned int flag, const char *opt)
{
	if (st->r->flags & flag)
		return xt_error(st->ps, "multiple %s flags not allowed", opt);
	st->r->flags |= (uint8_t)flag;
	return 0;
}

/* ---- extensions ---- */

static int parse_add_match(struct parse_state *st, const struct xt_match_ops *ops)
{
	struct rule *r = st->r;
	struct rule_match *v = realloc(r->matches, (r->n_matches + 1) * sizeof(*v));
	struct rule_match *m;

	if (!v)
		return -ENOMEM;
	r->matches = v;
	m = &v[r->n_matches];
	m->ops = ops;
	m->data = calloc(1, ops->size ? ops->size : 1);
	m->state = ops->state_size ? calloc(1, ops->state_size) : NULL;
	if (!m->data || (ops->state_size && !m->state)) {
		free(m->data);
		free(m->state);
		return -ENOMEM;
	}
	r->n_matches++;
	return 0;
}

static int parse_target(struct parse_state *st, const char *name, bool go)
{
	static const struct { const char *name; enum rule_verdict v; } std[] = {
		{ "ACCEPT", RULE_V_ACCEPT }, { "DROP", RULE_V_DROP }, { "RETURN", RULE_V_RETURN },
	};
	struct rule *r = st->r;
	const char *c;
	unsigned int i;

	if (r->verdict != RULE_V_NONE)
		return xt_error(st->ps, "multiple -j flags not allowed");
	/* iptables' parse_target: no chain or target name holds a space, and
	 * one that did could not be saved and restored as the same rule. */
	for (c = name; *c; c++)
		if (isspace((unsigned char)*c) || !isprint((unsigned char)*c))
			return xt_error(st->ps, "Invalid target name `%s'", name);
	for (i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
		if (strcmp(name, std[i].name) == 0) {
			if (go)
				return xt_error(st->ps, "-g %s: goto needs a user chain", name);
			r->verdict = std[i].v;
			return 0;
		}
	}
	if (!go && (r->target = xt_target_find(name)) != NULL) {
		r->verdict = RULE_V_TARGET;
		r->tdata = calloc(1, r->target->size ? r->target->size : 1);
		r->tstate = r->target->state_size ? calloc(1, r->target->state_size) : NULL;
		if (!r->tdata || (r->target->state_size && !r->tstate))
			return -ENOMEM;
		return 0;
	}
	if (strlen(name) > RULE_CHAIN_NAME_MAX || !name[0] || name[0] == '-')
		return xt_error(st->ps, "unknown target \"%s\"", name);
	/* A user chain: that it exists is checked when the rule is added. */
	r->verdict = go ? RULE_V_GOTO : RULE_V_JUMP;
	snprintf(r->jump, sizeof(r->jump), "%s", name);
	return 0;
}

/* An option of two words (--tcp-flags MASK COMP): parse() gets them
 * joined by one space. m NULL: the target's option. */
static int parse_ext_two(struct parse_state *st, const struct xt_option *o,
			 struct rule_match *m, bool inv)
{
	const char *a, *b;
	char *both;
	int e;

	if ((e = parse_arg(st, o->name, &a)) != 0)
		return e;
	if (st->i >= st->argc)
		return xt_error(st->ps, "option \"%s\" requires two arguments", o->name);
	b = st->argv[st->i++];
	if (asprintf(&both, "%s %s", a, b) < 0)
		return -ENOMEM;
	if (m)
		e = m->ops->parse(m->data, o->id, both, inv, st->ps);
	else
		e = st->r->target->parse(st->r->tdata, o->id, both, inv, st->ps);
	free(both);
	return e < 0 ? -EINVAL : 0;
}

/* Hand an extension option to whoever declared it: the target, then the
 * matches from the latest, then the -p protocol's match loaded
 * implicitly. 1 when nobody did. */
static int parse_ext_option(struct parse_state *st, const char *name, bool inv)
{
	struct rule *r = st->r;
	const struct xt_option *o = NULL;
	const struct xt_match_ops *im;
	struct rule_match *m = NULL;
	const char *arg = NULL;
	int i, e;

	if (r->verdict == RULE_V_TARGET)
		o = parse_find_opt(r->target->opts, name);
	for (i = (int)r->n_matches - 1; !o && i >= 0; i--) {
		o = parse_find_opt(r->matches[i].ops->opts, name);
		if (o)
			m = &r->matches[i];
	}
	if (!o && !st->implicit_done && st->ps->proto &&
	    (im = xt_match_implicit(st->ps->proto)) != NULL &&
	    (o = parse_find_opt(im->opts, name)) != NULL) {
		e = parse_add_match(st, im);
		if (e)
			return e;
		st->implicit_done = true;
		m = &r->matches[r->n_matches - 1];
	}
	if (!o)
		return 1;
	if (inv && !o->invertible)
		return xt_error(st->ps, "\"!\" is not allowed before %s", name);
	if (o->two_args)
		return parse_ext_two(st, o, m, inv);
	if (o->has_arg && (e = parse_arg(st, name, &arg)) != 0)
		return e;
	if (m)
		return m->ops->parse(m->data, o->id, arg, inv, st->ps) < 0 ? -EINVAL : 0;
	return r->target->parse(r->tdata, o->id, arg, inv, st->ps) < 0 ? -EINVAL : 0;
}

/* ---- the rule ---- */

static int parse_ip_option(struct parse_state *st, const struct xt_option *o, bool inv)
{
	struct rule *r = st->r;
	struct xt_parse *ps = st->ps;
	const char *arg = NULL, *arg2;
	const struct xt_match_ops *m;
	int e;

	if (inv && !o->invertible)
		return xt_error(ps, "\"!\" is not allowed before %s", o->name);
	if (o->has_arg && (e = parse_arg(st, o->name, &arg)) != 0)
		return e;
	switch (o->id) {
	case PO_SRC:
		if ((e = parse_once(st, RULE_F_SRC, "-s")) || (e = parse_addr(ps, "-s", arg, &r->src,
									      &r->smsk)))
			return e;
		r->invflags |= inv ? RULE_INV_SRC : 0;
		return 0;
	case PO_DST:
		if ((e = parse_once(st, RULE_F_DST, "-d")) || (e = parse_addr(ps, "-d", arg, &r->dst,
									      &r->dmsk)))
			return e;
		r->invflags |= inv ? RULE_INV_DST : 0;
		return 0;
	case PO_IN:
		if ((e = parse_once(st, RULE_F_IN, "-i")) ||
		    (e = parse_iface(ps, "-i", arg, r->iniface, &r->inlen)))
			return e;
		r->invflags |= inv ? RULE_INV_IN : 0;
		return 0;
	case PO_OUT:
		if ((e = parse_once(st, RULE_F_OUT, "-o")) ||
		    (e = parse_iface(ps, "-o", arg, r->outiface, &r->outlen)))
			return e;
		r->invflags |= inv ? RULE_INV_OUT : 0;
		return 0;
	case PO_PROTO:
		if ((e = parse_once(st, RULE_F_PROTO, "-p")) || (e = parse_proto(ps, arg, &r->proto)))
			return e;
		if (inv && !r->proto)
			return xt_error(ps, "rule would never match protocol");
		r->invflags |= inv ? RULE_INV_PROTO : 0;
		ps->proto = r->proto;
		ps->proto_inv = inv;
		return 0;
	case PO_FRAG:
		if ((e = parse_once(st, RULE_F_FRAG, "-f")))
			return e;
		r->invflags |= inv ? RULE_INV_FRAG : 0;
		return 0;
	case PO_MATCH:
		m = xt_match_find(arg);
		if (!m)
			return xt_error(ps, "unknown match \"%s\"", arg);
		/* An explicit "-m tcp" with "-p tcp" is the protocol's match. */
		if (m->proto && m->proto == ps->proto)
			st->implicit_done = true;
		return parse_add_match(st, m);
	case PO_JUMP:
	case PO_GOTO:
		return parse_target(st, arg, o->id == PO_GOTO);
	case PO_COUNTERS:
		if (st->i >= st->argc)
			return xt_error(ps, "-c packet and byte counters required");
		arg2 = st->argv[st->i++];
		if ((e = parse_u64(ps, "packet", arg, &r->init.pkts)) ||
		    (e = parse_u64(ps, "byte", arg2, &r->init.bytes)))
			return e;
		r->flags |= RULE_F_COUNTS;
		return 0;
	}
	return -EINVAL;
}

static int parse_one(struct parse_state *st)
{
	const char *tok = st->argv[st->i++], *eq;
	const struct xt_option *o;
	char name[64];
	bool inv = false;
	int e;

	if (strcmp(tok, "!") == 0) {
		if (st->i >= st->argc)
			return xt_error(st->ps, "\"!\" at the end of the rule");
		tok = st->argv[st->i++];
		if (strcmp(tok, "!") == 0)
			return xt_error(st->ps, "multiple consecutive ! not allowed");
		inv = true;
	}
	if (tok[0] != '-' || !tok[1])
		return xt_error(st->ps, "Bad argument \"%s\"", tok);
	/* getopt's "--option=value" */
	eq = tok[1] == '-' ? strchr(tok, '=') : NULL;
	if (eq) {
		if ((size_t)(eq - tok) >= sizeof(name))
			return parse_unknown_option(st, tok);
		memcpy(name, tok, (size_t)(eq - tok));
		name[eq - tok] = '\0';
		tok = name;
		st->inline_arg = eq + 1;
	}
	o = parse_find_opt(parse_ip_opts, tok);
	if (o)
		e = parse_ip_option(st, o, inv);
	else
		e = parse_ext_option(st, tok, inv);
	if (e == 1)
		return parse_unknown_option(st, tok);
	if (!e && st->inline_arg)
		return xt_error(st->ps, "option \"%s\" takes no value (\"%s=%s\")", tok, tok,
				st->inline_arg);
	return e;
}

static int parse_final(struct parse_state *st)
{
	struct rule *r = st->r;
	unsigned int i;

	for (i = 0; i < r->n_matches; i++) {
		const struct rule_match *m = &r->matches[i];

		if (m->ops->final && m->ops->final(m->data, st->ps) < 0)
			return -EINVAL;
	}
	if (r->verdict == RULE_V_TARGET && r->target->final &&
	    r->target->final(r->tdata, st->ps) < 0)
		return -EINVAL;
	return 0;
}

int parse_rule(int argc, char *const *argv, struct xt_parse *ps, struct rule **out)
{
	struct parse_state st = { .ps = ps, .argc = argc, .argv = argv };
	int e = 0;

	*out = NULL;
	ps->proto = 0;
	ps->proto_inv = false;
	st.r = calloc(1, sizeof(*st.r));
	if (!st.r)
		return -ENOMEM;
	st.r->line = ps->line;
	if (ps->file && !(st.r->file = strdup(ps->file)))
		e = -ENOMEM;
	while (!e && st.i < argc)
		e = parse_one(&st);
	if (!e)
		e = parse_final(&st);
	if (e) {
		if (e == -ENOMEM)
			xt_error(ps, "out of memory");
		rule_free(st.r);
		return e < 0 ? e : -EINVAL;
	}
	/* -s 0/0 matches everything: as iptables, it is no match at all. */
	if ((st.r->flags & RULE_F_SRC) && !st.r->smsk && !(st.r->invflags & RULE_INV_SRC))
		st.r->flags &= (uint8_t)~RULE_F_SRC;
	if ((st.r->flags & RULE_F_DST) && !st.r->dmsk && !(st.r->invflags & RULE_INV_DST))
		st.r->flags &= (uint8_t)~RULE_F_DST;
	if ((st.r->flags & RULE_F_PROTO) && !st.r->proto && !(st.r->invflags & RULE_INV_PROTO))
		st.r->flags &= (uint8_t)~RULE_F_PROTO;
	*out = st.r;
	return 0;
}
