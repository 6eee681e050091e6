/* tty.c — the console tty (/dev/console, /dev/tty): a line discipline over
 * the serial console, with the Linux termios interface.
 *
 * Input: while the tty is open by anybody and a user process group is in
 * the foreground, a kernel thread ("tty") takes the console's input bytes
 * as they arrive (console_input_wq wakes it; when input is polled it
 * checks every 10 ms) and runs them through the line discipline at once,
 * so ^C signals the foreground process group when the byte arrives, not
 * when somebody reads. Otherwise (nobody has the tty open, or the
 * foreground group is 0: the kernel shell has the terminal back, e.g.
 * after `run` returned while children the program left behind still hold
 * the console) the kernel shell reads the console. A user process reading
 * the tty while the kernel shell has it gets -EIO, as Linux gives a
 * background read from an orphaned process group: nothing does job
 * control for it here. Bytes already taken stay in the buffer for the
 * next foreground reader (type-ahead).
 *
 * Line discipline (after POSIX "General Terminal Interface"):
 *  - ICRNL maps CR to NL (the serial line sends CR for Enter);
 *  - ISIG: VINTR (^C) sends SIGINT, VQUIT (^\) SIGQUIT, VSUSP (^Z)
 *    SIGTSTP, to the foreground process group (TIOCSPGRP /
 *    tty_set_foreground), and discards pending input unless NOFLSH;
 *  - ICANON: input is edited in a line buffer: VERASE (DEL) and ^H erase a
 *    character, VKILL (^U) the line; NL/VEOL end a line, VEOF (^D) ends
 *    it without a character (at the start of a line: read returns 0, EOF);
 *    read returns at most one line;
 *  - raw (no ICANON): bytes are readable at once; VMIN/VTIME as POSIX for
 *    the cases MIN>0,TIME=0 (block for MIN bytes... we return once at
 *    least 1 of MIN is there when the buffer fills), MIN=0,TIME=0 (poll)
 *    and MIN=0,TIME>0 (wait up to TIME tenths of a second);
 *  - ECHO echoes input (control characters as ^X with ECHOCTL), ECHOE
 *    erases with "\b \b";
 *  - output: OPOST|ONLCR maps NL to CR NL.
 * The buffer holds IBUF_SIZE slots; a slot is a byte or the EOF mark.
 * Slots [tail, commit) are readable, [commit, head) the line being edited.
 *
 * Locking: tty.lock (spinlock, never taken in interrupt context: input is
 * processed in the tty thread) protects everything in struct tty; echo and
 * output are written to the console after dropping it. Readers sleep on
 * tty.read_wq. */
#include "internal.h"
#include <rayos/console.h>
#include <rayos/log.h>
#include <rayos/mm.h>
#include <rayos/proc.h>
#include <rayos/string.h>
#include <rayos/thread.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>

/* struct termios, Linux x86_64 kernel layout (asm-generic/termbits.h) */
#define NCCS 19
struct ktermios {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line;
	u8 c_cc[NCCS];
};
_Static_assert(sizeof(struct ktermios) == 36, "struct termios layout");
struct kwinsize {
	u16 ws_row, ws_col, ws_xpixel, ws_ypixel;
};

#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSUSP 10
#define VEOL 11
#define ICRNL 0000400
#define IGNCR 0000200
#define INLCR 0000100
#define OPOST 0000001
#define ONLCR 0000004
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define ECHOCTL 0001000
#define NOFLSH 0000200

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCFLSH 0x540B
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429

#define IBUF_SIZE 4096u
#define SLOT_EOF 0x100

static struct tty {
	spinlock_t lock;
	/* lock protects: */
	struct ktermios tio;
	struct kwinsize ws;
	int fg_pgrp;
	int opens;
	u16 buf[IBUF_SIZE];
	u32 head, commit, tail; /* free-running; head - tail <= IBUF_SIZE */
	u64 signals_sent;
	/* readers wait here */
	struct wait_queue read_wq;
	bool ready;
} tty = {
	.lock = SPINLOCK_INIT,
	.tio = {
		.c_iflag = ICRNL | 0002000 /* IXON */,
		.c_oflag = OPOST | ONLCR,
		.c_cflag = 0000017 /* B38400 */ | 0000060 /* CS8 */ | 0000200 /* CREAD */ |
			   0002000 /* HUPCL */,
		.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | 0004000 /* ECHOKE */ |
			   0100000 /* IEXTEN */,
		.c_cc = { 3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f,
			  0x17, 0x16, 0 },
	},
	.ws = { 24, 80, 0, 0 },
};

static struct thread *tty_thread;

/* ---- output ---- */

static void tty_output(const char *s, size_t n, bool opost)
{
	char out[256];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k + 2 > sizeof(out)) {
			console_write(out, k);
			k = 0;
		}
		if (opost && s[i] == '\n')
			out[k++] = '\r';
		out[k++] = s[i];
	}
	if (k)
		console_write(out, k);
}

/* ---- input (tty thread) ---- */

struct echo_buf {
	char b[16];
	size_t n;
};

static void echo_add(struct echo_buf *e, const char *s, size_t n)
{
	for (size_t i = 0; i < n && e->n < sizeof(e->b); i++)
		e->b[e->n++] = s[i];
}

static void echo_char(struct echo_buf *e, u8 c)
{
	if ((tty.tio.c_lflag & ECHOCTL) && c < 0x20 && c != '\n' && c != '\t') {
		char s[2] = { '^', (char)(c + '@') };
		echo_add(e, s, 2);
	} else {
		char s = (char)c;
		echo_add(e, &s, 1);
	}
}

static bool readable_locked(void)
{
	if (tty.tio.c_lflag & ICANON)
		return tty.commit != tty.tail;
	return tty.head != tty.tail;
}

/* Process one input byte. Returns the signal to send (0: none). */
static int ldisc_input(u8 c, struct echo_buf *e)
{
	struct ktermios *t = &tty.tio;
	if (c == '\r' && (t->c_iflag & IGNCR))
		return 0;
	if (c == '\r' && (t->c_iflag & ICRNL))
		c = '\n';
	else if (c == '\n' && (t->c_iflag & INLCR))
		c = '\r';
	bool echo = t->c_lflag & ECHO;
	if (t->c_lflag & ISIG) {
		int sig = 0;
		if (c == t->c_cc[VINTR] && c)
			sig = SIGINT_NR;
		else if (c == t->c_cc[VQUIT] && c)
			sig = SIGQUIT_NR;
		else if (c == t->c_cc[VSUSP] && c)
			sig = SIGTSTP_NR;
		if (sig) {
			if (!(t->c_lflag & NOFLSH))
				tty.head = tty.commit = tty.tail; /* discard pending input */
			if (echo) {
				echo_char(e, c);
				echo_add(e, "\n", 1);
			}
			return sig;
		}
	}
	if (t->c_lflag & ICANON) {
		if (c == t->c_cc[VERASE] || c == '\b') {
			if (tty.head != tty.commit) {
				u16 last = tty.buf[(tty.head - 1) % IBUF_SIZE];
				tty.head--;
				if (echo && (t->c_lflag & ECHOE)) {
					echo_add(e, "\b \b", 3);
					if ((t->c_lflag & ECHOCTL) && last < 0x20 && last != '\t')
						echo_add(e, "\b \b", 3);
				}
			}
			return 0;
		}
		if (c == t->c_cc[VKILL]) {
			while (tty.head != tty.commit) {
				tty.head--;
				if (echo)
					echo_add(e, "\b \b", 3);
			}
			return 0;
		}
		if (c == t->c_cc[VEOF]) {
			if (tty.head - tty.tail < IBUF_SIZE) {
				tty.buf[tty.head++ % IBUF_SIZE] = SLOT_EOF;
				tty.commit = tty.head;
			}
			return 0;
		}
		bool eol = c == '\n' || (c == t->c_cc[VEOL] && c);
		/* keep one slot for the end of the line */
		if (tty.head - tty.tail >= IBUF_SIZE - (eol ? 0 : 1))
			return 0;
		tty.buf[tty.head++ % IBUF_SIZE] = c;
		if (eol) {
			tty.commit = tty.head;
			if (echo || (t->c_lflag & ECHONL))
				echo_add(e, "\n", 1);
		} else if (echo) {
			echo_char(e, c);
		}
		return 0;
	}
	if (tty.head - tty.tail < IBUF_SIZE) {
		tty.buf[tty.head++ % IBUF_SIZE] = c;
		tty.commit = tty.head;
		if (echo)
			echo_char(e, c);
	}
	return 0;
}

/* Feed one byte (the tty thread; ktests too). */
void tty_receive(u8 c)
{
	struct echo_buf e = { .n = 0 };
	spin_lock(&tty.lock);
	int sig = ldisc_input(c, &e);
	int pgrp = tty.fg_pgrp;
	bool opost = (tty.tio.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR);
	if (sig && pgrp > 0)
		tty.signals_sent++;
	spin_unlock(&tty.lock);
	if (e.n)
		tty_output(e.b, e.n, opost);
	if (sig && pgrp > 0)
		proc_signal_pgrp(pgrp, sig);
	wake_up_all(&tty.read_wq);
}

/* The tty thread takes console input (rather than the kernel shell). */
static bool tty_attached(void)
{
	return READ_ONCE(tty.opens) > 0 && READ_ONCE(tty.fg_pgrp) != 0;
}

static int tty_input_cond_c;
static bool tty_input_cond(void *arg)
{
	(void)arg;
	if (thread_should_stop())
		return true;
	return tty_attached() && (tty_input_cond_c = console_poll_char()) >= 0;
}

static int tty_thread_fn(void *arg)
{
	(void)arg;
	while (!thread_should_stop()) {
		if (console_input_irq_driven()) {
			tty_input_cond_c = -1;
			vfs_wait(&console_input_wq, tty_input_cond, NULL, 0, false);
			if (tty_input_cond_c >= 0)
				tty_receive((u8)tty_input_cond_c);
		} else {
			int c = tty_attached() ? console_poll_char() : -1;
			if (c >= 0)
				tty_receive((u8)c);
			else
				thread_sleep_ns(10 * NSEC_PER_MSEC);
		}
	}
	return 0;
}

void tty_init(void)
{
	wait_queue_init(&tty.read_wq);
	tty.ready = true;
	tty_thread = kthread_create(tty_thread_fn, NULL, "tty");
	if (!tty_thread)
		pr_err("tty", "cannot start the tty input thread");
	else
		thread_detach(tty_thread);
}

void tty_set_foreground(int pgid)
{
	spin_lock(&tty.lock);
	tty.fg_pgrp = pgid;
	spin_unlock(&tty.lock);
	/* the input goes to the tty thread or back to the kernel shell;
	 * readers blocked on the tty re-check whether they may read */
	wake_up_all(&console_input_wq);
	wake_up_all(&tty.read_wq);
}

/* ---- file operations ---- */

static int tty_open(struct inode *ino, struct file *f)
{
	(void)ino, (void)f;
	__atomic_fetch_add(&tty.opens, 1, __ATOMIC_RELAXED);
	wake_up_all(&console_input_wq); /* the tty thread starts taking input */
	return 0;
}

static void tty_release(struct file *f)
{
	(void)f;
	__atomic_fetch_sub(&tty.opens, 1, __ATOMIC_RELAXED);
	wake_up_all(&console_input_wq);
}

/* Take readable bytes into out (at most n): count, 0 at EOF mark. */
static size_t take_locked(u8 *out, size_t n, bool *eof)
{
	size_t k = 0;
	bool canon = tty.tio.c_lflag & ICANON;
	u32 limit = canon ? tty.commit : tty.head;
	*eof = false;
	while (k < n && tty.tail != limit) {
		u16 s = tty.buf[tty.tail % IBUF_SIZE];
		if (s == SLOT_EOF) {
			if (k == 0) {
				tty.tail++;
				*eof = true;
			}
			break;
		}
		tty.tail++;
		out[k++] = (u8)s;
		if (canon && s == '\n')
			break;
	}
	if (!canon)
		tty.commit = tty.head;
	return k;
}

static bool tty_readable(void *arg)
{
	(void)arg;
	spin_lock(&tty.lock);
	bool r = readable_locked() || tty.fg_pgrp == 0;
	spin_unlock(&tty.lock);
	return r;
}

static long tty_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)pos;
	u8 buf[256];
	u64 deadline = 0;
	for (;;) {
		spin_lock(&tty.lock);
		if (tty.fg_pgrp == 0 && current_process()) {
			spin_unlock(&tty.lock);
			return -EIO; /* the kernel shell has the terminal */
		}
		bool eof;
		size_t n = take_locked(buf, MIN(sizeof(buf), it->count), &eof);
		bool canon = tty.tio.c_lflag & ICANON;
		u8 vmin = tty.tio.c_cc[VMIN], vtime = tty.tio.c_cc[VTIME];
		spin_unlock(&tty.lock);
		if (n || eof) {
			wake_up_all(&tty.read_wq);
			return iter_copy_out(it, buf, n) ? -EFAULT : (long)n;
		}
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (!canon && vmin == 0) {
			if (vtime == 0)
				return 0;
			if (!deadline)
				deadline = clock_monotonic_ns() + (u64)vtime * 100 * NSEC_PER_MSEC;
		}
		int r = vfs_wait(&tty.read_wq, tty_readable, NULL, deadline, true);
		if (r == -ETIMEDOUT)
			return 0;
		if (r)
			return r;
	}
}

static long tty_write(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)f, (void)pos;
	char buf[256];
	long done = 0;
	while (it->count) {
		size_t n = MIN(sizeof(buf), it->count);
		if (iter_copy_in(it, buf, n))
			return done ? done : -EFAULT;
		spin_lock(&tty.lock);
		bool opost = (tty.tio.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR);
		spin_unlock(&tty.lock);
		tty_output(buf, n, opost);
		done += (long)n;
	}
	return done;
}

static long tty_ioctl(struct file *f, u32 cmd, u64 arg)
{
	(void)f;
	void *up = (void *)(uintptr_t)arg;
	switch (cmd) {
	case TCGETS: {
		struct ktermios t;
		spin_lock(&tty.lock);
		t = tty.tio;
		spin_unlock(&tty.lock);
		return copy_to_user(up, &t, sizeof(t)) ? -EFAULT : 0;
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct ktermios t;
		if (copy_from_user(&t, up, sizeof(t)))
			return -EFAULT;
		spin_lock(&tty.lock);
		bool was_canon = tty.tio.c_lflag & ICANON;
		tty.tio = t;
		if (cmd == TCSETSF)
			tty.head = tty.commit = tty.tail;
		else if (was_canon && !(t.c_lflag & ICANON))
			tty.commit = tty.head; /* the partial line becomes readable */
		spin_unlock(&tty.lock);
		wake_up_all(&tty.read_wq);
		return 0;
	}
	case TCFLSH:
		if (arg > 2)
			return -EINVAL;
		if (arg == 0 || arg == 2) {
			spin_lock(&tty.lock);
			tty.head = tty.commit = tty.tail;
			spin_unlock(&tty.lock);
		}
		return 0;
	case TIOCGWINSZ: {
		struct kwinsize w;
		spin_lock(&tty.lock);
		w = tty.ws;
		spin_unlock(&tty.lock);
		return copy_to_user(up, &w, sizeof(w)) ? -EFAULT : 0;
	}
	case TIOCSWINSZ: {
		struct kwinsize w;
		if (copy_from_user(&w, up, sizeof(w)))
			return -EFAULT;
		spin_lock(&tty.lock);
		tty.ws = w;
		spin_unlock(&tty.lock);
		return 0;
	}
	case TIOCGPGRP: {
		spin_lock(&tty.lock);
		int pg = tty.fg_pgrp;
		spin_unlock(&tty.lock);
		if (pg <= 0)
			pg = proc_pgid();
		return put_user_u32(up, (u32)pg) ? -EFAULT : 0;
	}
	case TIOCSPGRP: {
		u32 pg;
		if (get_user_u32(&pg, up))
			return -EFAULT;
		if ((s32)pg < 0)
			return -EINVAL;
		/* a group of the caller's session only (Linux's tiocspgrp):
		 * 0 would hand the terminal to the kernel shell */
		int r = proc_pgrp_check((int)pg);
		if (r)
			return r;
		tty_set_foreground((int)pg);
		return 0;
	}
	case TIOCGSID: {
		int sid = proc_pgid();
		return put_user_u32(up, (u32)sid) ? -EFAULT : 0;
	}
	case FIONREAD: {
		spin_lock(&tty.lock);
		u32 n = 0;
		u32 limit = (tty.tio.c_lflag & ICANON) ? tty.commit : tty.head;
		for (u32 i = tty.tail; i != limit; i++)
			n += tty.buf[i % IBUF_SIZE] != SLOT_EOF;
		spin_unlock(&tty.lock);
		return put_user_u32(up, n) ? -EFAULT : 0;
	}
	case TIOCOUTQ:
		return put_user_u32(up, 0) ? -EFAULT : 0;
	case TIOCSCTTY:
	case TIOCNOTTY:
		return 0;
	}
	return -ENOTTY;
}

static u32 tty_poll(struct file *f, struct wait_queue **wq)
{
	(void)f;
	*wq = &tty.read_wq;
	return (tty_readable(NULL) ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}

const struct file_ops tty_fops = {
	.open = tty_open,
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
	.release = tty_release,
	.no_seek = true,
};

u64 tty_signals_sent(void)
{
	return READ_ONCE(tty.signals_sent);
}
