/* random.h — the kernel's random numbers (lib/random.c): a ChaCha20
 * keystream generator (RFC 8439 block function) keyed from the arch's
 * entropy source (RDSEED/RDRAND when the CPU has them, else cycle-counter
 * jitter), re-keyed from its own output after every request (fast key
 * erasure), so earlier outputs cannot be recomputed from the state.
 * Used by getrandom(2), /dev/urandom, AT_RANDOM and lottery scheduling. */
#ifndef RAYOS_RANDOM_H
#define RAYOS_RANDOM_H
#include <rayos/types.h>

void get_random_bytes(void *buf, size_t n);
u64 get_random_u64(void);
/* The ChaCha20 block function (exposed for the RFC 8439 test vectors). */
void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 out[64]);

#endif
