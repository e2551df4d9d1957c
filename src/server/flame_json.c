/* The flame graph as JSON text; see flame_json.h. Written by hand, not
 * with jansson: a large merge has hundreds of thousands of nodes, and one
 * JSON value each would cost more than the tree itself. */
#include "flame_json.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"
#include "utf8.h"

typedef struct text {
	char *s;
	size_t len, cap;
	bool failed;
} text;

static void put(text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1 << 16;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *ns = realloc(t->s, cap);
		if (!ns) {
			t->failed = true;
			return;
		}
		t->s = ns;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void puts_(text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* A JSON string of the n bytes at s, bad UTF-8 replaced by U+FFFD. */
static void put_string(text *t, const char *s, size_t n)
{
	char *fixed = NULL;
	if (!utf8_valid((const unsigned char *)s, n)) {
		fixed = malloc(n * 3 + 1);
		if (!fixed) {
			t->failed = true;
			return;
		}
		size_t o = 0;
		for (size_t i = 0; i < n;) {
			uint32_t cp;
			size_t k = utf8_char((const unsigned char *)s + i, n - i, &cp);
			if (k) {
				memcpy(fixed + o, s + i, k);
				o += k;
				i += k;
			} else {
				memcpy(fixed + o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			}
		}
		s = fixed;
		n = o;
	}
	json_t *j = json_stringn(s, n);
	char *d = j ? json_dump_safe(j) : NULL;
	json_decref(j);
	free(fixed);
	if (!d) {
		t->failed = true;
		return;
	}
	puts_(t, d);
	free(d);
}

char *flame_json_text(const pgo_profile *p, const pgo_flame *f, const char *unit)
{
	text t = {0};
	/* Name indexes: one per distinct string, in order of first use. */
	uint32_t *slot = malloc(((size_t)p->strings.count + 1) * sizeof *slot);
	uint32_t *name_of = malloc((f->n_nodes ? f->n_nodes : 1) * sizeof *name_of);
	if (!slot || !name_of) {
		free(slot);
		free(name_of);
		return NULL;
	}
	memset(slot, 0xff, ((size_t)p->strings.count + 1) * sizeof *slot);
	char num[96];
	puts_(&t, "{\"unit\":");
	put_string(&t, unit, strlen(unit));
	snprintf(num, sizeof num, ",\"total\":%" PRId64 ",\"pruned\":%zu,\"names\":[\"root\",\"(unknown)\"", f->total,
	         f->pruned);
	puts_(&t, num);
	uint32_t names = 2;
	for (size_t i = 0; i < f->n_nodes; i++) {
		pgo_str s = f->nodes[i].name;
		if (i == 0 || s == PGO_FLAME_UNKNOWN || s >= p->strings.count) {
			name_of[i] = i == 0 ? 0 : 1;
			continue;
		}
		if (slot[s] == UINT32_MAX) {
			size_t len;
			const char *str = pgo_string(p, s, &len);
			puts_(&t, ",");
			put_string(&t, str, len);
			slot[s] = names++;
		}
		name_of[i] = slot[s];
	}
	puts_(&t, "],\"nodes\":[");
	for (size_t i = 0; i < f->n_nodes; i++) {
		const pgo_flame_node *x = &f->nodes[i];
		int n = snprintf(num, sizeof num, "%s[%" PRIu32 ",%lld,%" PRId64 ",%" PRId64 "]", i ? "," : "",
		                 name_of[i], x->parent == PGO_NONE ? -1LL : (long long)x->parent, x->total, x->self);
		put(&t, num, (size_t)n);
	}
	puts_(&t, "]}");
	free(slot);
	free(name_of);
	if (t.failed) {
		free(t.s);
		return NULL;
	}
	return t.s;
}
