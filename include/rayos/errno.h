/* errno.h — text for the negative errno values RayOS functions return. */
#ifndef RAYOS_ERRNO_H
#define RAYOS_ERRNO_H
#include <rayos/types.h>
const char *errno_text(int err);
#endif
