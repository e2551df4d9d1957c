/* datadog-pgo's guard against known-bad inlining: rename the leaf function
 * so that it matches nothing in the compiler, keeping every weight. */
#include "internal.h"

#define PREFIX "DO NOT INLINE: "

static bool listed(const char *name, size_t len, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == len && memcmp(*names, name, len) == 0)
			return true;
	return false;
}

pgo_status pgo_rename_noinline(pgo_profile *p, const char *const *names, uint32_t *renamed,
                               pgo_error *err)
{
	uint32_t count = 0;
	char *tmp = NULL;
	size_t tmp_cap = 0;
	for (uint32_t i = 0; names && i < p->n_samples; i++) {
		const pgo_sample *s = &p->samples[i];
		if (!s->n_locations)
			continue;
		const pgo_location *leaf = &p->locations[p->sample_locations[s->locations_at]];
		if (!leaf->n_lines)
			continue;
		uint32_t fi = p->lines[leaf->lines_at].function;
		if (fi == PGO_NONE)
			continue;
		size_t len;
		const char *name = pgo_string(p, p->functions[fi].name, &len);
		/* Once renamed, the function no longer matches: one prefix only. */
		if (!listed(name, len, names))
			continue;
		size_t need = sizeof PREFIX - 1 + len;
		if (need > tmp_cap) {
			char *t = realloc(tmp, need);
			if (!t) {
				free(tmp);
				return pgo_fail(err, PGO_ERR_NOMEM, "out of memory renaming functions");
			}
			tmp = t;
			tmp_cap = need;
		}
		memcpy(tmp, PREFIX, sizeof PREFIX - 1);
		memcpy(tmp + sizeof PREFIX - 1, name, len);
		pgo_str s_new;
		if (pgo_intern(p, tmp, need, &s_new)) {
			free(tmp);
			return pgo_fail(err, PGO_ERR_NOMEM, "out of memory renaming functions");
		}
		p->functions[fi].name = s_new;
		count++;
	}
	free(tmp);
	if (renamed)
		*renamed = count;
	return PGO_OK;
}
