/* npu_pareto — the non-dominated (Pareto) front of a set of points under k
 * objectives, each to be minimized (negate the ones to maximize).
 *
 * A point dominates another when it is no worse in every objective and
 * strictly better in one; points with equal objective vectors do not
 * dominate each other (both stay on the front). Points are compared only
 * within their group (a sweep's workload). O(n log n) for k <= 2; for k >= 3,
 * O(n log n + n F k) with F the size of the front (lexicographic sweep). */
#ifndef NPU_PARETO_H
#define NPU_PARETO_H

#include <stddef.h>

/* vals: n rows of k objectives (row-major); group: n group ids (NULL = one
 * group); ok: n candidate flags (NULL = all; non-candidates are never on the
 * front and never dominate); front: n output flags (1 = on the front).
 * -1 + npu_err when out of memory or k < 1. */
int npu_pareto_front(const double *vals, int k, const int *group, const unsigned char *ok, long n,
                     unsigned char *front);

#endif
