/* errno.c — text for negative errno values, for messages to the user. */
#include <rayos/errno.h>

const char *errno_text(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "success";
	case EPERM: return "operation not permitted";
	case ENOENT: return "no such entry";
	case EIO: return "input/output error";
	case E2BIG: return "argument list too long";
	case ENOEXEC: return "exec format error";
	case EAGAIN: return "try again";
	case ENOMEM: return "out of memory";
	case EFAULT: return "bad address";
	case EBUSY: return "device or resource busy";
	case EEXIST: return "already exists";
	case ENODEV: return "no such device";
	case EINVAL: return "invalid argument";
	case ENOSPC: return "no space left";
	case ERANGE: return "out of range";
	case EDEADLK: return "resource deadlock avoided";
	case ENOSYS: return "not implemented";
	case ENODATA: return "no data";
	case EOVERFLOW: return "value too large";
	case ETIMEDOUT: return "timed out";
	}
	return "unknown error";
}
