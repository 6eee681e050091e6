/* robust: a child process takes a process-shared robust mutex (in a
 * MAP_SHARED page) and exits holding it; the parent's lock must then
 * return EOWNERDEAD: the kernel walked the dead thread's robust list (musl
 * leaves process-shared mutexes to the kernel). Exit 0 when it holds. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pthread_mutex_t *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &at);
	pid_t c = fork();
	if (c == 0) {
		pthread_mutex_lock(m);
		_exit(0); /* ends holding the mutex */
	}
	waitpid(c, 0, 0);
	int r = pthread_mutex_lock(m);
	printf("robust lock after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
	if (r == EOWNERDEAD)
		pthread_mutex_consistent(m);
	pthread_mutex_unlock(m);
	return r != EOWNERDEAD;
}
