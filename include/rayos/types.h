/* types.h — fixed-width types and compiler helpers shared by all of RayOS.
 * Portable: also compiled into the hosted unit tests. */
#ifndef RAYOS_TYPES_H
#define RAYOS_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t   s8;
typedef int16_t  s16;
typedef int32_t  s32;
typedef int64_t  s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define __packed   __attribute__((packed))
#define __noreturn __attribute__((noreturn))
#define __used     __attribute__((used))
#define __section(s) __attribute__((section(s)))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier() __asm__ __volatile__("" ::: "memory")

/* Negative errno values, Linux numbering (the user ABI will need them). */
#define EPERM    1
#define ENOENT   2
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENAMETOOLONG 36
#define EDEADLK 35
#define ENOSYS  38
#define ENODATA 61
#define EOVERFLOW 75
#define ETIMEDOUT 110
/* process work (kernel/proc) */
#ifndef ESRCH
#define ESRCH 3
#endif
#ifndef EINTR
#define EINTR 4
#endif
#ifndef ECHILD
#define ECHILD 10
#endif
#ifndef EACCES
#define EACCES 13
#endif
#ifndef ENOTDIR
#define ENOTDIR 20
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36
#endif
#ifndef ELOOP
#define ELOOP 40
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95
#endif
#ifndef ERESTARTSYS
#define ERESTARTSYS 512
#endif
#ifndef ERESTARTNOHAND
#define ERESTARTNOHAND 514 /* kernel only: -EINTR unless no handler runs (then restarted) */
#endif

#endif
