/*
 * report_table.c - the report's containers: a string-keyed hash table with a
 * cap on distinct keys (beyond it, counts go to "(other)"), and a distinct
 * counter that is exact up to a limit and a HyperLogLog estimate beyond, so
 * that memory grows with distinct keys and never with lines (see report.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "report/report.h"

#define OTHER_KEY "(other)"

uint64_t sc_hash(const void *p, size_t n, uint64_t seed)
{
	/* FNV-1a over 8-byte words, then a final mix: fast enough for the short
	 * keys of the report, with good spreading in the low bits. */
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	while (n--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

void sc_rtable_init(struct sc_rtable *t, size_t max_keys, int with_info)
{
	memset(t, 0, sizeof *t);
	t->cap = 64;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	t->max_keys = max_keys ? max_keys : SC_REPORT_MAX_KEYS;
	t->with_info = with_info;
}

static void entry_free(struct sc_rentry *e)
{
	if (!e)
		return;
	if (e->info) {
		free(e->info->sample);
		free(e->info->masked);
		free(e->info->pre);
	}
	free(e->info);
	free(e);
}

void sc_rtable_free(struct sc_rtable *t)
{
	size_t i;
	if (!t->slots)
		return;
	for (i = 0; i < t->cap; i++)
		entry_free(t->slots[i]);
	entry_free(t->other);
	free(t->slots);
	t->slots = NULL;
}

static struct sc_rentry *entry_new(const struct sc_rtable *t, const char *key, size_t len, uint64_t h)
{
	struct sc_rentry *e = xcalloc(1, sizeof *e + len + 1);
	e->hash = h;
	e->keylen = len;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	if (t->with_info)
		e->info = xcalloc(1, sizeof *e->info);
	return e;
}

static void grow(struct sc_rtable *t)
{
	size_t ncap = t->cap * 2, i;
	struct sc_rentry **ns = xcalloc(ncap, sizeof *ns);
	for (i = 0; i < t->cap; i++) {
		struct sc_rentry *e = t->slots[i];
		size_t j;
		if (!e)
			continue;
		j = (size_t)e->hash & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = e;
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
}

struct sc_rentry *sc_rtable_get(struct sc_rtable *t, const char *key, size_t len)
{
	uint64_t h = sc_hash(key, len, 0);
	size_t j = (size_t)h & (t->cap - 1);
	struct sc_rentry *e;

	while ((e = t->slots[j]) != NULL) {
		if (e->hash == h && e->keylen == len && memcmp(e->key, key, len) == 0)
			return e;
		j = (j + 1) & (t->cap - 1);
	}
	if (t->count >= t->max_keys) {
		if (!t->other) {
			t->other = entry_new(t, OTHER_KEY, sizeof OTHER_KEY - 1, 0);
			t->other->other = 1;
		}
		t->overflowed++;
		return t->other;
	}
	e = entry_new(t, key, len, h);
	t->slots[j] = e;
	t->count++;
	if (t->count * 4 >= t->cap * 3) /* keep the load below 3/4 */
		grow(t);
	return e;
}

static int by_total(const void *a, const void *b)
{
	const struct sc_rentry *x = *(struct sc_rentry *const *)a, *y = *(struct sc_rentry *const *)b;
	if (x->other != y->other)
		return x->other - y->other;
	if (x->g.total != y->g.total)
		return x->g.total < y->g.total ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int by_problems(const void *a, const void *b)
{
	const struct sc_rentry *x = *(struct sc_rentry *const *)a, *y = *(struct sc_rentry *const *)b;
	/* our own failed deliveries first, then this server's refusals, then
	 * the rest (deliveries) */
	unsigned long long px = x->g.n[SC_STATUS_DEFERRED] + x->g.n[SC_STATUS_BOUNCED] + x->g.n[SC_STATUS_EXPIRED];
	unsigned long long py = y->g.n[SC_STATUS_DEFERRED] + y->g.n[SC_STATUS_BOUNCED] + y->g.n[SC_STATUS_EXPIRED];
	if (x->other != y->other)
		return x->other - y->other;
	if (px != py)
		return px < py ? 1 : -1;
	if (x->g.n[SC_STATUS_REJECTED] != y->g.n[SC_STATUS_REJECTED])
		return x->g.n[SC_STATUS_REJECTED] < y->g.n[SC_STATUS_REJECTED] ? 1 : -1;
	return by_total(a, b);
}

static int by_key(const void *a, const void *b)
{
	const struct sc_rentry *x = *(struct sc_rentry *const *)a, *y = *(struct sc_rentry *const *)b;
	if (x->other != y->other)
		return x->other - y->other;
	return strcmp(x->key, y->key);
}

static struct sc_rentry **collect(const struct sc_rtable *t, size_t *n)
{
	struct sc_rentry **v = xcalloc(t->count + 1, sizeof *v);
	size_t i, k = 0;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i])
			v[k++] = t->slots[i];
	if (t->other)
		v[k++] = t->other;
	*n = k;
	return v;
}

struct sc_rentry **sc_rtable_sorted(const struct sc_rtable *t, size_t *n)
{
	struct sc_rentry **v = collect(t, n);
	qsort(v, *n, sizeof *v, by_total);
	return v;
}

struct sc_rentry **sc_rtable_sorted_by_problems(const struct sc_rtable *t, size_t *n)
{
	struct sc_rentry **v = collect(t, n);
	qsort(v, *n, sizeof *v, by_problems);
	return v;
}

struct sc_rentry **sc_rtable_sorted_by_key(const struct sc_rtable *t, size_t *n)
{
	struct sc_rentry **v = collect(t, n);
	qsort(v, *n, sizeof *v, by_key);
	return v;
}

/* ---------------------------------------------------------- distinct count */

#define HLL_BITS 14
#define HLL_M (1u << HLL_BITS)
#define DISTINCT_LIMIT (256u * 1024)

void sc_distinct_init(struct sc_distinct *d, size_t limit)
{
	memset(d, 0, sizeof *d);
	d->limit = limit ? limit : DISTINCT_LIMIT;
	d->cap = 1024;
	d->set = xcalloc(d->cap, sizeof *d->set);
}

static void hll_add(uint8_t *hll, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - HLL_BITS));
	uint64_t rest = (h << HLL_BITS) | (1ULL << (HLL_BITS - 1)); /* never all zero */
	uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
	if (rank > hll[idx])
		hll[idx] = rank;
}

static void set_insert(uint64_t *set, size_t cap, uint64_t h)
{
	size_t j = (size_t)h & (cap - 1);
	while (set[j]) {
		if (set[j] == h)
			return;
		j = (j + 1) & (cap - 1);
	}
	set[j] = h;
}

void sc_distinct_add(struct sc_distinct *d, uint64_t h)
{
	size_t j;
	if (!h)
		h = 1; /* 0 marks an empty slot */
	if (d->hll) {
		hll_add(d->hll, h);
		return;
	}
	j = (size_t)h & (d->cap - 1);
	while (d->set[j]) {
		if (d->set[j] == h)
			return;
		j = (j + 1) & (d->cap - 1);
	}
	if (d->count >= d->limit) {
		size_t i;
		d->hll = xcalloc(HLL_M, 1);
		for (i = 0; i < d->cap; i++)
			if (d->set[i])
				hll_add(d->hll, d->set[i]);
		hll_add(d->hll, h);
		free(d->set);
		d->set = NULL;
		return;
	}
	d->set[j] = h;
	d->count++;
	if (d->count * 2 >= d->cap) {
		size_t ncap = d->cap * 2, i;
		uint64_t *ns = xcalloc(ncap, sizeof *ns);
		for (i = 0; i < d->cap; i++)
			if (d->set[i])
				set_insert(ns, ncap, d->set[i]);
		free(d->set);
		d->set = ns;
		d->cap = ncap;
	}
}

void sc_distinct_prefetch(const struct sc_distinct *d, uint64_t h)
{
	if (d->set)
		__builtin_prefetch(&d->set[(size_t)(h ? h : 1) & (d->cap - 1)]);
}

unsigned long long sc_distinct_count(const struct sc_distinct *d)
{
	double sum = 0, m = HLL_M, est;
	unsigned zeros = 0, i;
	if (!d->hll)
		return d->count;
	for (i = 0; i < HLL_M; i++) {
		sum += 1.0 / (double)(1ULL << d->hll[i]);
		zeros += d->hll[i] == 0;
	}
	est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros) {
		/* small range correction: linear counting */
		est = m * log(m / zeros);
	}
	return (unsigned long long)(est + 0.5);
}

int sc_distinct_exact(const struct sc_distinct *d)
{
	return d->hll == NULL;
}

void sc_distinct_free(struct sc_distinct *d)
{
	free(d->set);
	free(d->hll);
	d->set = NULL;
	d->hll = NULL;
}
