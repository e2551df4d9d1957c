/*
 * The top-level shape of a pprof Profile, checked as its bytes arrive.
 *
 * Decompression feeds every chunk it produces through here, so that zeros,
 * text, an ELF file or random junk are refused at their first bad field,
 * and a bomb at its first absurd one, instead of after inflating up to the
 * decompressed-size limit. Only the top-level message is walked: each
 * field's key, its wire type, and the length of a length-delimited payload,
 * which is skipped unread. The decoder checks the payloads later, once the
 * whole profile is in memory.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>

/* No field of a real profile comes near this: the largest of Go's, of
 * google/pprof's and of dd-trace-go's profiles hold a few hundred bytes. */
#define FIELD_MAX ((uint64_t)4 << 20)
/* Fields pprof writes once. Protobuf lets a later one win, but no writer
 * repeats them, and each costs the decoder a record. */
#define SINGULAR_MAX 64
/* Unknown fields (numbers above 15) are skipped as protobuf says, up to this
 * many bytes in all: a newer pprof may add a small field, not megabytes. */
#define UNKNOWN_MAX ((uint64_t)1 << 20)

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };
enum { S_KEY, S_VALUE, S_LENGTH, S_SKIP };

typedef struct field_rule {
	const char *name;
	uint8_t wire;     /* the wire type pprof writes */
	bool packed;      /* a repeated scalar: a varint, or packed varints */
	bool singular;
} field_rule;

static const field_rule rules[16] = {
	[1] = {"sample_type", WT_LEN, false, false},
	[2] = {"sample", WT_LEN, false, false},
	[3] = {"mapping", WT_LEN, false, false},
	[4] = {"location", WT_LEN, false, false},
	[5] = {"function", WT_LEN, false, false},
	[6] = {"string_table entry", WT_LEN, false, false},
	[7] = {"drop_frames", WT_VARINT, false, true},
	[8] = {"keep_frames", WT_VARINT, false, true},
	[9] = {"time_nanos", WT_VARINT, false, true},
	[10] = {"duration_nanos", WT_VARINT, false, true},
	[11] = {"period_type", WT_LEN, false, true},
	[12] = {"period", WT_VARINT, false, true},
	[13] = {"comment", WT_VARINT, true, false},
	[14] = {"default_sample_type", WT_VARINT, false, true},
	[15] = {"doc_url", WT_VARINT, false, true},
};

void pgo_wirecheck_init(pgo_wirecheck *c, const char *name, const pgo_limits *limits, bool compressed)
{
	memset(c, 0, sizeof *c);
	c->name = name;
	c->limits = limits;
	c->where = compressed ? " of the decompressed data" : "";
	c->state = S_KEY;
	/* how many of each field may come: the decoder's limits, and
	 * SINGULAR_MAX for the fields pprof writes once */
	const uint64_t most[16] = {
		0, limits->max_sample_types, limits->max_samples, limits->max_mappings, limits->max_locations,
		limits->max_functions, limits->max_strings, SINGULAR_MAX, SINGULAR_MAX, SINGULAR_MAX, SINGULAR_MAX,
		SINGULAR_MAX, SINGULAR_MAX, limits->max_strings, SINGULAR_MAX, SINGULAR_MAX,
	};
	memcpy(c->most, most, sizeof most);
}

static pgo_status fail_at(pgo_wirecheck *c, pgo_status st, uint64_t at, bool foreign, const char *fmt, ...)
	PGO_PRINTF(5, 6);
/* What data that is not protobuf looks like, from its first bytes; NULL
 * when it looks like nothing in particular. */
static const char *looks_like(const uint8_t *h, size_t n)
{
	if (n >= 4 && !memcmp(h, "\x7f" "ELF", 4))
		return "an ELF binary (an executable or a library)";
	if (n >= 4 && (!memcmp(h, "\xcf\xfa\xed\xfe", 4) || !memcmp(h, "\xce\xfa\xed\xfe", 4)))
		return "a Mach-O binary";
	if (n >= 2 && h[0] == 'M' && h[1] == 'Z')
		return "a Windows executable";
	if (n >= 5 && !memcmp(h, "%PDF-", 5))
		return "a PDF document";
	if (n >= 14 && !memcmp(h, "go 1.", 5)) {
		const uint8_t *sp = memchr(h + 5, ' ', n - 5); /* "go 1.23 trace" */
		if (sp && (size_t)(h + n - sp) >= 6 && !memcmp(sp, " trace", 6))
			return "a Go execution trace";
	}
	size_t i = n >= 3 && !memcmp(h, "\xef\xbb\xbf", 3) ? 3 : 0; /* a UTF-8 byte order mark */
	while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
		i++;
	if (i == n)
		return NULL;
	if (h[i] == '{' || h[i] == '[')
		return "JSON";
	if (h[i] == '<')
		return "HTML or XML";
	if (n - i >= 8 && !memcmp(h + i, "package ", 8))
		return "Go source code";
	if (n - i >= 2 && h[i] == '#' && h[i + 1] == '!')
		return "a script";
	for (size_t k = i; k < n; k++)
		if (h[k] < 0x20 && h[k] != '\t' && h[k] != '\r' && h[k] != '\n')
			return NULL;
	return "text";
}

/* The message of a failure in foreign data at the offset at: what the data
 * looks like first, when its first bytes tell. */
static pgo_status foreign_failure(pgo_wirecheck *c, uint64_t at, const char *what)
{
	const char *kind = at < sizeof c->head ? looks_like(c->head, c->head_len) : NULL;
	if (kind)
		return pgo_fail(c->err, c->failed, "%s: this is %s, not a pprof profile (offset %" PRIu64 "%s: %s)", c->name,
		                kind, at, c->where, what);
	return pgo_fail(c->err, c->failed, "%s: offset %" PRIu64 "%s: %s; this is not a pprof profile", c->name, at,
	                c->where, what);
}

static pgo_status fail_at(pgo_wirecheck *c, pgo_status st, uint64_t at, bool foreign, const char *fmt, ...)
{
	char what[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	c->failed = st;
	if (foreign && at < sizeof c->head && c->head_len < sizeof c->head) {
		c->deferred = true;
		c->deferred_at = at;
		memcpy(c->deferred_what, what, sizeof what);
		return st;
	}
	if (foreign)
		return foreign_failure(c, at, what);
	return pgo_fail(c->err, st, "%s: offset %" PRIu64 "%s: %s", c->name, at, c->where, what);
}

/* The deferred failure, now that head is full or the data has ended. */
static pgo_status settle(pgo_wirecheck *c)
{
	c->deferred = false;
	return foreign_failure(c, c->deferred_at, c->deferred_what);
}

/* The count limits the decoder applies, applied as soon as a field is
 * seen, and the bound on fields pprof writes once. */
static pgo_status count_field(pgo_wirecheck *c)
{
	static const char *const counted[16] = {
		[1] = "sample types", [2] = "samples", [3] = "mappings", [4] = "locations",
		[5] = "functions", [6] = "strings", [13] = "comments",
	};
	uint32_t f = c->field;
	if (f >= 16) {
		c->count[0]++;
		return PGO_OK;
	}
	if (++c->count[f] <= c->most[f])
		return PGO_OK;
	if (rules[f].singular)
		return fail_at(c, PGO_ERR_LIMIT, c->field_at, true,
		               "%s (field %u) appears more than %d times, where pprof writes it once", rules[f].name, f,
		               SINGULAR_MAX);
	return fail_at(c, PGO_ERR_LIMIT, c->field_at, false, "more than %" PRIu64 " %s (limit)", c->most[f],
	               counted[f]);
}

/* A whole key has been read: is the field one a Profile can hold? */
static pgo_status on_key(pgo_wirecheck *c, uint64_t key)
{
	uint64_t number = key >> 3;
	unsigned wire = (unsigned)(key & 7);
	if (number == 0 || number > 0x1fffffff)
		return fail_at(c, PGO_ERR_FORMAT, c->field_at, true, "field number %" PRIu64 " is not valid", number);
	c->field = (uint32_t)number;
	c->wire = (uint8_t)wire;
	if (wire == 3 || wire == 4)
		return fail_at(c, PGO_ERR_FORMAT, c->field_at, true,
		               "field %u has wire type %u, a group, which pprof never uses", c->field, wire);
	if (wire != WT_VARINT && wire != WT_I64 && wire != WT_LEN && wire != WT_I32)
		return fail_at(c, PGO_ERR_FORMAT, c->field_at, true, "field %u has wire type %u, which protobuf does not have",
		               c->field, wire);
	if (number < 16) {
		const field_rule *r = &rules[number];
		if (wire != r->wire && !(r->packed && wire == WT_LEN))
			return fail_at(c, PGO_ERR_FORMAT, c->field_at, true, "%s (field %u) has wire type %u, expected %s",
			               r->name, c->field, wire,
			               r->packed ? "a varint or packed varints"
			               : r->wire == WT_LEN ? "2 (length-delimited)" : "0 (varint)");
	}
	pgo_status st = count_field(c);
	if (st)
		return st;
	switch (wire) {
	case WT_VARINT: c->state = S_VALUE; break;
	case WT_LEN: c->state = S_LENGTH; break;
	case WT_I64: c->state = S_SKIP; c->len = c->skip = 8; break;
	default: c->state = S_SKIP; c->len = c->skip = 4; break;
	}
	return PGO_OK;
}

static pgo_status too_much_unknown(pgo_wirecheck *c)
{
	return fail_at(c, PGO_ERR_LIMIT, c->field_at, true,
	               "unknown fields (field %u) add up to more than %" PRIu64 " bytes, where pprof has fields 1 to 15",
	               c->field, UNKNOWN_MAX);
}

/* The field that began at field_at ends at pos. */
static pgo_status end_field(pgo_wirecheck *c)
{
	c->state = S_KEY;
	if (c->field >= 16 && (c->unknown += c->pos - c->field_at) > UNKNOWN_MAX)
		return too_much_unknown(c);
	return PGO_OK;
}

/* A whole length has been read: can a payload that long be in a Profile? */
static pgo_status on_length(pgo_wirecheck *c, uint64_t len)
{
	const char *name = c->field < 16 ? rules[c->field].name : "unknown field";
	if (len > FIELD_MAX)
		return fail_at(c, PGO_ERR_LIMIT, c->field_at, true,
		               "%s (field %u) claims %" PRIu64 " bytes, more than the %" PRIu64
		               " bytes one field of a profile may hold",
		               name, c->field, len, FIELD_MAX);
	uint64_t max = c->limits->max_decompressed_bytes;
	if (len > max || c->pos > max - len)
		return fail_at(c, PGO_ERR_LIMIT, c->field_at, false,
		               "%s (field %u) claims %" PRIu64 " bytes, past the %" PRIu64 "-byte limit on decompressed data",
		               name, c->field, len, max);
	if (c->field >= 16 && c->unknown + (c->pos - c->field_at) + len > UNKNOWN_MAX)
		return too_much_unknown(c);
	c->len = c->skip = len;
	if (len == 0)
		return end_field(c);
	c->state = S_SKIP;
	return PGO_OK;
}

/* A whole varint has been read: what it was depends on the state. */
static PGO_INLINE pgo_status on_varint(pgo_wirecheck *c, uint64_t v)
{
	switch (c->state) {
	case S_KEY: return on_key(c, v);
	case S_LENGTH: return on_length(c, v);
	default: return end_field(c);
	}
}

/* A varint of at most 9 bytes wholly in [p, end): its length, or 0 when
 * it is longer or cut by the end of the chunk (the byte loop takes it). */
static PGO_INLINE size_t short_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	size_t n = (size_t)(end - p) < 9 ? (size_t)(end - p) : 9;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (p[i] < 0x80) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/*
 * The common case, without the state machine: whole fields of known
 * numbers and wire types, within the limits, while they lie in the chunk.
 * It stops before anything else (a field to refuse, an unknown one, a
 * varint cut by the chunk's end), which the general loop then takes; a
 * payload that runs past the chunk is left to skip.
 */
static const uint8_t *fast_fields(pgo_wirecheck *c, const uint8_t *p, const uint8_t *end)
{
	const uint8_t *start = p;
	uint64_t base = c->pos, max = c->limits->max_decompressed_bytes;
	while (end - p >= 2) {
		const uint8_t *q = p;
		uint64_t key, v;
		size_t k = short_varint(q, end, &key);
		uint64_t number = key >> 3;
		if (!k || number - 1 >= 15 || c->count[number] >= c->most[number])
			break;
		const field_rule *r = &rules[number];
		unsigned wire = (unsigned)(key & 7);
		if (wire != r->wire && !(r->packed && wire == WT_LEN))
			break;
		q += k;
		if (!(k = short_varint(q, end, &v)))
			break;
		q += k;
		if (wire == WT_LEN) {
			uint64_t at = base + (uint64_t)(q - start);
			if (v > FIELD_MAX || v > max || at > max - v)
				break;
			c->count[number]++;
			if (v > (uint64_t)(end - q)) {
				/* the payload goes on in the next chunk */
				c->field_at = base + (uint64_t)(p - start);
				c->field = (uint32_t)number;
				c->wire = (uint8_t)wire;
				c->len = v;
				c->skip = v - (uint64_t)(end - q);
				c->state = S_SKIP;
				p = end;
				break;
			}
			q += v;
		} else {
			c->count[number]++;
		}
		p = q;
	}
	c->pos = base + (uint64_t)(p - start);
	return p;
}

static pgo_status parse(pgo_wirecheck *c, const uint8_t *data, size_t n);

pgo_status pgo_wirecheck_feed(pgo_wirecheck *c, const uint8_t *data, size_t n, pgo_error *err)
{
	if (c->failed && !c->deferred)
		return c->failed;
	if (n == 0)
		return PGO_OK; /* data may be NULL then, and NULL + 0 is undefined */
	c->err = err;
	if (c->head_len < sizeof c->head) {
		size_t k = n < sizeof c->head - c->head_len ? n : sizeof c->head - c->head_len;
		memcpy(c->head + c->head_len, data, k);
		c->head_len += k;
	}
	if (!c->failed) {
		pgo_status st = parse(c, data, n);
		if (!st || !c->deferred)
			return st;
	}
	return c->head_len < sizeof c->head ? PGO_OK : settle(c);
}

static pgo_status parse(pgo_wirecheck *c, const uint8_t *data, size_t n)
{
	const uint8_t *p = data, *end = data + n;
	pgo_status st;
	while (p < end) {
		if (c->state == S_KEY && c->shift == 0) {
			p = fast_fields(c, p, end);
			if (p == end)
				break;
		}
		if (c->state == S_SKIP) {
			size_t k = (size_t)(c->skip < (uint64_t)(end - p) ? c->skip : (uint64_t)(end - p));
			p += k;
			c->pos += k;
			c->skip -= k;
			if (c->skip == 0 && end_field(c))
				return c->failed;
			continue;
		}
		/* A varint: a key, a varint value or a length. Nearly always it is
		 * short and whole in this chunk. */
		if (c->shift == 0) {
			c->varint_at = c->pos;
			c->value = 0;
			if (c->state == S_KEY)
				c->field_at = c->pos;
			uint64_t v;
			size_t k = short_varint(p, end, &v);
			if (k) {
				p += k;
				c->pos += k;
				if ((st = on_varint(c, v)))
					return st;
				continue;
			}
		}
		/* Otherwise byte by byte, across chunks. */
		uint8_t b = *p++;
		c->pos++;
		if (c->shift == 63 && b > 1)
			return fail_at(c, PGO_ERR_FORMAT, c->varint_at, true, "varint overflows 64 bits");
		c->value |= (uint64_t)(b & 0x7f) << c->shift;
		if (b & 0x80) {
			c->shift += 7; /* at most 63: a 10th byte above 1 failed above */
			continue;
		}
		c->shift = 0;
		if ((st = on_varint(c, c->value)))
			return st;
	}
	return PGO_OK;
}

pgo_status pgo_wirecheck_end(pgo_wirecheck *c, pgo_error *err)
{
	if (c->deferred) {
		c->err = err;
		return settle(c);
	}
	if (c->failed)
		return c->failed;
	c->err = err;
	if (c->shift != 0 || c->state == S_VALUE || c->state == S_LENGTH)
		return fail_at(c, PGO_ERR_FORMAT, c->shift ? c->varint_at : c->pos, false,
		               "varint runs past the end of the data");
	if (c->state == S_SKIP)
		return fail_at(c, PGO_ERR_FORMAT, c->field_at, false,
		               "field %u claims %" PRIu64 " bytes but only %" PRIu64 " remain", c->field, c->len,
		               c->len - c->skip);
	return PGO_OK;
}

/* The public form: the check with its own copies of the name and limits,
 * which pgo_wirecheck only points at. */
struct pgo_shape_check {
	pgo_wirecheck check;
	pgo_limits limits;
	char name[];
};

pgo_status pgo_shape_check_new(const char *name, const pgo_limits *limits, pgo_shape_check **out,
                               pgo_error *err)
{
	*out = NULL;
	if (!name)
		name = "<input>";
	size_t len = strlen(name);
	pgo_shape_check *c = malloc(sizeof *c + len + 1);
	if (!c)
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory", name);
	memcpy(c->name, name, len + 1);
	if (limits)
		c->limits = *limits;
	else
		pgo_limits_default(&c->limits);
	pgo_wirecheck_init(&c->check, c->name, &c->limits, false);
	*out = c;
	return PGO_OK;
}

pgo_status pgo_shape_check_feed(pgo_shape_check *c, const uint8_t *data, size_t size, pgo_error *err)
{
	return pgo_wirecheck_feed(&c->check, data, size, err);
}

pgo_status pgo_shape_check_finish(pgo_shape_check *c, pgo_error *err)
{
	return pgo_wirecheck_end(&c->check, err);
}

void pgo_shape_check_free(pgo_shape_check *c)
{
	free(c);
}
