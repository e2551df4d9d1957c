/*
 * Hot call-site selection (lib/hot.c): the shortest prefix of the edges
 * whose cumulative share exceeds the threshold, the crossing edge included,
 * as the Go inliner selects it.
 */
#include "harness.h"
#include "pgo.h"

#include <math.h>

static pgo_edges edges_of(pgo_edge *e, size_t n)
{
	pgo_edges out = {.edges = e, .n_edges = n, .value_index = 0};
	for (size_t i = 0; i < n; i++)
		out.total_weight += e[i].weight;
	return out;
}

static void test_crossing_edge_is_hot(void)
{
	pgo_edge e[] = {{.weight = 60}, {.weight = 30}, {.weight = 10}};
	pgo_edges es = edges_of(e, 3);
	pgo_hot h;
	CHECK_OK(pgo_hot_select(&es, 50, &h, NULL));
	CHECK(h.n_hot == 1 && h.last_share == 60);
	CHECK_OK(pgo_hot_select(&es, 60, &h, NULL)); /* 60 does not exceed 60 */
	CHECK(h.n_hot == 2 && h.last_share == 30);
	CHECK_OK(pgo_hot_select(&es, 0, &h, NULL));
	CHECK(h.n_hot == 1);
}

static void test_never_exceeded_means_all_hot(void)
{
	pgo_edge e[] = {{.weight = 50}, {.weight = 30}, {.weight = 19}, {.weight = 1}};
	pgo_edges es = edges_of(e, 4);
	pgo_hot h;
	CHECK_OK(pgo_hot_select(&es, 99, &h, NULL)); /* 100 > 99 at the last edge */
	CHECK(h.n_hot == 4 && h.last_share == 1);
	CHECK_OK(pgo_hot_select(&es, 100, &h, NULL)); /* 100 never exceeds 100 */
	CHECK(h.n_hot == 4 && h.last_share == 0);
	pgo_edges none = {0};
	CHECK_OK(pgo_hot_select(&none, 99, &h, NULL));
	CHECK(h.n_hot == 0);
}

static void test_bad_threshold(void)
{
	pgo_edges none = {0};
	pgo_hot h;
	pgo_error err;
	CHECK(pgo_hot_select(&none, 100.5, &h, &err) == PGO_ERR_ARGUMENT);
	CHECK(pgo_hot_select(&none, -1, &h, &err) == PGO_ERR_ARGUMENT);
	CHECK(pgo_hot_select(&none, NAN, &h, &err) == PGO_ERR_ARGUMENT);
}

int main(void)
{
	RUN_TESTS("hot", test_crossing_edge_is_hot, test_never_exceeded_means_all_hot, test_bad_threshold);
}
