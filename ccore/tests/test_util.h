/* What the C core's test programs share: a seeded random generator and a
 * CHECK macro that counts failures and prints the first few. Each program
 * defines TEST_SEED before including this header. */
#ifndef CORR2D_TEST_UTIL_H
#define CORR2D_TEST_UTIL_H

#include <stdio.h>

static unsigned long long rng_state = TEST_SEED;

/* A uniform integer in [lo, hi] (a 64-bit LCG: reproducible everywhere). */
static int rand_int(int lo, int hi)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (int)((rng_state >> 33) % (unsigned long long)(hi - lo + 1));
}

static int failures = 0;
#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            if (failures < 20) {                                           \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);       \
                fprintf(stderr, __VA_ARGS__);                              \
                fprintf(stderr, "\n");                                     \
            }                                                              \
        }                                                                  \
    } while (0)

#endif
