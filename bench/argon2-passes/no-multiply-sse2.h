/*
 * Forced in (clang -include) by `npm run bench:argon2-passes` for its native "no multiply" build:
 * BlaMka's 32x32->64-bit product (PMULUDQ) becomes a PAND, one cheap instruction in its place,
 * so the build does all of Argon2's other work and shows what the multiply costs. The tags it
 * gives are wrong: a diagnostic only, never a hash.
 */
#include <emmintrin.h>
#define _mm_mul_epu32(a, b) _mm_and_si128((a), (b))
