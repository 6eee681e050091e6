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
	case ENOSYS: return "not implemented";
	case ENODATA: return "no data";
	case EOVERFLOW: return "value too large";
	case ETIMEDOUT: return "timed out";
	/* by number: not all of these are named in types.h */
	case 3: return "no such process";                     /* ESRCH */
	case 4: return "interrupted";                         /* EINTR */
	case 6: return "no such device or address";           /* ENXIO */
	case 9: return "bad file descriptor";                 /* EBADF */
	case 10: return "no child processes";                 /* ECHILD */
	case 13: return "permission denied";                  /* EACCES */
	case 18: return "cross-device link";                  /* EXDEV */
	case 20: return "not a directory";                    /* ENOTDIR */
	case 21: return "is a directory";                     /* EISDIR */
	case 24: return "too many open files";                /* EMFILE */
	case 25: return "not a terminal";                     /* ENOTTY */
	case 27: return "file too large";                     /* EFBIG */
	case 29: return "illegal seek";                       /* ESPIPE */
	case 30: return "read-only file system";              /* EROFS */
	case 32: return "broken pipe";                        /* EPIPE */
	case 36: return "file name too long";                 /* ENAMETOOLONG */
	case 39: return "directory not empty";                /* ENOTEMPTY */
	case 40: return "too many levels of symbolic links";  /* ELOOP */
	case 95: return "operation not supported";            /* EOPNOTSUPP */
	}
	return "unknown error";
}
