/*
 * Forced in (clang -include) by `npm run bench:argon2-passes` for its "i64x2.mul" build: the
 * alternative to scripts/argon2/emmintrin.h's gather + i64x2.extmul_low_i32x4_u, a full 64-bit
 * lane multiply of the operands with their high halves masked off. Same product, same tags; kept
 * as a row of the bench because it is slower, so nobody has to try it again.
 */
#include <emmintrin.h>
#define KH_LOW32(v) wasm_v128_and((v), wasm_i64x2_splat(0xffffffffLL))
#define _mm_mul_epu32(a, b) wasm_i64x2_mul(KH_LOW32(a), KH_LOW32(b))
