/*
 * Forced in (clang -include) by `npm run bench:argon2-passes` for its WASM "no multiply" build:
 * BlaMka's 32x32->64-bit product (scripts/argon2/emmintrin.h's _mm_mul_epu32) becomes one
 * v128.and, so the build does all of Argon2's other work and shows what the multiply costs.
 * The tags it gives are wrong: a diagnostic only, never a hash.
 */
#include <emmintrin.h>
#define _mm_mul_epu32(a, b) wasm_v128_and((a), (b))
