/*
 * Zip entries as src/source/input.c reads them: raw pprof bytes checked a
 * chunk at a time as they inflate (pgo_shape_check), with the offset in the
 * entry; valid entries larger than a chunk come through whole; compressed
 * entries and small files that are not profiles are left to their readers.
 */
#include "internal.h"
#include "pbwriter.h"
#include "testutil.h"

#include "input.h"

#include <libdeflate.h>

/* ---- a zip of stored entries ------------------------------------------ */

typedef struct zfile {
	const char *name;
	const uint8_t *data;
	size_t size;
} zfile;

static void le16(pbw *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	pbw_raw(b, x, 2);
}

static void le32(pbw *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	pbw_raw(b, x, 4);
}

static void zip_common(pbw *b, const zfile *f)
{
	le16(b, 0);      /* flags */
	le16(b, 0);      /* stored */
	le16(b, 0);      /* time */
	le16(b, 0x21);   /* date: 1980-01-01 */
	le32(b, (uint32_t)libdeflate_crc32(0, f->data, f->size));
	le32(b, (uint32_t)f->size);
	le32(b, (uint32_t)f->size);
	le16(b, (uint16_t)strlen(f->name));
	le16(b, 0);      /* extra */
}

static void make_zip(pbw *b, const zfile *f, int n)
{
	uint32_t at[8];
	b->len = 0;
	for (int i = 0; i < n; i++) {
		at[i] = (uint32_t)b->len;
		le32(b, 0x04034b50);
		le16(b, 20);
		zip_common(b, &f[i]);
		pbw_raw(b, f[i].name, strlen(f[i].name));
		pbw_raw(b, f[i].data, f[i].size);
	}
	size_t cd = b->len;
	for (int i = 0; i < n; i++) {
		le32(b, 0x02014b50);
		le16(b, 20);
		le16(b, 20);
		zip_common(b, &f[i]);
		le16(b, 0);
		le16(b, 0);
		le16(b, 0);
		le32(b, 0);
		le32(b, at[i]);
		pbw_raw(b, f[i].name, strlen(f[i].name));
	}
	size_t cd_size = b->len - cd;
	le32(b, 0x06054b50);
	le16(b, 0);
	le16(b, 0);
	le16(b, (uint16_t)n);
	le16(b, (uint16_t)n);
	le32(b, (uint32_t)cd_size);
	le32(b, (uint32_t)cd);
	le16(b, 0);
}

/* ---- profiles ---------------------------------------------------------- */

/* A valid profile of at least `size` bytes: its string table holds
 * strings of 100 bytes beyond the ones it uses. */
static void big_profile(pbw *b, size_t size)
{
	b->len = 0;
	pbw_value_type(b, 1, 1, 2);
	int64_t v[1] = {3};
	uint64_t loc[1] = {1};
	pbw_sample(b, loc, 1, v, 1);
	pbw_location1(b, 1, 0, 0x1000, 1, 7);
	pbw_function(b, 1, 3, 3, 4, 5);
	static const char *const s[] = {"", "samples", "count", "main.f", "f.go"};
	pbw_strings(b, s, 5);
	char pad[101];
	for (unsigned i = 0; b->len < size; i++) {
		snprintf(pad, sizeof pad, "%0100u", i);
		pbw_str(b, 6, pad);
	}
}

/* ---- the public check ---------------------------------------------------- */

/* pgo_shape_check, fed in pieces of `piece` bytes. */
static pgo_status shape_check(const char *name, const uint8_t *d, size_t n, size_t piece, pgo_error *err)
{
	pgo_shape_check *c = NULL;
	pgo_status st = pgo_shape_check_new(name, NULL, &c, err);
	if (st)
		return st;
	for (size_t at = 0; at < n && !st; at += piece)
		st = pgo_shape_check_feed(c, d + at, n - at < piece ? n - at : piece, err);
	if (!st)
		st = pgo_shape_check_finish(c, err);
	pgo_shape_check_free(c);
	return st;
}

static void test_shape_check(void)
{
	pbw b = {0};
	big_profile(&b, 5000);
	size_t good = b.len;
	pgo_error err = {0};
	static const size_t pieces[] = {1, 7, 4096, (size_t)1 << 20};
	for (size_t i = 0; i < 4; i++)
		CHECK(shape_check("p", b.data, b.len, pieces[i], &err) == PGO_OK);

	/* the decoder's verdict and message, whatever the pieces */
	static const uint8_t zeros[8];
	pbw_raw(&b, zeros, sizeof zeros);
	pgo_profile *p = NULL;
	pgo_error want = {0};
	CHECK(pgo_decode(b.data, b.len, "p", NULL, &p, &want) == PGO_ERR_FORMAT);
	char expect[96];
	snprintf(expect, sizeof expect, "p: offset %zu: field number 0 is not valid", good);
	CHECK(strncmp(want.message, expect, strlen(expect)) == 0);
	for (size_t i = 0; i < 4; i++) {
		memset(&err, 0, sizeof err);
		CHECK(shape_check("p", b.data, b.len, pieces[i], &err) == PGO_ERR_FORMAT);
		CHECK(strcmp(err.message, want.message) == 0);
	}

	/* a field cut by the end of the data fails at the finish */
	b.len = good;
	pbw_key(&b, 6, PBW_LEN);
	pbw_varint(&b, 10);
	CHECK(shape_check("p", b.data, b.len, 3, &err) == PGO_ERR_FORMAT);
	CHECK(strstr(err.message, "claims 10 bytes but only 0 remain") != NULL);

	/* the name is copied; NULL is <input>; a failure in the first 32 bytes
	 * is told once they have come (or at the end), to say what the data
	 * looks like; after a failure, the same status again and err untouched */
	char name[8] = "mine";
	pgo_shape_check *c = NULL;
	CHECK_OK(pgo_shape_check_new(name, NULL, &c, &err));
	strcpy(name, "gone");
	CHECK_OK(pgo_shape_check_feed(c, zeros, 1, &err));
	CHECK(pgo_shape_check_finish(c, &err) == PGO_ERR_FORMAT);
	CHECK(strncmp(err.message, "mine: offset 0: ", 16) == 0);
	strcpy(err.message, "unchanged");
	CHECK(pgo_shape_check_feed(c, b.data, b.len, &err) == PGO_ERR_FORMAT);
	CHECK(pgo_shape_check_finish(c, &err) == PGO_ERR_FORMAT);
	CHECK(strcmp(err.message, "unchanged") == 0);
	pgo_shape_check_free(c);
	CHECK_OK(pgo_shape_check_new(NULL, NULL, &c, &err));
	static const uint8_t zeros32[32];
	CHECK_OK(pgo_shape_check_feed(c, zeros32, 31, &err));
	CHECK(pgo_shape_check_feed(c, zeros32 + 31, 1, &err) == PGO_ERR_FORMAT);
	CHECK(strncmp(err.message, "<input>: offset 0: ", 19) == 0);
	pgo_shape_check_free(c);
	CHECK_OK(pgo_shape_check_new("j", NULL, &c, &err));
	CHECK(pgo_shape_check_feed(c, (const uint8_t *)"{\"errors\":[\"Forbidden: a wrong API key\"]}", 41, &err) ==
	      PGO_ERR_FORMAT);
	CHECK(strncmp(err.message, "j: this is JSON, not a pprof profile (offset 0: ", 48) == 0);
	pgo_shape_check_free(c);

	/* the count limits are the caller's */
	pgo_limits l;
	pgo_limits_default(&l);
	l.max_strings = 3;
	CHECK_OK(pgo_shape_check_new("p", &l, &c, &err));
	CHECK(pgo_shape_check_feed(c, b.data, good, &err) == PGO_ERR_LIMIT);
	CHECK(strstr(err.message, "more than 3 strings") != NULL);
	pgo_shape_check_free(c);
	pgo_profile_free(p);
	pbw_free(&b);
}

/* ---- zip entries ------------------------------------------------------------ */

static void test_zip_entries(void)
{
	pbw prof = {0}, zip = {0};
	pgo_error err = {0};
	pgo_input_list list = {0};

	/* a valid raw profile of 3 MiB, more than one chunk: read whole */
	big_profile(&prof, (size_t)3 << 20);
	static const char json[] = "{\"go_goroutines\": 12}\n";
	uint8_t gz[] = {0x1f, 0x8b, 'n', 'o', 't', ' ', 'c', 'h', 'e', 'c', 'k', 'e', 'd'};
	zfile ok[] = {
		{"big.pprof", prof.data, prof.len},
		{"metrics.json", (const uint8_t *)json, sizeof json - 1},
		{"heap.pprof", gz, sizeof gz},
	};
	make_zip(&zip, ok, 3);
	CHECK_OK(pgo_read_zip("a.zip", zip.data, zip.len, (size_t)1 << 30, &list, &err));
	CHECK(list.n == 3);
	if (list.n == 3) {
		CHECK(strcmp(list.items[0].name, "a.zip:big.pprof") == 0);
		CHECK(list.items[0].size == prof.len && memcmp(list.items[0].data, prof.data, prof.len) == 0);
		/* a small file that is not a profile is the reader's to skip */
		CHECK(list.items[1].size == sizeof json - 1 && memcmp(list.items[1].data, json, sizeof json - 1) == 0);
		/* compressed bytes are checked when decoded */
		CHECK(list.items[2].size == sizeof gz && memcmp(list.items[2].data, gz, sizeof gz) == 0);
	}
	pgo_input_list_free(&list);

	/* a bad field 2.5 MiB in: refused with its offset in the entry */
	size_t bad_at = 0;
	big_profile(&prof, (size_t)5 << 19);
	bad_at = prof.len;
	pbw_key(&prof, 3, PBW_VARINT);
	big_profile(&zip, 1); /* any bytes after it: never read */
	pbw_raw(&prof, zip.data, zip.len);
	zfile bad[] = {{"cpu.pprof", prof.data, prof.len}};
	make_zip(&zip, bad, 1);
	CHECK(pgo_read_zip("b.zip", zip.data, zip.len, (size_t)1 << 30, &list, &err) == PGO_ERR_FORMAT);
	char want[160];
	snprintf(want, sizeof want,
	         "b.zip:cpu.pprof: offset %zu: mapping (field 3) has wire type 0, expected 2 (length-delimited)", bad_at);
	CHECK(strncmp(err.message, want, strlen(want)) == 0);
	if (strncmp(err.message, want, strlen(want)) != 0)
		fprintf(stderr, "got: %s\nwant: %s\n", err.message, want);
	CHECK(list.n == 0);
	pgo_input_list_free(&list);

	pbw_free(&prof);
	pbw_free(&zip);
}

int main(void)
{
	RUN_TESTS("zip_input", test_shape_check, test_zip_entries);
}
