/* The interned string table: each distinct string is stored once, and
 * pgo_str 0 is always "". The strings keep the order they came in; the hash
 * index only finds them, so its seed is the process's (pgo_hash_seed):
 * strings from a profile cannot be chosen to collide. */
#include "internal.h"

pgo_status pgo_strings_init(pgo_strings *s)
{
	memset(s, 0, sizeof *s);
	s->mask = 63;
	s->slots = calloc(s->mask + 1, sizeof *s->slots);
	if (!s->slots)
		return PGO_ERR_NOMEM;
	pgo_profile fake = {.strings = *s};
	pgo_str zero;
	pgo_status st = pgo_intern(&fake, "", 0, &zero);
	*s = fake.strings;
	return st;
}

void pgo_strings_free(pgo_strings *s)
{
	free(s->bytes);
	free(s->offsets);
	free(s->lengths);
	free(s->slots);
	memset(s, 0, sizeof *s);
}

const char *pgo_string(const pgo_profile *p, pgo_str id, size_t *len)
{
	const pgo_strings *s = &p->strings;
	if (id >= s->count) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = s->lengths[id];
	return s->bytes + s->offsets[id];
}

int pgo_string_cmp(const pgo_profile *a, pgo_str x, const pgo_profile *b, pgo_str y)
{
	size_t lx, ly;
	const char *sx = pgo_string(a, x, &lx);
	const char *sy = pgo_string(b, y, &ly);
	int c = memcmp(sx, sy, lx < ly ? lx : ly);
	if (c)
		return c;
	return lx < ly ? -1 : lx > ly;
}

/* A slot's tag is the hash's high half, and a string's home slot is its
 * tag's low bits: a probe rejects most other strings without touching
 * their bytes, and growing moves slots without hashing a string again. */
static PGO_INLINE uint32_t tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

static pgo_status grow_slots(pgo_strings *s)
{
	uint32_t size = (s->mask + 1) * 2;
	if (size == 0 || size > (1u << 30))
		return PGO_ERR_LIMIT;
	uint64_t *slots = calloc(size, sizeof *slots);
	if (!slots)
		return PGO_ERR_NOMEM;
	uint32_t mask = size - 1;
	for (uint32_t i = 0; i <= s->mask; i++) {
		uint64_t v = s->slots[i];
		if (!v)
			continue;
		uint32_t j = tag_of(v) & mask;
		while (slots[j])
			j = (j + 1) & mask;
		slots[j] = v;
	}
	free(s->slots);
	s->slots = slots;
	s->mask = mask;
	return PGO_OK;
}

pgo_status pgo_intern(pgo_profile *p, const char *str, size_t len, pgo_str *out)
{
	pgo_strings *s = &p->strings;
	if (len > UINT32_MAX - 1)
		return PGO_ERR_LIMIT;
	uint32_t tag = tag_of(pgo_hash_keyed(str, len, pgo_hash_seed()));
	uint32_t j = tag & s->mask;
	for (;; j = (j + 1) & s->mask) {
		uint64_t slot = s->slots[j];
		if (!slot)
			break;
		if (tag_of(slot) != tag)
			continue;
		uint32_t v = (uint32_t)slot - 1;
		if (s->lengths[v] == len && memcmp(s->bytes + s->offsets[v], str, len) == 0) {
			*out = v;
			return PGO_OK;
		}
	}
	if (s->count >= s->cap_entries) {
		uint32_t cap = s->cap_entries;
		if (PGO_GROW(s->lengths, cap, (uint64_t)s->count + 1))
			return PGO_ERR_NOMEM;
		cap = s->cap_entries;
		if (PGO_GROW(s->offsets, cap, (uint64_t)s->count + 1))
			return PGO_ERR_NOMEM;
		s->cap_entries = cap;
	}
	if (s->used + len + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->used + len + 1)
			cap *= 2;
		char *b = realloc(s->bytes, cap);
		if (!b)
			return PGO_ERR_NOMEM;
		s->bytes = b;
		s->cap = cap;
	}
	if (len)
		memcpy(s->bytes + s->used, str, len);
	s->bytes[s->used + len] = '\0';
	s->offsets[s->count] = s->used;
	s->lengths[s->count] = (uint32_t)len;
	s->used += len + 1;
	s->slots[j] = (uint64_t)tag << 32 | ((uint64_t)s->count + 1);
	*out = s->count++;
	if ((uint64_t)s->count * 2 > s->mask)
		return grow_slots(s);
	return PGO_OK;
}
