/*
 * Keyhold's stand-in for <tmmintrin.h> (SSSE3) when the Argon2 reference's opt.c is compiled for
 * wasm32 with -msimd128 (see scripts/argon2/build.ts). With __SSSE3__ defined, the reference's
 * blake2/blamka-round-opt.h rotates by 16, 24 and 32 bits with byte and dword shuffles instead of
 * two shifts and an xor, and diagonalises with PALIGNR; WebAssembly SIMD has single instructions
 * for each, which measured faster per Argon2 pass in Chromium than the SSE2 path. This maps
 * exactly the intrinsics that header then uses; like emmintrin.h beside it, it is an instruction
 * mapping, not cryptography.
 */
#ifndef KEYHOLD_WASM_TMMINTRIN_H
#define KEYHOLD_WASM_TMMINTRIN_H

#include "emmintrin.h"

/* The 8-bit immediate of PSHUFD: source dword for each of the four result dwords, high to low. */
#define _MM_SHUFFLE(z, y, x, w) (((z) << 6) | ((y) << 4) | ((x) << 2) | (w))

/* PSHUFD with an immediate: i32x4.shuffle of a with itself. */
#define _mm_shuffle_epi32(a, imm) \
    wasm_i32x4_shuffle((a), (a), (imm) & 3, ((imm) >> 2) & 3, ((imm) >> 4) & 3, ((imm) >> 6) & 3)

/* Sixteen bytes in memory order (lane 0 first), as SETR gives them. */
#define _mm_setr_epi8(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15) \
    wasm_i8x16_make(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15)

/*
 * PSHUFB: byte i of the result is byte m[i] of a. The masks used here are constants below 16,
 * where i8x16.swizzle agrees with PSHUFB (both give 0 only for indices they treat as out of range).
 */
KH_SSE2_INLINE __m128i _mm_shuffle_epi8(__m128i a, __m128i m) { return wasm_i8x16_swizzle(a, m); }

/* PALIGNR: bytes n..n+15 of the 32-byte concatenation a:b (b in the low half). */
#define _mm_alignr_epi8(a, b, n)                                                         \
    wasm_i8x16_shuffle((b), (a), (n), (n) + 1, (n) + 2, (n) + 3, (n) + 4, (n) + 5, (n) + 6, (n) + 7, \
                       (n) + 8, (n) + 9, (n) + 10, (n) + 11, (n) + 12, (n) + 13, (n) + 14, (n) + 15)

#endif
