/* Growable arrays, hashing and the open-addressing index. */
#include "internal.h"

pgo_status pgo_grow(void **array, uint32_t *cap, uint64_t need, size_t size)
{
	if (need <= *cap)
		return PGO_OK;
	if (need > UINT32_MAX - 1)
		return PGO_ERR_LIMIT;
	uint64_t ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX - 1)
		ncap = UINT32_MAX - 1;
	void *p = realloc(*array, (size_t)ncap * size);
	if (!p)
		return PGO_ERR_NOMEM;
	*array = p;
	*cap = (uint32_t)ncap;
	return PGO_OK;
}

uint64_t pgo_hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = pgo_mix(h, w);
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	memcpy(&tail, p, len);
	return pgo_mix(h, tail ^ ((uint64_t)len << 56));
}

uint64_t pgo_hash_keyed(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed;
	size_t n = len;
	for (; n >= 16; p += 16, n -= 16) {
		uint64_t a, b;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = pgo_hash_step(h, a, b, seed);
	}
	/* The tail leaves b's top byte free for the length, so that zeros
	 * padding the tail do not make strings of other lengths equal. */
	uint64_t a = 0, b = 0;
	if (n > 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, n - 8);
	} else {
		memcpy(&a, p, n);
	}
	return pgo_hash_step(h, a, b ^ (uint64_t)len << 56, seed);
}

pgo_status pgo_index_init(pgo_index *ix, uint32_t expected)
{
	uint32_t size = 16;
	while (size < (uint64_t)expected * 2 && size < (1u << 30))
		size *= 2;
	ix->slots = calloc(size, sizeof *ix->slots);
	if (!ix->slots)
		return PGO_ERR_NOMEM;
	ix->mask = size - 1;
	ix->count = 0;
	return PGO_OK;
}

void pgo_index_free(pgo_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->mask = ix->count = 0;
}

static inline uint32_t tag_of(uint64_t hash)
{
	return (uint32_t)(hash >> 32);
}

uint32_t pgo_index_find(const pgo_index *ix, uint64_t hash, pgo_index_eq eq,
                        const void *ctx, const void *key, uint32_t *slot)
{
	uint32_t tag = tag_of(hash);
	for (uint32_t i = tag & ix->mask;; i = (i + 1) & ix->mask) {
		uint64_t v = ix->slots[i];
		if (v == 0) {
			*slot = i;
			return PGO_NONE;
		}
		if ((uint32_t)(v >> 32) == tag && eq(ctx, (uint32_t)v - 1, key))
			return (uint32_t)v - 1;
	}
}

static pgo_status rehash(pgo_index *ix)
{
	uint32_t old_size = ix->mask + 1;
	if (old_size >= (1u << 31))
		return PGO_ERR_LIMIT;
	uint32_t size = old_size * 2;
	uint64_t *slots = calloc(size, sizeof *slots);
	if (!slots)
		return PGO_ERR_NOMEM;
	uint32_t mask = size - 1;
	for (uint32_t i = 0; i < old_size; i++) {
		uint64_t v = ix->slots[i];
		if (!v)
			continue;
		uint32_t j = (uint32_t)(v >> 32) & mask;
		while (slots[j])
			j = (j + 1) & mask;
		slots[j] = v;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->mask = mask;
	return PGO_OK;
}

pgo_status pgo_index_insert(pgo_index *ix, uint32_t slot, uint64_t hash, uint32_t entity)
{
	ix->slots[slot] = (uint64_t)tag_of(hash) << 32 | ((uint64_t)entity + 1);
	ix->count++;
	/* Keep the load under 1/2 so probe runs stay short. */
	if ((uint64_t)ix->count * 2 > ix->mask)
		return rehash(ix);
	return PGO_OK;
}

pgo_status pgo_u64map_init(pgo_u64map *m, uint32_t expected)
{
	uint32_t size = 16;
	while (size < (uint64_t)expected * 2 && size < (1u << 30))
		size *= 2;
	m->slots = malloc((size_t)size * sizeof *m->slots);
	if (!m->slots)
		return PGO_ERR_NOMEM;
	for (uint32_t i = 0; i < size; i++)
		m->slots[i].key = UINT64_MAX;
	m->mask = size - 1;
	m->count = 0;
	m->seed = pgo_hash_seed();
	return PGO_OK;
}

void pgo_u64map_free(pgo_u64map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = m->count = 0;
}

static pgo_status u64map_grow(pgo_u64map *m)
{
	uint32_t old = m->mask + 1;
	if (old >= (1u << 31))
		return PGO_ERR_LIMIT;
	pgo_u64map bigger;
	if (pgo_u64map_init(&bigger, old))
		return PGO_ERR_NOMEM;
	bigger.seed = m->seed;
	for (uint32_t i = 0; i < old; i++) {
		if (m->slots[i].key == UINT64_MAX)
			continue;
		uint32_t j = pgo_u64map_home(&bigger, m->slots[i].key);
		while (bigger.slots[j].key != UINT64_MAX)
			j = (j + 1) & bigger.mask;
		bigger.slots[j] = m->slots[i];
	}
	bigger.count = m->count;
	free(m->slots);
	*m = bigger;
	return PGO_OK;
}

pgo_status pgo_u64map_upsert(pgo_u64map *m, uint64_t key, uint32_t fresh, uint32_t **value, bool *inserted)
{
	if ((uint64_t)(m->count + 1) * 2 > m->mask && u64map_grow(m))
		return PGO_ERR_NOMEM;
	uint32_t j = pgo_u64map_home(m, key);
	for (;; j = (j + 1) & m->mask) {
		pgo_u64map_slot *s = &m->slots[j];
		if (s->key == key) {
			*value = &s->value;
			*inserted = false;
			return PGO_OK;
		}
		if (s->key == UINT64_MAX) {
			s->key = key;
			s->value = fresh;
			m->count++;
			*value = &s->value;
			*inserted = true;
			return PGO_OK;
		}
	}
}
