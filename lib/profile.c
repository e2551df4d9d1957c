/* Profile lifetime and the builder calls. */
#include "internal.h"

pgo_profile *pgo_profile_new(void)
{
	pgo_profile *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (pgo_strings_init(&p->strings)) {
		pgo_strings_free(&p->strings); /* what init allocated before it failed */
		free(p);
		return NULL;
	}
	return p;
}

void pgo_profile_free(pgo_profile *p)
{
	if (!p)
		return;
	pgo_strings_free(&p->strings);
	free(p->sample_types);
	free(p->samples);
	free(p->values);
	free(p->sample_locations);
	free(p->labels);
	free(p->mappings);
	free(p->locations);
	free(p->lines);
	free(p->functions);
	free(p->comments);
	free(p);
}

static pgo_status intern_cstr(pgo_profile *p, const char *s, pgo_str *out)
{
	return pgo_intern(p, s ? s : "", s ? strlen(s) : 0, out);
}

pgo_status pgo_add_sample_type(pgo_profile *p, const char *type, const char *unit)
{
	if (p->n_samples)
		return PGO_ERR_ARGUMENT; /* the value layout is fixed once samples exist */
	pgo_value_type vt;
	pgo_status st;
	if ((st = intern_cstr(p, type, &vt.type)) || (st = intern_cstr(p, unit, &vt.unit)))
		return st;
	if ((st = PGO_GROW(p->sample_types, p->cap_sample_types, (uint64_t)p->n_sample_types + 1)))
		return st;
	p->sample_types[p->n_sample_types++] = vt;
	return PGO_OK;
}

pgo_status pgo_add_function(pgo_profile *p, const char *name, const char *system_name,
                            const char *filename, int64_t start_line, uint32_t *index)
{
	pgo_function f = {.id = (uint64_t)p->n_functions + 1, .start_line = start_line};
	pgo_status st;
	if ((st = intern_cstr(p, name, &f.name)) || (st = intern_cstr(p, system_name, &f.system_name)) ||
	    (st = intern_cstr(p, filename, &f.filename)))
		return st;
	if ((st = PGO_GROW(p->functions, p->cap_functions, (uint64_t)p->n_functions + 1)))
		return st;
	if (index)
		*index = p->n_functions;
	p->functions[p->n_functions++] = f;
	return PGO_OK;
}

pgo_status pgo_add_mapping(pgo_profile *p, const pgo_mapping *m, uint32_t *index)
{
	if (m->filename >= p->strings.count || m->build_id >= p->strings.count)
		return PGO_ERR_ARGUMENT;
	pgo_status st = PGO_GROW(p->mappings, p->cap_mappings, (uint64_t)p->n_mappings + 1);
	if (st)
		return st;
	pgo_mapping copy = *m;
	copy.id = (uint64_t)p->n_mappings + 1;
	if (index)
		*index = p->n_mappings;
	p->mappings[p->n_mappings++] = copy;
	return PGO_OK;
}

pgo_status pgo_add_location(pgo_profile *p, uint32_t mapping, uint64_t address,
                            const pgo_line *lines, uint32_t n_lines, uint32_t *index)
{
	if (mapping != PGO_NONE && mapping >= p->n_mappings)
		return PGO_ERR_ARGUMENT;
	for (uint32_t i = 0; i < n_lines; i++)
		if (lines[i].function != PGO_NONE && lines[i].function >= p->n_functions)
			return PGO_ERR_ARGUMENT;
	pgo_status st;
	if ((st = PGO_GROW(p->lines, p->cap_lines, (uint64_t)p->n_lines + n_lines)) ||
	    (st = PGO_GROW(p->locations, p->cap_locations, (uint64_t)p->n_locations + 1)))
		return st;
	pgo_location l = {
		.id = (uint64_t)p->n_locations + 1,
		.address = address,
		.mapping = mapping,
		.lines_at = p->n_lines,
		.n_lines = n_lines,
	};
	if (n_lines)
		memcpy(p->lines + p->n_lines, lines, n_lines * sizeof *lines);
	p->n_lines += n_lines;
	if (index)
		*index = p->n_locations;
	p->locations[p->n_locations++] = l;
	return PGO_OK;
}

pgo_status pgo_add_sample(pgo_profile *p, const uint32_t *locations, uint32_t n_locations,
                          const int64_t *values, const pgo_label *labels, uint32_t n_labels)
{
	for (uint32_t i = 0; i < n_locations; i++)
		if (locations[i] >= p->n_locations)
			return PGO_ERR_ARGUMENT;
	for (uint32_t i = 0; i < n_labels; i++)
		if (labels[i].key >= p->strings.count || labels[i].str >= p->strings.count ||
		    labels[i].num_unit >= p->strings.count)
			return PGO_ERR_ARGUMENT;
	uint32_t nv = p->n_sample_types;
	pgo_status st;
	if ((st = PGO_GROW(p->samples, p->cap_samples, (uint64_t)p->n_samples + 1)) ||
	    (st = PGO_GROW(p->values, p->cap_values, ((uint64_t)p->n_samples + 1) * nv)) ||
	    (st = PGO_GROW(p->sample_locations, p->cap_sample_locations,
	                   (uint64_t)p->n_sample_locations + n_locations)) ||
	    (st = PGO_GROW(p->labels, p->cap_labels, (uint64_t)p->n_labels + n_labels)))
		return st;
	pgo_sample s = {
		.locations_at = p->n_sample_locations,
		.n_locations = n_locations,
		.labels_at = p->n_labels,
		.n_labels = n_labels,
	};
	if (n_locations)
		memcpy(p->sample_locations + p->n_sample_locations, locations, n_locations * sizeof *locations);
	if (n_labels)
		memcpy(p->labels + p->n_labels, labels, n_labels * sizeof *labels);
	if (nv)
		memcpy(p->values + (size_t)p->n_samples * nv, values, nv * sizeof *values);
	p->n_sample_locations += n_locations;
	p->n_labels += n_labels;
	p->samples[p->n_samples++] = s;
	return PGO_OK;
}
