/*
 * The pprof wire encoder. Output is a function of the profile alone:
 * entity IDs are index + 1, and the string table holds only the strings
 * that are referenced, numbered in the order the encoder first meets them.
 */
#include "internal.h"

typedef struct buf {
	uint8_t *data;
	size_t len, cap;
	bool failed;
} buf;

static void reserve(buf *b, size_t extra)
{
	if (b->failed || b->len + extra <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d) {
		b->failed = true;
		return;
	}
	b->data = d;
	b->cap = cap;
}

static void put_varint(buf *b, uint64_t v)
{
	reserve(b, 10);
	if (b->failed)
		return;
	uint8_t *p = b->data + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->data);
}

static void put_bytes(buf *b, const void *data, size_t n)
{
	reserve(b, n);
	if (b->failed || n == 0)
		return;
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

/* proto3 omits zero scalars */
static void put_uint(buf *b, uint32_t field, uint64_t v)
{
	if (v == 0)
		return;
	put_varint(b, (uint64_t)field << 3);
	put_varint(b, v);
}

static void put_len(buf *b, uint32_t field, const void *data, size_t n)
{
	put_varint(b, (uint64_t)field << 3 | 2);
	put_varint(b, n);
	put_bytes(b, data, n);
}

/* Writes scratch as a nested message and empties it. */
static void put_message(buf *b, uint32_t field, buf *scratch)
{
	if (scratch->failed)
		b->failed = true;
	put_len(b, field, scratch->data, scratch->len);
	scratch->len = 0;
}

typedef struct encoder {
	const pgo_profile *p;
	pgo_str *remap;      /* profile string -> output index, PGO_NONE if unused */
	pgo_str *order;      /* output index -> profile string */
	uint32_t n_out;
} encoder;

static void use(encoder *e, pgo_str s)
{
	if (e->remap[s] == PGO_NONE) {
		e->remap[s] = e->n_out;
		e->order[e->n_out++] = s;
	}
}

static uint64_t S(const encoder *e, pgo_str s)
{
	return e->remap[s];
}

/* Numbers the strings in the order the writer below meets them. */
static void number_strings(encoder *e)
{
	const pgo_profile *p = e->p;
	use(e, 0);
	for (uint32_t i = 0; i < p->n_sample_types; i++) {
		use(e, p->sample_types[i].type);
		use(e, p->sample_types[i].unit);
	}
	for (uint32_t i = 0; i < p->n_labels; i++) {
		use(e, p->labels[i].key);
		use(e, p->labels[i].str);
		use(e, p->labels[i].num_unit);
	}
	for (uint32_t i = 0; i < p->n_mappings; i++) {
		use(e, p->mappings[i].filename);
		use(e, p->mappings[i].build_id);
	}
	for (uint32_t i = 0; i < p->n_functions; i++) {
		use(e, p->functions[i].name);
		use(e, p->functions[i].system_name);
		use(e, p->functions[i].filename);
	}
	use(e, p->drop_frames);
	use(e, p->keep_frames);
	use(e, p->period_type.type);
	use(e, p->period_type.unit);
	for (uint32_t i = 0; i < p->n_comments; i++)
		use(e, p->comments[i]);
	use(e, p->default_sample_type);
	use(e, p->doc_url);
}

static void put_value_type(buf *b, buf *m, uint32_t field, const encoder *e, pgo_value_type vt)
{
	put_uint(m, 1, S(e, vt.type));
	put_uint(m, 2, S(e, vt.unit));
	put_message(b, field, m);
}

static void write_profile(const encoder *e, buf *b, buf *m, buf *packed)
{
	const pgo_profile *p = e->p;
	for (uint32_t i = 0; i < p->n_sample_types; i++)
		put_value_type(b, m, 1, e, p->sample_types[i]);

	for (uint32_t i = 0; i < p->n_samples; i++) {
		const pgo_sample *s = &p->samples[i];
		if (s->n_locations) {
			for (uint32_t j = 0; j < s->n_locations; j++)
				put_varint(packed, (uint64_t)p->sample_locations[s->locations_at + j] + 1);
			put_len(m, 1, packed->data, packed->len);
			packed->len = 0;
		}
		const int64_t *v = p->values + (size_t)i * p->n_sample_types;
		if (p->n_sample_types) {
			for (uint32_t j = 0; j < p->n_sample_types; j++)
				put_varint(packed, (uint64_t)v[j]);
			put_len(m, 2, packed->data, packed->len);
			packed->len = 0;
		}
		for (uint32_t j = 0; j < s->n_labels; j++) {
			const pgo_label *l = &p->labels[s->labels_at + j];
			put_uint(packed, 1, S(e, l->key));
			put_uint(packed, 2, S(e, l->str));
			put_uint(packed, 3, (uint64_t)l->num);
			put_uint(packed, 4, S(e, l->num_unit));
			put_message(m, 3, packed);
		}
		put_message(b, 2, m);
	}

	for (uint32_t i = 0; i < p->n_mappings; i++) {
		const pgo_mapping *mp = &p->mappings[i];
		put_uint(m, 1, (uint64_t)i + 1);
		put_uint(m, 2, mp->memory_start);
		put_uint(m, 3, mp->memory_limit);
		put_uint(m, 4, mp->file_offset);
		put_uint(m, 5, S(e, mp->filename));
		put_uint(m, 6, S(e, mp->build_id));
		put_uint(m, 7, mp->has_functions);
		put_uint(m, 8, mp->has_filenames);
		put_uint(m, 9, mp->has_line_numbers);
		put_uint(m, 10, mp->has_inline_frames);
		put_message(b, 3, m);
	}

	for (uint32_t i = 0; i < p->n_locations; i++) {
		const pgo_location *l = &p->locations[i];
		put_uint(m, 1, (uint64_t)i + 1);
		if (l->mapping != PGO_NONE)
			put_uint(m, 2, (uint64_t)l->mapping + 1);
		put_uint(m, 3, l->address);
		for (uint32_t j = 0; j < l->n_lines; j++) {
			const pgo_line *ln = &p->lines[l->lines_at + j];
			if (ln->function != PGO_NONE)
				put_uint(packed, 1, (uint64_t)ln->function + 1);
			put_uint(packed, 2, (uint64_t)ln->line);
			put_uint(packed, 3, (uint64_t)ln->column);
			put_message(m, 4, packed);
		}
		put_uint(m, 5, l->is_folded);
		put_message(b, 4, m);
	}

	for (uint32_t i = 0; i < p->n_functions; i++) {
		const pgo_function *f = &p->functions[i];
		put_uint(m, 1, (uint64_t)i + 1);
		put_uint(m, 2, S(e, f->name));
		put_uint(m, 3, S(e, f->system_name));
		put_uint(m, 4, S(e, f->filename));
		put_uint(m, 5, (uint64_t)f->start_line);
		put_message(b, 5, m);
	}

	for (uint32_t i = 0; i < e->n_out; i++) {
		size_t len;
		const char *s = pgo_string(p, e->order[i], &len);
		put_len(b, 6, s, len);
	}

	put_uint(b, 7, S(e, p->drop_frames));
	put_uint(b, 8, S(e, p->keep_frames));
	put_uint(b, 9, (uint64_t)p->time_nanos);
	put_uint(b, 10, (uint64_t)p->duration_nanos);
	if (p->period_type.type || p->period_type.unit)
		put_value_type(b, m, 11, e, p->period_type);
	put_uint(b, 12, (uint64_t)p->period);
	for (uint32_t i = 0; i < p->n_comments; i++) {
		put_varint(b, 13 << 3);
		put_varint(b, S(e, p->comments[i]));
	}
	put_uint(b, 14, S(e, p->default_sample_type));
	put_uint(b, 15, S(e, p->doc_url));
	if (m->failed || packed->failed)
		b->failed = true;
}

pgo_status pgo_encode(const pgo_profile *p, int gzip_level,
                      uint8_t **out, size_t *out_size, pgo_error *err)
{
	return pgo_encode_threads(p, gzip_level, 1, out, out_size, err);
}

pgo_status pgo_encode_threads(const pgo_profile *p, int gzip_level, int threads,
                              uint8_t **out, size_t *out_size, pgo_error *err)
{
	encoder e = {.p = p};
	uint32_t n = p->strings.count;
	e.remap = malloc((size_t)n * sizeof *e.remap);
	e.order = malloc((size_t)n * sizeof *e.order);
	if (!e.remap || !e.order) {
		free(e.remap);
		free(e.order);
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory encoding a profile");
	}
	memset(e.remap, 0xff, (size_t)n * sizeof *e.remap);
	number_strings(&e);

	buf b = {0}, m = {0}, packed = {0};
	/* Typical pprof is a few bytes per sample location; start near that. */
	reserve(&b, (size_t)p->n_sample_locations * 2 + (size_t)p->n_samples * 8 + p->strings.used + 64);
	write_profile(&e, &b, &m, &packed);
	free(e.remap);
	free(e.order);
	free(m.data);
	free(packed.data);
	if (b.failed) {
		free(b.data);
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory encoding a profile");
	}
	if (gzip_level == 0) {
		*out = b.data ? b.data : malloc(1);
		*out_size = b.len;
		return *out ? PGO_OK : pgo_fail(err, PGO_ERR_NOMEM, "out of memory encoding a profile");
	}
	pgo_status st = pgo_gzip_threads(b.data, b.len, gzip_level, threads, out, out_size, err);
	free(b.data);
	return st;
}
