/*
 * The native side of `npm run bench:argon2-passes`: linked with the Argon2 reference sources
 * (opt.c), it hashes once at each t as a warm-up, then times `pairs` pairs of hashes at t-low and
 * t-high with CLOCK_MONOTONIC, and prints one JSON line for the bench to read:
 *   {"lowMs":[...],"highMs":[...],"lowTag":"hex","highTag":"hex"}
 * Usage: native-timer <pairs> <t-low> <t-high> <memory KiB> <lanes> <tag bytes> <password> <salt>
 * Written in C89 like the reference, which it is compiled with (-D_POSIX_C_SOURCE for clock_gettime).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "argon2.h"

#define MAX_PAIRS 100
#define MAX_TAG 64

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint32_t memory_kib, lanes;
static size_t tag_length;
static const char *password, *salt;

/* One Argon2id hash at t passes into tag; returns the milliseconds it took, or exits on failure. */
static double timed_hash(uint32_t t, uint8_t *tag) {
    double start = now_ms();
    int rc = argon2id_hash_raw(t, memory_kib, lanes, password, strlen(password), salt, strlen(salt), tag, tag_length);
    double elapsed = now_ms() - start;
    if (rc != ARGON2_OK) {
        fprintf(stderr, "argon2id_hash_raw: %s\n", argon2_error_message(rc));
        exit(1);
    }
    return elapsed;
}

static void print_series(const char *name, const double *ms, int n) {
    int i;
    printf("\"%s\":[", name);
    for (i = 0; i < n; i++) printf("%s%.3f", i ? "," : "", ms[i]);
    printf("],");
}

static void print_tag(const char *name, const uint8_t *tag, const char *after) {
    size_t i;
    printf("\"%s\":\"", name);
    for (i = 0; i < tag_length; i++) printf("%02x", tag[i]);
    printf("\"%s", after);
}

int main(int argc, char **argv) {
    double low_ms[MAX_PAIRS], high_ms[MAX_PAIRS];
    uint8_t low_tag[MAX_TAG], high_tag[MAX_TAG];
    uint32_t t_low, t_high;
    int pairs, i;
    if (argc != 9) {
        fprintf(stderr, "usage: %s <pairs> <t-low> <t-high> <memory KiB> <lanes> <tag bytes> <password> <salt>\n", argv[0]);
        return 2;
    }
    pairs = atoi(argv[1]);
    t_low = (uint32_t)atoi(argv[2]);
    t_high = (uint32_t)atoi(argv[3]);
    memory_kib = (uint32_t)atoi(argv[4]);
    lanes = (uint32_t)atoi(argv[5]);
    tag_length = (size_t)atoi(argv[6]);
    password = argv[7];
    salt = argv[8];
    if (pairs < 1 || pairs > MAX_PAIRS || tag_length < 4 || tag_length > MAX_TAG) {
        fprintf(stderr, "pairs must be 1..%d, tag bytes 4..%d\n", MAX_PAIRS, MAX_TAG);
        return 2;
    }
    timed_hash(t_low, low_tag);
    timed_hash(t_high, high_tag);
    for (i = 0; i < pairs; i++) {
        low_ms[i] = timed_hash(t_low, low_tag);
        high_ms[i] = timed_hash(t_high, high_tag);
    }
    printf("{");
    print_series("lowMs", low_ms, pairs);
    print_series("highMs", high_ms, pairs);
    print_tag("lowTag", low_tag, ",");
    print_tag("highTag", high_tag, "}\n");
    return 0;
}
