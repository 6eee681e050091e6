/* random.c — ChaCha20-based kernel random generator (see random.h).
 *
 * Algorithm: RFC 8439 section 2.3 block function (20 rounds = 10 double
 * rounds of quarter-rounds on a 4x4 state of 32-bit words). The generator
 * keeps a 256-bit key; each request produces blocks with an increasing
 * counter, the first 32 bytes of one more block become the new key (fast
 * key erasure, as Linux's crng and OpenBSD's arc4random do). The key is
 * seeded lazily on first use, and mixed with fresh arch entropy every
 * RESEED_BLOCKS blocks.
 *
 * Invariant: no output block is produced twice with the same key.
 * Locking: one spinlock (IRQ-safe) around the state; requests are served
 * in chunks of at most 256 bytes per lock hold. */
#include <rayos/random.h>
#include <rayos/arch.h>
#include <rayos/spinlock.h>
#include <rayos/string.h>

#define RESEED_BLOCKS 4096

static inline u32 rotl32(u32 v, int n) { return (v << n) | (v >> (32 - n)); }

#define QR(a, b, c, d)                                      \
	do {                                                \
		a += b; d ^= a; d = rotl32(d, 16);          \
		c += d; b ^= c; b = rotl32(b, 12);          \
		a += b; d ^= a; d = rotl32(d, 8);           \
		c += d; b ^= c; b = rotl32(b, 7);           \
	} while (0)

void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 out[64])
{
	u32 s[16], x[16];

	s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		s[4 + i] = key[i];
	s[12] = counter;
	s[13] = nonce[0]; s[14] = nonce[1]; s[15] = nonce[2];
	memcpy(x, s, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]); QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]); QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]); QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]); QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++) {
		u32 v = x[i] + s[i];
		out[4 * i] = (u8)v; out[4 * i + 1] = (u8)(v >> 8);
		out[4 * i + 2] = (u8)(v >> 16); out[4 * i + 3] = (u8)(v >> 24);
	}
}

static struct {
	spinlock_t lock;
	/* lock protects: */
	u32 key[8];
	u32 nonce[3];
	u32 counter;
	u32 blocks_since_seed;
	bool seeded;
} rng = { .lock = SPINLOCK_INIT };

static void mix_entropy(void)
{
	for (int i = 0; i < 8; i++) {
		u64 e = arch_entropy_u64();
		rng.key[i] ^= (u32)e ^ (u32)(e >> 32);
	}
	rng.nonce[0] ^= (u32)arch_cycles();
	rng.blocks_since_seed = 0;
	rng.seeded = true;
}

/* One block into out; rng.lock held. */
static void next_block(u8 out[64])
{
	if (!rng.seeded || rng.blocks_since_seed >= RESEED_BLOCKS)
		mix_entropy();
	chacha20_block(rng.key, rng.counter++, rng.nonce, out);
	if (!rng.counter)
		rng.nonce[1]++;
	rng.blocks_since_seed++;
}

static void rekey(void)
{
	u8 blk[64];
	next_block(blk);
	memcpy(rng.key, blk, 32);
	memset(blk, 0, sizeof(blk));
}

void get_random_bytes(void *buf, size_t n)
{
	u8 *p = buf, blk[64];

	while (n) {
		irqflags_t f = spin_lock_irqsave(&rng.lock);
		for (int i = 0; i < 4 && n; i++) {
			size_t k = n < 64 ? n : 64;
			next_block(blk);
			memcpy(p, blk, k);
			p += k;
			n -= k;
		}
		rekey();
		spin_unlock_irqrestore(&rng.lock, f);
	}
	memset(blk, 0, sizeof(blk));
}

u64 get_random_u64(void)
{
	u64 v;
	get_random_bytes(&v, sizeof(v));
	return v;
}
