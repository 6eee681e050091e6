/* restart: a read(2) on a pipe interrupted by a signal whose handler has
 * SA_RESTART resumes and gets the data; without SA_RESTART it fails with
 * EINTR; an ignored signal does not disturb it; a stopped and continued
 * child's sleep resumes. Prints one line per case; exit 0 when all hold. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int handled;
static void on_usr1(int s) { (void)s; handled++; }

static void ms(int n)
{
	struct timespec d = { n / 1000, (n % 1000) * 1000000L };
	nanosleep(&d, 0);
}

/* read from a pipe while a child signals us, then writes */
static int one(int flags, int sig)
{
	int fd[2];
	if (pipe(fd))
		return -100;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig == SIGUSR1 ? on_usr1 : SIG_IGN;
	sa.sa_flags = flags;
	sigaction(sig, &sa, 0);
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		ms(100);
		kill(parent, sig);
		ms(100);
		write(fd[1], "x", 1);
		_exit(0);
	}
	char b;
	ssize_t r = read(fd[0], &b, 1);
	int e = errno;
	waitpid(c, 0, 0);
	close(fd[0]);
	close(fd[1]);
	return r == 1 ? 1 : -e;
}

int main(void)
{
	int bad = 0, r;
	r = one(SA_RESTART, SIGUSR1);
	printf("SA_RESTART handler: read %s\n", r == 1 ? "restarted" : strerror(-r));
	bad |= r != 1 || handled != 1;
	r = one(0, SIGUSR1);
	printf("plain handler: read %s\n", r == 1 ? "restarted" : strerror(-r));
	bad |= r != -EINTR || handled != 2;
	r = one(0, SIGUSR2); /* ignored: never interrupts */
	printf("ignored signal: read %s\n", r == 1 ? "restarted" : strerror(-r));
	bad |= r != 1;
	pid_t c = fork();
	if (c == 0) {
		ms(300);
		_exit(9);
	}
	ms(50);
	kill(c, SIGSTOP);
	int st;
	pid_t w = waitpid(c, &st, WUNTRACED);
	printf("stopped: %d\n", w == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	bad |= !(w == c && WIFSTOPPED(st));
	kill(c, SIGCONT);
	waitpid(c, &st, 0);
	printf("continued and exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	bad |= !(WIFEXITED(st) && WEXITSTATUS(st) == 9);
	return bad;
}
