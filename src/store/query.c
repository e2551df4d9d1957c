/* Datadog search syntax: a recursive-descent parser and its evaluator. */
#include "query.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value with wildcards: wild[i] marks an unescaped '*' or '?'. */
typedef struct pattern {
	char *text;
	uint8_t *wild;
	size_t len;
	bool has_wild;
} pattern;

typedef enum value_kind { V_PATTERN, V_EXISTS, V_COMPARE, V_RANGE } value_kind;
typedef enum compare_op { OP_EQ, OP_GT, OP_GE, OP_LT, OP_LE } compare_op;

typedef enum node_kind { N_ALL, N_AND, N_OR, N_NOT, N_TERM } node_kind;

typedef struct node {
	node_kind kind;
	struct node *a, *b;
	/* N_TERM */
	char *key;        /* NULL: free text; "@name" for attributes */
	value_kind vkind;
	pattern pat;
	compare_op op;
	double num, lo, hi;
	bool lo_incl, hi_incl;
} node;

struct pgo_query {
	node *root;
};

typedef struct parser {
	const char *s;
	size_t pos, len;
	query_error *err;
	int depth;
} parser;

/* Nesting deeper than this is refused rather than risking the stack; so is
 * a query longer than MAX_QUERY bytes, which bounds the depth of the tree
 * that a long chain of terms builds. */
#define MAX_DEPTH 64
#define MAX_QUERY 4096

static void node_free(node *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->key);
	free(n->pat.text);
	free(n->pat.wild);
	free(n);
}

static int fail(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *p, size_t at, const char *fmt, ...)
{
	if (p->err) {
		char what[160];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		p->err->position = at;
		snprintf(p->err->message, sizeof p->err->message, "position %zu: %s", at, what);
	}
	return -1;
}

static node *new_node(node_kind kind, node *a, node *b)
{
	node *n = calloc(1, sizeof *n);
	if (n) {
		n->kind = kind;
		n->a = a;
		n->b = b;
	}
	return n;
}

static void skip_space(parser *p)
{
	while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static bool at_end(parser *p)
{
	return p->pos >= p->len;
}

static char peek(parser *p)
{
	return p->pos < p->len ? p->s[p->pos] : '\0';
}

/* An operator word stands alone: followed by space, '(' or the end. */
static bool keyword(parser *p, const char *word)
{
	size_t n = strlen(word);
	if (p->len - p->pos < n || strncmp(p->s + p->pos, word, n) != 0)
		return false;
	char next = p->pos + n < p->len ? p->s[p->pos + n] : '\0';
	return next == '\0' || isspace((unsigned char)next) || next == '(';
}

static bool ends_word(char c)
{
	return c == '\0' || isspace((unsigned char)c) || c == '(' || c == ')';
}

/* Reads a bare word (stopping at space or parentheses, and at ':' when
 * stop_colon), resolving escapes and marking wildcards. */
static int read_word(parser *p, bool stop_colon, pattern *out)
{
	size_t start = p->pos;
	out->text = malloc(p->len - p->pos + 1);
	out->wild = malloc(p->len - p->pos + 1);
	out->len = 0;
	out->has_wild = false;
	if (!out->text || !out->wild)
		return fail(p, start, "out of memory");
	while (!at_end(p)) {
		char c = p->s[p->pos];
		if (ends_word(c) || (stop_colon && c == ':'))
			break;
		bool escaped = false;
		if (c == '\\') {
			if (p->pos + 1 >= p->len)
				return fail(p, p->pos, "a backslash at the end escapes nothing");
			c = p->s[++p->pos];
			escaped = true;
		}
		bool wild = !escaped && (c == '*' || c == '?');
		out->text[out->len] = c;
		out->wild[out->len++] = wild;
		out->has_wild |= wild;
		p->pos++;
	}
	out->text[out->len] = '\0';
	return 0;
}

static int read_quoted(parser *p, pattern *out)
{
	size_t start = p->pos++;
	out->text = malloc(p->len - p->pos + 1);
	out->wild = calloc(p->len - p->pos + 1, 1);
	out->len = 0;
	out->has_wild = false;
	if (!out->text || !out->wild)
		return fail(p, start, "out of memory");
	for (;;) {
		if (at_end(p))
			return fail(p, start, "the quote opened here is never closed");
		char c = p->s[p->pos++];
		if (c == '"')
			break;
		if (c == '\\' && !at_end(p))
			c = p->s[p->pos++];
		out->text[out->len++] = c;
	}
	out->text[out->len] = '\0';
	return 0;
}

static int read_number(parser *p, double *out)
{
	skip_space(p);
	size_t start = p->pos;
	char buf[64];
	size_t n = 0;
	while (!at_end(p) && n + 1 < sizeof buf &&
	       (isdigit((unsigned char)peek(p)) || strchr("+-.eE", peek(p)) != NULL))
		buf[n++] = p->s[p->pos++];
	buf[n] = '\0';
	char *end = NULL;
	double v = n ? strtod(buf, &end) : 0;
	char next = peek(p);
	if (!n || !end || *end || !isfinite(v) || !(ends_word(next) || next == ']' || next == '}'))
		return fail(p, start, "expected a number");
	*out = v;
	return 0;
}

static node *term_node(parser *p, const char *key, size_t key_at)
{
	node *n = new_node(N_TERM, NULL, NULL);
	if (!n) {
		fail(p, key_at, "out of memory");
		return NULL;
	}
	if (key && !(n->key = strdup(key))) {
		free(n);
		fail(p, key_at, "out of memory");
		return NULL;
	}
	return n;
}

/* One value of key: a word, a quoted string, *, a comparison or a range. */
static node *parse_value(parser *p, const char *key, size_t key_at)
{
	skip_space(p);
	size_t at = p->pos;
	char c = peek(p);
	if (c == '\0' || c == ')')
		return fail(p, at, "expected a value after '%s:'", key), NULL;
	node *n = term_node(p, key, key_at);
	if (!n)
		return NULL;
	bool attr = key[0] == '@';
	if (attr && (c == '>' || c == '<')) {
		p->pos++;
		bool eq = peek(p) == '=';
		if (eq)
			p->pos++;
		n->vkind = V_COMPARE;
		n->op = c == '>' ? (eq ? OP_GE : OP_GT) : (eq ? OP_LE : OP_LT);
		if (read_number(p, &n->num))
			goto bad;
		return n;
	}
	if (attr && (c == '[' || c == '{')) {
		p->pos++;
		n->vkind = V_RANGE;
		n->lo_incl = c == '[';
		if (read_number(p, &n->lo))
			goto bad;
		skip_space(p);
		if (!keyword(p, "TO") && !(p->len - p->pos >= 2 && strncmp(p->s + p->pos, "TO", 2) == 0)) {
			fail(p, p->pos, "expected 'TO' in the range opened at %zu", at);
			goto bad;
		}
		p->pos += 2;
		if (read_number(p, &n->hi))
			goto bad;
		skip_space(p);
		if (peek(p) != ']' && peek(p) != '}') {
			fail(p, p->pos, "expected ']' or '}' to close the range opened at %zu", at);
			goto bad;
		}
		n->hi_incl = p->s[p->pos++] == ']';
		return n;
	}
	n->vkind = V_PATTERN;
	if (c == '"' ? read_quoted(p, &n->pat) : read_word(p, false, &n->pat))
		goto bad;
	if (c != '"' && n->pat.len == 1 && n->pat.wild[0] && n->pat.text[0] == '*')
		n->vkind = V_EXISTS;
	return n;
bad:
	node_free(n);
	return NULL;
}

static node *parse_or(parser *p, const char *key, size_t key_at);

/* key:value, key:(values), or free text. */
static node *parse_term(parser *p)
{
	size_t at = p->pos;
	if (peek(p) == '"') {
		node *n = term_node(p, NULL, at);
		if (!n)
			return NULL;
		n->vkind = V_PATTERN;
		if (read_quoted(p, &n->pat)) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	pattern word = {0};
	if (read_word(p, true, &word)) {
		free(word.text);
		free(word.wild);
		return NULL;
	}
	if (peek(p) != ':') {
		if (word.len == 0) {
			free(word.text);
			free(word.wild);
			return fail(p, at, "unexpected '%c'", peek(p) ? peek(p) : ' '), NULL;
		}
		node *n = term_node(p, NULL, at);
		if (!n) {
			free(word.text);
			free(word.wild);
			return NULL;
		}
		n->vkind = V_PATTERN;
		n->pat = word;
		return n;
	}
	p->pos++; /* ':' */
	if (word.len == 0 || word.has_wild) {
		free(word.text);
		free(word.wild);
		return fail(p, at, "a key must be a plain name before ':'"), NULL;
	}
	char *key = word.text;
	free(word.wild);
	node *n;
	if (peek(p) == '(') {
		size_t open = p->pos++;
		n = parse_or(p, key, at);
		if (n) {
			skip_space(p);
			if (peek(p) != ')') {
				node_free(n);
				n = NULL;
				fail(p, p->pos, "expected ')' to close the '(' at %zu", open);
			} else {
				p->pos++;
			}
		}
	} else if (ends_word(peek(p))) {
		n = NULL;
		fail(p, p->pos, "expected a value after '%s:'", key);
	} else {
		n = parse_value(p, key, at);
	}
	free(key);
	return n;
}

/*
 * Boolean structure, the same at the top level and inside key:( ... ):
 * OR of ANDs of unary terms. key is NULL at the top level; inside
 * key:( ... ) the terms are values of that key.
 */

static node *negate(node *a)
{
	node *n = a ? new_node(N_NOT, a, NULL) : NULL;
	if (a && !n)
		node_free(a);
	return n;
}

static node *parse_unary(parser *p, const char *key, size_t key_at)
{
	skip_space(p);
	if (keyword(p, "NOT")) {
		p->pos += 3;
		skip_space(p);
		if (at_end(p) || peek(p) == ')')
			return fail(p, p->pos, "'NOT' needs a term after it"), NULL;
		return negate(parse_unary(p, key, key_at));
	}
	if (!key && peek(p) == '-' && p->pos + 1 < p->len &&
	    (!ends_word(p->s[p->pos + 1]) || p->s[p->pos + 1] == '(')) {
		p->pos++;
		return negate(parse_unary(p, key, key_at));
	}
	if (peek(p) == '(') {
		size_t open = p->pos++;
		if (++p->depth > MAX_DEPTH)
			return fail(p, open, "parentheses nest deeper than %d", MAX_DEPTH), NULL;
		node *n = parse_or(p, key, key_at);
		p->depth--;
		if (!n)
			return NULL;
		skip_space(p);
		if (peek(p) != ')') {
			node_free(n);
			return fail(p, p->pos, "expected ')' to close the '(' at %zu", open), NULL;
		}
		p->pos++;
		return n;
	}
	if (key)
		return parse_value(p, key, key_at);
	if (peek(p) == ')')
		return fail(p, p->pos, "unexpected ')'"), NULL;
	if (keyword(p, "AND") || keyword(p, "OR"))
		return fail(p, p->pos, "'%s' needs a term before it", keyword(p, "OR") ? "OR" : "AND"), NULL;
	return parse_term(p);
}

static node *parse_and(parser *p, const char *key, size_t key_at)
{
	node *left = parse_unary(p, key, key_at);
	while (left) {
		skip_space(p);
		if (at_end(p) || peek(p) == ')' || keyword(p, "OR"))
			break;
		if (keyword(p, "AND")) {
			p->pos += 3;
			skip_space(p);
			if (at_end(p)) {
				node_free(left);
				return fail(p, p->pos, "'AND' needs a term after it"), NULL;
			}
		}
		node *right = parse_unary(p, key, key_at);
		node *n = right ? new_node(N_AND, left, right) : NULL;
		if (!n) {
			node_free(left);
			node_free(right);
			return NULL;
		}
		left = n;
	}
	return left;
}

static node *parse_or(parser *p, const char *key, size_t key_at)
{
	node *left = parse_and(p, key, key_at);
	while (left) {
		skip_space(p);
		if (!keyword(p, "OR"))
			break;
		p->pos += 2;
		skip_space(p);
		/* (inside key:( ... ) the value parser names what is missing) */
		if (!key && (at_end(p) || peek(p) == ')')) {
			node_free(left);
			return fail(p, p->pos, "'OR' needs a term after it"), NULL;
		}
		node *right = parse_and(p, key, key_at);
		node *n = right ? new_node(N_OR, left, right) : NULL;
		if (!n) {
			node_free(left);
			node_free(right);
			return NULL;
		}
		left = n;
	}
	return left;
}

int query_parse(const char *text, pgo_query **out, query_error *err)
{
	*out = NULL;
	parser p = {.s = text ? text : "", .len = text ? strlen(text) : 0, .err = err};
	pgo_query *q = calloc(1, sizeof *q);
	if (!q)
		return fail(&p, 0, "out of memory");
	if (p.len > MAX_QUERY) {
		free(q);
		return fail(&p, MAX_QUERY, "the query is longer than %d bytes", MAX_QUERY);
	}
	skip_space(&p);
	if (at_end(&p)) {
		q->root = new_node(N_ALL, NULL, NULL);
		if (!q->root) {
			free(q);
			return fail(&p, 0, "out of memory");
		}
		*out = q;
		return 0;
	}
	q->root = parse_or(&p, NULL, 0);
	if (q->root) {
		skip_space(&p);
		if (!at_end(&p)) {
			fail(&p, p.pos, "unexpected '%c'", peek(&p));
			node_free(q->root);
			q->root = NULL;
		}
	}
	if (!q->root) {
		free(q);
		return -1;
	}
	*out = q;
	return 0;
}

void query_free(pgo_query *q)
{
	if (q) {
		node_free(q->root);
		free(q);
	}
}

/* ---- evaluation --------------------------------------------------- */

/* Glob match with backtracking on the last '*': linear in practice. */
static bool glob(const pattern *pt, const char *s, size_t n)
{
	size_t i = 0, j = 0, star = SIZE_MAX, mark = 0;
	while (j < n) {
		if (i < pt->len && pt->wild[i] && pt->text[i] == '*') {
			star = i++;
			mark = j;
		} else if (i < pt->len && ((pt->wild[i] && pt->text[i] == '?') || (!pt->wild[i] && pt->text[i] == s[j]))) {
			i++;
			j++;
		} else if (star != SIZE_MAX) {
			i = star + 1;
			j = ++mark;
		} else {
			return false;
		}
	}
	while (i < pt->len && pt->wild[i] && pt->text[i] == '*')
		i++;
	return i == pt->len;
}

static bool value_matches(const node *t, const char *v, size_t n)
{
	if (!t->pat.has_wild)
		return n == t->pat.len && memcmp(v, t->pat.text, n) == 0;
	return glob(&t->pat, v, n);
}

static bool number_matches(const node *t, double v)
{
	switch (t->vkind) {
	case V_COMPARE:
		switch (t->op) {
		case OP_GT: return v > t->num;
		case OP_GE: return v >= t->num;
		case OP_LT: return v < t->num;
		case OP_LE: return v <= t->num;
		case OP_EQ: return v == t->num;
		}
		return false;
	case V_RANGE:
		return (t->lo_incl ? v >= t->lo : v > t->lo) && (t->hi_incl ? v <= t->hi : v < t->hi);
	case V_EXISTS:
		return true;
	case V_PATTERN: {
		char *end = NULL;
		double want = strtod(t->pat.text, &end);
		return end && *end == '\0' && t->pat.len > 0 && v == want;
	}
	}
	return false;
}

static bool term_matches(const node *t, const query_subject *s)
{
	if (t->key && t->key[0] == '@') {
		for (size_t i = 0; i < s->n_attributes; i++)
			if (strcmp(s->attributes[i].name, t->key + 1) == 0)
				return number_matches(t, s->attributes[i].value);
		return false;
	}
	size_t klen = t->key ? strlen(t->key) : 0;
	for (size_t i = 0; i < s->n_tags; i++) {
		const char *tag = s->tags[i];
		const char *colon = strchr(tag, ':');
		size_t tk = colon ? (size_t)(colon - tag) : strlen(tag);
		const char *value = colon ? colon + 1 : tag + tk;
		if (!t->key) {
			/* free text: a tag's value, or the whole tag */
			if (value_matches(t, value, strlen(value)) || value_matches(t, tag, strlen(tag)))
				return true;
			continue;
		}
		if (tk != klen || memcmp(tag, t->key, klen) != 0)
			continue;
		if (t->vkind == V_EXISTS || value_matches(t, value, strlen(value)))
			return true;
	}
	return false;
}

static bool eval(const node *n, const query_subject *s)
{
	switch (n->kind) {
	case N_ALL: return true;
	case N_AND: return eval(n->a, s) && eval(n->b, s);
	case N_OR: return eval(n->a, s) || eval(n->b, s);
	case N_NOT: return !eval(n->a, s);
	case N_TERM: return term_matches(n, s);
	}
	return false;
}

bool query_match(const pgo_query *q, const query_subject *s)
{
	return eval(q->root, s);
}

static bool mentions(const node *n, const char *key)
{
	if (!n)
		return false;
	if (n->kind == N_TERM)
		return n->key && strcmp(n->key, key) == 0;
	return mentions(n->a, key) || mentions(n->b, key);
}

bool query_mentions_key(const pgo_query *q, const char *key)
{
	return mentions(q->root, key);
}
