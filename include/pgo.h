/*
 * libpgo: decode, validate, merge and encode pprof profiles, and compute the
 * call-edge view that the Go compiler takes from a PGO profile.
 *
 * The library does no I/O beyond the buffers it is handed, never prints and
 * never exits. Every call that can fail returns a pgo_status and, when given
 * a pgo_error, fills it with one line that names the input, the byte offset
 * where one is known, and the rule that was broken.
 */
#ifndef PGO_H
#define PGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PGO_VERSION "0.1.0"

typedef enum pgo_status {
	PGO_OK = 0,
	PGO_ERR_NOMEM,        /* an allocation failed */
	PGO_ERR_EMPTY,        /* the input holds no bytes */
	PGO_ERR_COMPRESSION,  /* corrupt or truncated gzip/zstd stream */
	PGO_ERR_FORMAT,       /* bytes are not a well-formed pprof protobuf */
	PGO_ERR_INVALID,      /* well-formed, but breaks a pprof validity rule */
	PGO_ERR_LIMIT,        /* a size or count limit was exceeded */
	PGO_ERR_INCOMPATIBLE, /* profiles with different sample or period types */
	PGO_ERR_NO_VALUE,     /* no samples/count or cpu/nanoseconds column */
	PGO_ERR_NO_START_LINE,/* no Function.start_line: the compiler rejects it */
	PGO_ERR_ARGUMENT,     /* the caller passed something unusable */
	/* Codes for the layers above libpgo, which the library never returns. */
	PGO_ERR_IO,           /* a file could not be read or written */
	PGO_ERR_NETWORK,      /* a request failed: connection, timeout, HTTP status */
	PGO_ERR_UNUSABLE,     /* a profile the Go compiler would reject or ignore */
} pgo_status;

typedef struct pgo_error {
	pgo_status status;
	char message[480];
} pgo_error;

/* A short, stable name for a status ("compression", "limit", ...). */
const char *pgo_status_name(pgo_status status);

/*
 * Fills err (when not NULL) with status and a printf-style message, and
 * returns status, so that any layer can `return pgo_fail(err, ...)`.
 */
pgo_status pgo_fail(pgo_error *err, pgo_status status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* ------------------------------------------------------------------ */
/* Limits applied to untrusted input.                                  */

typedef struct pgo_limits {
	size_t max_decompressed_bytes; /* per input, after gzip/zstd */
	uint32_t max_strings;
	uint32_t max_sample_types;
	uint32_t max_samples;
	uint32_t max_locations;
	uint32_t max_functions;
	uint32_t max_mappings;
	uint32_t max_lines;            /* Line entries over all locations */
	uint32_t max_sample_locations; /* location ids over all samples */
	uint32_t max_labels;           /* labels over all samples */
} pgo_limits;

/* Defaults: 1 GiB decompressed; 2^24 samples, locations and strings. */
void pgo_limits_default(pgo_limits *limits);

/* ------------------------------------------------------------------ */
/* Compression.                                                        */

typedef enum pgo_compression {
	PGO_COMPRESSION_NONE,
	PGO_COMPRESSION_GZIP,
	PGO_COMPRESSION_ZSTD,
} pgo_compression;

/* Looks at the magic bytes only; never at a file name. */
pgo_compression pgo_sniff(const uint8_t *data, size_t size);

/*
 * Whether data may be a pprof profile, from its first bytes (of the
 * decompressed data, for gzip or zstd): empty, or a protobuf whose first
 * field is one a Profile can hold. JSON (metrics.json), Go execution traces
 * and text are not, compressed or not. Only the first byte is
 * decompressed: a true answer can still fail pgo_decode.
 */
bool pgo_looks_like_pprof(const uint8_t *data, size_t size);

/*
 * Returns the decompressed form of data in *out (malloc'd, caller frees).
 * Raw data is copied. Fails with PGO_ERR_LIMIT past max_out bytes, whatever
 * the stream's own headers claim.
 */
pgo_status pgo_decompress(const uint8_t *data, size_t size, const char *name,
                          size_t max_out, uint8_t **out, size_t *out_size,
                          pgo_error *err);

/* gzip-compresses data at level 1..12 (libdeflate's scale). */
pgo_status pgo_gzip(const uint8_t *data, size_t size, int level,
                    uint8_t **out, size_t *out_size, pgo_error *err);

/* The most threads pgo_gzip_threads uses; a larger count is capped. */
#define PGO_GZIP_MAX_THREADS 8
/*
 * pgo_gzip on up to `threads` threads (1 below 1), as independent 1 MiB
 * members: the output bytes are the same whatever the count. Data under
 * 4 MiB is compressed on the calling thread alone. A thread that cannot
 * start or allocate leaves its share to the calling thread.
 */
pgo_status pgo_gzip_threads(const uint8_t *data, size_t size, int level, int threads,
                            uint8_t **out, size_t *out_size, pgo_error *err);

/* ------------------------------------------------------------------ */
/* The in-memory profile.                                              */

/* Index into the profile's interned string table; 0 is always "". */
typedef uint32_t pgo_str;

/* Marks a missing mapping or function reference. */
#define PGO_NONE UINT32_MAX

typedef struct pgo_value_type {
	pgo_str type;
	pgo_str unit;
} pgo_value_type;

typedef struct pgo_mapping {
	uint64_t id;
	uint64_t memory_start;
	uint64_t memory_limit;
	uint64_t file_offset;
	pgo_str filename;
	pgo_str build_id;
	bool has_functions;
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
} pgo_mapping;

typedef struct pgo_function {
	uint64_t id;
	pgo_str name;
	pgo_str system_name;
	pgo_str filename;
	int64_t start_line;
} pgo_function;

typedef struct pgo_line {
	uint32_t function; /* index into functions[], or PGO_NONE */
	int64_t line;
	int64_t column;
} pgo_line;

typedef struct pgo_location {
	uint64_t id;
	uint64_t address;
	uint32_t mapping;  /* index into mappings[], or PGO_NONE */
	uint32_t lines_at; /* first entry in lines[] */
	uint32_t n_lines;  /* innermost (deepest inlined) first */
	bool is_folded;
} pgo_location;

typedef struct pgo_label {
	pgo_str key;
	pgo_str str;      /* nonzero for a string label */
	int64_t num;
	pgo_str num_unit;
} pgo_label;

typedef struct pgo_sample {
	uint32_t locations_at; /* first entry in sample_locations[] (indexes, leaf first) */
	uint32_t n_locations;
	uint32_t labels_at;    /* first entry in labels[] */
	uint32_t n_labels;
	/* values: values[sample_index * n_sample_types ...] */
} pgo_sample;

typedef struct pgo_strings {
	char *bytes;          /* every string, each followed by a NUL */
	size_t used, cap;
	size_t *offsets;      /* start of string i in bytes */
	uint32_t *lengths;
	uint32_t count, cap_entries;
	uint64_t *slots;      /* hash index: string index + 1 (low half) and the
	                       * hash's high half as a tag; 0 = empty */
	uint32_t mask;
} pgo_strings;

typedef struct pgo_profile {
	pgo_strings strings;

	pgo_value_type *sample_types;
	uint32_t n_sample_types;

	pgo_sample *samples;
	uint32_t n_samples;
	int64_t *values;            /* n_samples * n_sample_types */
	uint32_t *sample_locations; /* location indexes */
	uint32_t n_sample_locations;
	pgo_label *labels;
	uint32_t n_labels;

	pgo_mapping *mappings;
	uint32_t n_mappings;
	pgo_location *locations;
	uint32_t n_locations;
	pgo_line *lines;
	uint32_t n_lines;
	pgo_function *functions;
	uint32_t n_functions;

	pgo_str drop_frames;
	pgo_str keep_frames;
	int64_t time_nanos;
	int64_t duration_nanos;
	pgo_value_type period_type;
	int64_t period;
	pgo_str *comments;
	uint32_t n_comments;
	pgo_str default_sample_type;
	pgo_str doc_url;

	/* capacities of the growable arrays above */
	uint32_t cap_sample_types, cap_samples, cap_values, cap_sample_locations,
	         cap_labels, cap_mappings, cap_locations, cap_lines,
	         cap_functions, cap_comments;
} pgo_profile;

pgo_profile *pgo_profile_new(void);
void pgo_profile_free(pgo_profile *p);

/* String access and interning. */
const char *pgo_string(const pgo_profile *p, pgo_str s, size_t *len);
pgo_status pgo_intern(pgo_profile *p, const char *s, size_t len, pgo_str *out);

/*
 * Builders, for tests, generators and the compactor. IDs are assigned as
 * index + 1. The returned index is valid until the next call that grows the
 * same array.
 */
pgo_status pgo_add_sample_type(pgo_profile *p, const char *type, const char *unit);
pgo_status pgo_add_function(pgo_profile *p, const char *name, const char *system_name,
                            const char *filename, int64_t start_line, uint32_t *index);
pgo_status pgo_add_mapping(pgo_profile *p, const pgo_mapping *m, uint32_t *index);
/* lines: n_lines entries, innermost first; mapping may be PGO_NONE. */
pgo_status pgo_add_location(pgo_profile *p, uint32_t mapping, uint64_t address,
                            const pgo_line *lines, uint32_t n_lines, uint32_t *index);
/* values: n_sample_types entries; labels may be NULL when n_labels is 0. */
pgo_status pgo_add_sample(pgo_profile *p, const uint32_t *locations, uint32_t n_locations,
                          const int64_t *values, const pgo_label *labels, uint32_t n_labels);

/* ------------------------------------------------------------------ */
/* Decoding and encoding.                                              */

/*
 * Decodes raw, gzip or zstd pprof bytes (sniffed) and validates them:
 * string indices in range, string_table[0] == "", nonzero unique IDs,
 * resolvable references, one value per sample type. name is used in error
 * messages only. limits may be NULL for the defaults.
 */
pgo_status pgo_decode(const uint8_t *data, size_t size, const char *name,
                      const pgo_limits *limits, pgo_profile **out, pgo_error *err);

typedef struct pgo_decode_options {
	const pgo_limits *limits; /* NULL for the defaults */
	/*
	 * 0 keeps every frame of every sample. N keeps the N leaf-most frames
	 * and skips the rest unread; the compiler reads only 2, so the edge
	 * view decodes with 2 and goes much faster on deep stacks.
	 */
	uint32_t keep_frames;
} pgo_decode_options;

/* pgo_decode with options; options may be NULL. */
pgo_status pgo_decode_with(const uint8_t *data, size_t size, const char *name,
                           const pgo_decode_options *options, pgo_profile **out, pgo_error *err);

/* One sample type's column, summed over every sample. */
typedef struct pgo_value_sum {
	char *type, *unit;   /* the sample type's strings (NUL-terminated copies) */
	int64_t sum;         /* the values of samples before bad_at, added up */
	/* 1-based number of the first sample whose value is negative or takes
	 * the sum past INT64_MAX (then sum stops before it); 0 when none does */
	uint32_t bad_at;
	int64_t bad_value;   /* that sample's value */
} pgo_value_sum;

typedef struct pgo_value_sums {
	pgo_value_sum *columns; /* n_sample_types, in the profile's order */
	uint32_t n_sample_types;
	uint32_t n_samples;
	int64_t time_nanos, duration_nanos, period;
} pgo_value_sums;

/*
 * The values-only pass: what pgo_decode + adding up each sample type's
 * values gives, without building the profile. Strings are not interned
 * (only the sample types' are copied out), and lines, location ids, labels
 * and values are checked and counted but not stored, so it costs a
 * fraction of pgo_decode.
 *
 * It accepts exactly the bytes pgo_decode accepts: the same decompression
 * and bounds, every field's wire type and length at every depth, string
 * indices in range, string_table[0] == "", nonzero unique IDs, every
 * mapping, function and location reference resolved, one value per sample
 * type, and every limit counted as pgo_decode counts it. When it fails,
 * pgo_decode fails with the same status and message (out of memory aside,
 * which depends on what each allocates). A store can therefore accept an
 * upload on this pass alone and still decode it later.
 *
 * On success *out holds the sums; free them with pgo_value_sums_free.
 * On failure *out is zeroed. limits may be NULL for the defaults.
 */
pgo_status pgo_sum_values(const uint8_t *data, size_t size, const char *name, const pgo_limits *limits,
                          pgo_value_sums *out, pgo_error *err);
void pgo_value_sums_free(pgo_value_sums *sums);

/*
 * The check pgo_decode makes of raw pprof bytes as they stream out of
 * gzip or zstd, for callers that receive raw bytes a piece at a time (a
 * zip entry as it inflates): the top-level fields' numbers and wire types,
 * each length-delimited field's length, and the count limits, so that
 * zeros, junk or a huge field are refused at their first bad field without
 * the rest being read. Errors say "NAME: offset N: RULE", N counting from
 * the first byte fed. Passing the check does not make a valid profile:
 * pgo_decode still checks the payloads. limits may be NULL for the
 * defaults; name and limits are copied.
 */
typedef struct pgo_shape_check pgo_shape_check;
pgo_status pgo_shape_check_new(const char *name, const pgo_limits *limits, pgo_shape_check **out,
                               pgo_error *err);
/* Checks the next size bytes. A failure within the first 32 bytes is
 * returned once 32 bytes have come, or by finish, so that its message can
 * say what the data looks like ("this is JSON, not a pprof profile"). After
 * a failure it returns that status again and leaves err as it is. */
pgo_status pgo_shape_check_feed(pgo_shape_check *c, const uint8_t *data, size_t size, pgo_error *err);
/* At the end of the data: fails when it ends inside a field. */
pgo_status pgo_shape_check_finish(pgo_shape_check *c, pgo_error *err);
void pgo_shape_check_free(pgo_shape_check *c);

/*
 * Encodes the profile as pprof protobuf; deterministic for a given profile.
 * gzip_level 0 writes raw protobuf, otherwise gzip at that level.
 */
pgo_status pgo_encode(const pgo_profile *p, int gzip_level,
                      uint8_t **out, size_t *out_size, pgo_error *err);
/* pgo_encode with the gzip on up to `threads` threads (see
 * pgo_gzip_threads): the same bytes as pgo_encode. */
pgo_status pgo_encode_threads(const pgo_profile *p, int gzip_level, int threads,
                              uint8_t **out, size_t *out_size, pgo_error *err);

/* ------------------------------------------------------------------ */
/* Merge.                                                              */

typedef struct pgo_merge_options {
	bool keep_labels;          /* default false: labels are dropped */
	const char *const *noinline; /* leaf function names to rename; NULL-terminated */
	const char *const *names;    /* optional: the inputs' names, for error messages */
} pgo_merge_options;

/* The names datadog-pgo protects from inlining. NULL-terminated. */
extern const char *const pgo_default_noinline[];

/*
 * Merges n profiles. The result depends only on the set of inputs, not on
 * their order: inputs are taken in a canonical order before merging. Inputs
 * must share period type and sample types. Zero samples and unreferenced
 * entities are dropped. Inputs are not modified.
 */
pgo_status pgo_merge(pgo_profile *const *inputs, size_t n,
                     const pgo_merge_options *options,
                     pgo_profile **out, pgo_error *err);

/*
 * The incremental merger behind pgo_merge, for callers that hold one input
 * at a time: inputs are merged in the order they are added (the caller
 * chooses a canonical order, e.g. with pgo_canonical_order), and each may
 * be freed as soon as it has been added. name is used in messages.
 */
typedef struct pgo_merger pgo_merger;
pgo_status pgo_merger_new(const pgo_merge_options *options, pgo_merger **out, pgo_error *err);
pgo_status pgo_merger_add(pgo_merger *m, const pgo_profile *p, const char *name, pgo_error *err);
/*
 * Adds p with every sample value multiplied by scale (a weighted merge;
 * pgo_merger_add is scale 1). Each value v becomes round(v * scale),
 * computed in IEEE double and rounded half away from zero, as pprof's
 * Profile.Scale does; a sample whose values all round to 0 is dropped.
 * Headers (duration, period) are not scaled. scale must be finite and
 * greater than 0 (PGO_ERR_ARGUMENT). With a scale other than 1, a negative
 * value is refused (PGO_ERR_INVALID), and so is a product that does not
 * fit in int64 (PGO_ERR_LIMIT). From the first call of this function on,
 * any scale included, every sum the merger makes is checked and an
 * overflow refused (PGO_ERR_LIMIT) instead of wrapping around as Go's
 * int64 sums do; the message names the input. Exactly equal inputs added
 * with different scales must be added in an order fixed by their scales
 * (e.g. ascending) for the output not to depend on the caller's order.
 */
pgo_status pgo_merger_add_scaled(pgo_merger *m, const pgo_profile *p, const char *name, double scale,
                                 pgo_error *err);
/* Returns the merged profile; the merger accepts no more inputs after. */
pgo_status pgo_merger_finish(pgo_merger *m, pgo_profile **out, pgo_error *err);
void pgo_merger_free(pgo_merger *m);

/*
 * PGO_OK when a and b may be merged: the same period type and the same
 * sample types in the same order; PGO_ERR_INCOMPATIBLE otherwise, with a
 * message that names both (a_name, b_name) and their types.
 */
pgo_status pgo_check_compatible(const pgo_profile *a, const char *a_name, const pgo_profile *b,
                                const char *b_name, pgo_error *err);

/*
 * A canonical order for n encoded inputs: sorted by their protobuf bytes
 * after decompression (their CRC-32 and size, then a 128-bit hash where
 * those tie), so that the same set of profiles gives the same sequence of
 * contents whatever order they came in and however each was compressed
 * (gzip, zstd or raw). gzip inputs are not inflated for it: the CRC-32 and
 * size come from their trailers (a gzip stream of several members that are
 * not pgotool's blocks is placed by its last member's). An input that does
 * not decompress is placed by its own bytes. order[i] receives the index
 * of the i-th input to merge.
 */
pgo_status pgo_canonical_order(const uint8_t *const *data, const size_t *sizes, size_t n, size_t *order);

/*
 * The key pgo_canonical_order sorts by, for callers that hold one input at a
 * time: fingerprint each, sort with pgo_fingerprint_cmp, then refine every
 * input of each run of equal keys and sort that run again (refined keys that
 * are equal mean the same content, whose order does not matter); then merge
 * in that order.
 */
typedef struct pgo_fingerprint {
	uint32_t crc;     /* CRC-32 of the decompressed bytes, or of the bytes when they do not decompress */
	uint32_t size32;  /* their size, mod 2^32 */
	bool compressed;  /* true only when the bytes did not decompress */
	bool refined;     /* hash is filled in */
	uint64_t hash[2]; /* 128-bit hash of the same bytes */
} pgo_fingerprint;
pgo_status pgo_fingerprint_input(const uint8_t *data, size_t size, pgo_fingerprint *out);
pgo_status pgo_fingerprint_refine(const uint8_t *data, size_t size, pgo_fingerprint *fp);
int pgo_fingerprint_cmp(const pgo_fingerprint *a, const pgo_fingerprint *b);

/* The datadog-pgo rename: a function at a sample's leaf frame whose name
 * is in names becomes "DO NOT INLINE: <name>". Counts renamed functions. */
pgo_status pgo_rename_noinline(pgo_profile *p, const char *const *names,
                               uint32_t *renamed, pgo_error *err);

/* ------------------------------------------------------------------ */
/* The compiler's view.                                                */

typedef struct pgo_edge {
	pgo_str caller;   /* strings of the source profile */
	pgo_str callee;
	int64_t offset;   /* caller line - caller start_line */
	int64_t weight;
} pgo_edge;

typedef struct pgo_edges {
	pgo_edge *edges;  /* sorted as go tool preprofile prints them */
	size_t n_edges;
	int64_t total_weight;
	int value_index;  /* the sample type used, or -1 for an empty profile */
} pgo_edges;

/*
 * Computes the named call-edge map the Go compiler builds from p: value
 * column, two-frame rule, node selection and ordering as in Go. A profile
 * with no samples or zero total weight gives no edges.
 */
pgo_status pgo_edges_compute(const pgo_profile *p, pgo_edges *out, pgo_error *err);
void pgo_edges_free(pgo_edges *e);

/* The text of `go tool preprofile` for these edges (malloc'd). */
pgo_status pgo_edges_format(const pgo_profile *p, const pgo_edges *e,
                            char **out, size_t *out_size, pgo_error *err);

/*
 * The hot call sites: the edges the inliner treats as hot, selected as
 * the Go compiler selects them (a cumulative-weight threshold over the
 * edges in pgo_edges order, 99 percent by default, as
 * -gcflags=-d=pgoinlinecdfthreshold sets it). Hot edges may be inlined up
 * to a cost of 2000 instead of 80; the compiler keys a hot call site by
 * (caller, offset) and a hot callee by its name.
 */
typedef struct pgo_hot {
	size_t n_hot;       /* edges[0 .. n_hot) of the pgo_edges are hot */
	double threshold;   /* percent, as given */
	/*
	 * The share (percent) of the last hot edge: what the compiler prints as
	 * hot-callsite-thres-from-CDF under -d=pgodebug=1. 0 when no prefix
	 * exceeds the threshold, and every edge is hot.
	 */
	double last_share;
} pgo_hot;

#define PGO_DEFAULT_HOT_THRESHOLD 99.0

/* Selects the hot edges of e at threshold_percent (0 to 100). */
pgo_status pgo_hot_select(const pgo_edges *e, double threshold_percent, pgo_hot *out, pgo_error *err);

/* weight as a percentage of total, computed as the compiler computes it. */
double pgo_weight_percent(int64_t weight, int64_t total);

/*
 * Staleness: whether the hot call sites of a profile still point at the
 * same code. The compiler finds a hot call site by its caller's link name
 * (ir.LinkFuncName: "pkg/path.(*T).M", "main.f[go.shape.int]",
 * "main.main.func1", the same spelling as the profile's and the binary's
 * DWARF names) and by the call's line offset from the caller's start line.
 * A site still matches today's code when a function of that name exists
 * and starts on the line the profile recorded; when the caller moved, its
 * offsets may now point at other calls, and when it was renamed or
 * deleted, its sites are lost.
 */

/* A function of today's code: its link name and declaration line. */
typedef struct pgo_code_func {
	const char *name; /* NUL-terminated */
	int64_t line;     /* 0 when unknown: then the function matches by its name alone */
} pgo_code_func;

typedef enum pgo_site_status {
	PGO_SITE_MATCHED,        /* the caller exists and starts on the profile's line */
	PGO_SITE_CALLER_MOVED,   /* the caller exists and starts on another line */
	PGO_SITE_CALLER_MISSING, /* no function has the caller's name: renamed or deleted */
} pgo_site_status;

/* A short, stable name for a status ("matched", "caller-moved", "caller-missing"). */
const char *pgo_site_status_name(pgo_site_status status);

typedef struct pgo_stale_site {
	size_t edge;            /* index into the pgo_edges */
	pgo_site_status status; /* never PGO_SITE_MATCHED here */
	int64_t profile_line;   /* the caller's start line in the profile (0: none; the least of several) */
	int64_t code_line;      /* its declaration line in today's code (0: missing or unknown) */
	bool callee_missing;    /* no function has the callee's name either (never for an uncompared name) */
} pgo_stale_site;

typedef struct pgo_staleness {
	size_t n_hot;                 /* = n_matched + n_moved + n_missing + n_uncompared */
	size_t n_matched, n_moved, n_missing;
	/* Callers no build matches, stale or not: unsymbolized (no name), or
	 * renamed "DO NOT INLINE: ..." on purpose (pgo_rename_noinline). */
	size_t n_uncompared;
	size_t n_name_only;           /* of n_matched: today's line is unknown, the name exists */
	size_t n_callee_missing;      /* hot sites whose callee is gone, whatever their status */
	int64_t hot_weight;           /* of the compared hot sites */
	int64_t matched_weight, moved_weight, missing_weight, uncompared_weight;
	/* matched_weight / hot_weight, within [0, 1]; 1 when nothing is compared. */
	double matched_share;
	pgo_stale_site *stale;        /* the hot sites that no longer match, in edge order (most weight first) */
	size_t n_stale;
} pgo_staleness;

/*
 * Compares the hot call sites (edges[0 .. hot->n_hot) of e, computed from
 * p) with today's functions. Names compare byte for byte, as the compiler
 * compares them. funcs may hold duplicates (a function's abstract and
 * concrete DWARF entries) and a name with several lines; a caller matches
 * when one of its lines in funcs equals one of the start lines the profile
 * holds for that name (a merge of profiles of several builds may hold
 * more than one), or when one of them is 0 (unknown). The result owns
 * nothing of funcs.
 */
pgo_status pgo_staleness_compute(const pgo_profile *p, const pgo_edges *e, const pgo_hot *hot,
                                 const pgo_code_func *funcs, size_t n_funcs, pgo_staleness *out,
                                 pgo_error *err);
void pgo_staleness_free(pgo_staleness *s);

/*
 * Whether `go build -pgo` takes p and learns from it. PGO_OK, or:
 *  - PGO_ERR_NO_VALUE: no sample type is samples/count or cpu/nanoseconds
 *    (not a CPU profile): go build fails;
 *  - PGO_ERR_NO_START_LINE: no function the compiler looks at has a start
 *    line, or every sample's value in its column is zero: go build fails
 *    ("profile missing Function.start_line data"; Go 1.27 ignores the
 *    all-zero case);
 *  - PGO_ERR_EMPTY: no samples at all: the compiler takes it and learns
 *    nothing.
 * The message says which, and what the compiler would do. name is the
 * profile's name in it.
 */
pgo_status pgo_check_for_compiler(const pgo_profile *p, const char *name, pgo_error *err);

/* ------------------------------------------------------------------ */
/* Inspection: what the edges mean to the compiler, and what may hurt. */

/*
 * A call site as the compiler keys it: (caller, line offset). Its callees
 * are the edges with that caller and offset. At an interface or
 * function-value call, PGO devirtualization adds a direct call to the
 * heaviest callee (cmd/compile/internal/devirtualize); several callees at
 * one site make it a candidate. (Several direct calls on one line share a
 * site too, so a candidate is not always an indirect call.)
 */
typedef struct pgo_site_callee {
	pgo_str callee;
	int64_t weight;
	size_t edge;      /* index in the pgo_edges */
} pgo_site_callee;

typedef struct pgo_call_site {
	pgo_str caller;
	int64_t offset;
	int64_t weight;     /* sum over its callees (wraps like Go) */
	size_t callees_at;  /* first entry in pgo_call_sites.callees */
	size_t n_callees;   /* heaviest first, ties by callee name: the devirtualizer's order */
	bool hot;           /* an edge of the site is hot: the compiler's hot-site key */
	/* callees that are calls in the source: all but the runtime's preemption
	 * and stack-growth entries (runtime.asyncPreempt, runtime.morestack...),
	 * which a signal or a function prologue puts below any frame */
	size_t n_source_callees;
	/* The heaviest callee is such an entry, heavier than every source callee.
	 * Having no code the compiler can see, it still counts as the site's
	 * hottest callee, so the compiler devirtualizes nothing there (checked
	 * with -d=pgodebug=2: "hottest callee runtime.asyncPreempt"). */
	bool pseudo_heaviest;
} pgo_call_site;

typedef struct pgo_call_sites {
	pgo_call_site *sites; /* heaviest first; ties in order of their heaviest edge */
	size_t n_sites;
	pgo_site_callee *callees;
	size_t n_callees;
} pgo_call_sites;

/*
 * Groups the edges of p into call sites. hot may be NULL (no site is hot);
 * otherwise a site is hot when one of its edges is among the hot ones.
 */
pgo_status pgo_call_sites_group(const pgo_profile *p, const pgo_edges *e, const pgo_hot *hot, pgo_call_sites *out,
                                pgo_error *err);

/* Whether a callee is the runtime's preemption or stack-growth entry rather
 * than a call written in the source (see pgo_call_site). */
bool pgo_pseudo_callee(const char *name, size_t len);
void pgo_call_sites_free(pgo_call_sites *s);

/*
 * The hot callees: callee names of the hot edges, which the inliner lets
 * cost up to 2000 instead of 80 (it prints "hot-node enabled increased
 * budget" for each it compiles). weight sums their hot edges.
 */
typedef struct pgo_hot_callee {
	pgo_str name;
	int64_t weight;
	size_t n_edges;   /* hot edges into it */
	size_t first_edge; /* its heaviest hot edge */
} pgo_hot_callee;

/* Heaviest first, ties in order of their heaviest edge. *out is malloc'd. */
pgo_status pgo_hot_callees(const pgo_edges *e, const pgo_hot *hot, pgo_hot_callee **out, size_t *n_out,
                           pgo_error *err);

/* Facts about a profile for a report; nothing here fails on odd data. */
typedef struct pgo_summary {
	int value_index;        /* the compiler's column, -1 when there is none */
	int count_index;        /* the samples/count column, -1 when there is none */
	uint64_t n_samples;     /* sample records */
	uint64_t n_weighted;    /* records with a nonzero value in the compiler's column */
	int64_t value_total;    /* sum of the compiler's column, wrapping like Go */
	int64_t count_total;    /* sum of samples/count (sampling events), or 0 without that column */
	bool all_zero;          /* records exist, and every value of the compiler's column is zero */
	bool has_start_line;    /* a function the compiler sees has a start line */
	/* weight of records whose leaf frame names no function (unsymbolized) */
	int64_t unsymbolized_weight;
	/* Where the profile comes from, from its function names and files. */
	uint32_t n_functions;   /* functions with a name */
	uint32_t n_go;          /* ... that look like Go: a .go file, or runtime./main. names */
	uint32_t n_foreign;     /* ... that look like C++, Rust, Java, Python, or a non-Go source file */
	pgo_str foreign_example;
	bool non_go;            /* nothing looks like Go and something looks foreign */
} pgo_summary;

pgo_status pgo_summarize(const pgo_profile *p, pgo_summary *out, pgo_error *err);

/* Fewer sampling events than this, and the hot set is mostly chance. */
#define PGO_FEW_SAMPLES 1000

/*
 * What would break or hurt a build with a profile, for a report. Each
 * finding has a stable code, a message that says what is wrong and what
 * the compiler does with it, and advice on what to do.
 */
typedef enum pgo_finding_kind {
	PGO_FINDING_NO_VALUE,      /* "no-sample-type": go build fails */
	PGO_FINDING_NO_START_LINE, /* "no-start-line": go build fails */
	PGO_FINDING_ALL_ZERO,      /* "all-zero": Go 1.26 and older fail, 1.27 ignores it */
	PGO_FINDING_EMPTY,         /* "empty": the compiler learns nothing */
	PGO_FINDING_NO_EDGES,      /* "no-edges": weighted samples, but not one call edge */
	PGO_FINDING_NON_GO,        /* "non-go": names that match no Go function */
	PGO_FINDING_UNSYMBOLIZED,  /* "unsymbolized": weight on frames without function names */
	PGO_FINDING_NOINLINE_HOT,  /* "bad-inline-target": a known bad inlining target is hot */
	PGO_FINDING_FEW_SAMPLES,   /* "few-samples": the hot set is noise */
} pgo_finding_kind;

typedef struct pgo_finding {
	pgo_finding_kind kind;
	const char *code;    /* static */
	bool build_fails;    /* go build -pgo fails with this profile (Go 1.26) */
	char message[400];
	char advice[320];
} pgo_finding;

/*
 * The findings for p. s, e and hot_callees come from pgo_summarize,
 * pgo_edges_compute and pgo_hot_callees (e and hot_callees may be empty
 * when the edges could not be computed). noinline: the known bad inlining
 * targets (NULL for pgo_default_noinline). *out is malloc'd, possibly
 * empty; the order is that of pgo_finding_kind.
 */
pgo_status pgo_findings(const pgo_profile *p, const pgo_summary *s, const pgo_edges *e,
                        const pgo_hot_callee *hot_callees, size_t n_hot_callees, const char *const *noinline,
                        pgo_finding **out, size_t *n_out, pgo_error *err);

/*
 * The sum over p's samples of the value column the Go compiler reads
 * (samples/count or cpu/nanoseconds, the first of them), as a weighted
 * merge compares inputs by it. PGO_ERR_NO_VALUE when p has no such
 * column, PGO_ERR_INVALID on a negative value, PGO_ERR_LIMIT when the sum
 * does not fit in int64; name is p's name in the message. A profile
 * without samples totals 0.
 */
pgo_status pgo_compiler_total(const pgo_profile *p, const char *name, int64_t *total, pgo_error *err);

/*
 * Builds the smallest profile whose edge map equals p's: two frames per
 * sample, one sample per named edge, one sample type, no mappings or
 * labels.
 */
pgo_status pgo_compact(const pgo_profile *p, pgo_profile **out, pgo_error *err);


/* ------------------------------------------------------------------ */
/* Comparing two profiles as the compiler sees them.                   */

/*
 * One named edge of either profile (the union of both edge maps), with its
 * weight and share in each; weight 0 and share 0 where it is absent.
 */
typedef struct pgo_diff_edge {
	uint32_t caller, callee; /* indexes into the diff's names */
	int64_t offset;
	int64_t old_weight, new_weight;
	double old_share, new_share; /* weight / total weight, from 0 to 1 */
	bool in_old, in_new;
	bool old_hot, new_hot;       /* among the hot edges (pgo_hot_select) */
} pgo_diff_edge;

/* A call site (caller, offset) of either profile. */
typedef struct pgo_diff_site {
	uint32_t caller;
	int64_t offset;
	bool old_hot, new_hot;            /* the inliner's hot call sites */
	uint32_t old_callees, new_callees; /* distinct callees at the site */
	/*
	 * The callee devirtualization would pick (the heaviest, ties to the
	 * bytewise-first name, none when its weight is 0), or PGO_NONE.
	 */
	uint32_t old_target, new_target;
	int64_t old_target_weight, new_target_weight;
	double old_share, new_share;      /* the site's share of each total */
} pgo_diff_site;

/*
 * The difference between two profiles for the Go compiler, as data.
 *
 * overlap = sum over the union of edges e of min(p_e, q_e), where p_e and
 * q_e are e's weight divided by its profile's total weight: 1 minus the
 * total variation distance of the two weight distributions. 1 means the
 * same shares everywhere, 0 no edge in common. Two profiles without edges
 * overlap 1; one without edges and one with overlap 0. Negative weights
 * (only a corrupt profile has them) count as 0. Computed exactly in
 * integers, so a profile compared with itself, or with a multiple of
 * itself, gives exactly 1.
 *
 * The compiler's decisions are (a) the hot call sites (caller, offset) and
 * the hot callees (by name), which the inliner takes from the hot edges
 * (pgo_hot_select at the threshold), and (b) for every call site with
 * several callees in either profile, the callee devirtualization picks.
 * decisions_equal is true when both are the same for the two profiles.
 *
 * Names are the diff's own (the profiles may be freed), sorted bytewise,
 * so comparing indexes compares names.
 */
typedef struct pgo_diff {
	double overlap;
	double threshold;             /* the hot threshold used, percent */
	int64_t old_total, new_total; /* the edge maps' total weights */
	size_t old_edges, new_edges;  /* named edges in each */
	size_t old_hot_edges, new_hot_edges;
	size_t old_hot_sites, new_hot_sites;

	char *name_bytes;             /* every name, each followed by a NUL */
	size_t *name_at;
	size_t *name_len;
	uint32_t n_names;

	pgo_diff_edge *edges;         /* the union; biggest |new_share - old_share| first */
	size_t n_edges;
	pgo_diff_site *sites;         /* every call site, by caller name then offset */
	size_t n_sites;

	/* What changes, as indexes into sites or names, each in that order. */
	size_t *hot_sites_added, *hot_sites_removed;
	size_t n_hot_sites_added, n_hot_sites_removed;
	uint32_t *hot_callees_added, *hot_callees_removed;
	size_t n_hot_callees_added, n_hot_callees_removed;
	size_t *target_changes;       /* sites whose devirtualization target changes */
	size_t n_target_changes;

	bool decisions_equal;
} pgo_diff;

/*
 * Compares the edge maps old_e (of old_p) and new_e (of new_p), from
 * pgo_edges_compute, with hot edges selected at threshold_percent (0 to
 * 100; PGO_DEFAULT_HOT_THRESHOLD as the compiler has it).
 */
pgo_status pgo_diff_compute(const pgo_profile *old_p, const pgo_edges *old_e, const pgo_profile *new_p,
                            const pgo_edges *new_e, double threshold_percent, pgo_diff *out, pgo_error *err);
void pgo_diff_free(pgo_diff *d);

/* Name i of the diff (NUL-terminated; len may be NULL). */
const char *pgo_diff_name(const pgo_diff *d, uint32_t i, size_t *len);

/* ------------------------------------------------------------------ */
/* Flame graphs.                                                       */

/*
 * The call tree of a profile for a flame graph: every sample's stack from
 * the root down, inlined calls as frames of their own, frames merged by
 * function name under the same parent (recursion stays as nested frames).
 * Frames whose total is below min_share of the whole (0 keeps all) are
 * folded, with everything under them, into their parent's self weight.
 * Samples whose value is not positive are left out; weights that would
 * pass INT64_MAX stay at it.
 */
#define PGO_FLAME_UNKNOWN (UINT32_MAX - 1) /* a frame without a function */

typedef struct pgo_flame_node {
	pgo_str name;      /* the function's name, or PGO_FLAME_UNKNOWN (also the root's) */
	uint32_t parent;   /* index into nodes[]; PGO_NONE for the root */
	int64_t total;     /* the weight of the samples through this frame */
	int64_t self;      /* of those, the samples that end here (or in folded frames under it) */
} pgo_flame_node;

typedef struct pgo_flame {
	pgo_flame_node *nodes; /* preorder from the root (node 0); siblings sorted by name, bytewise */
	size_t n_nodes;
	size_t pruned;         /* thin frames folded into their parents, each with all under it */
	int64_t total;         /* the root's total */
} pgo_flame;

/* The tree of column value_index (an index into p->sample_types). */
pgo_status pgo_flame_build(const pgo_profile *p, uint32_t value_index, double min_share, pgo_flame *out,
                           pgo_error *err);
void pgo_flame_free(pgo_flame *f);

#ifdef __cplusplus
}
#endif
#endif
