/*
 * lock.c: a spinlock in the shared mapping, built from C11 atomics because
 * process-shared pthread objects are not portable (macOS). Critical sections
 * are a few hundred instructions, so spinning with sched_yield is enough.
 * The holder's pid is recorded so that a lock left behind by a process that
 * died inside a critical section can be taken over instead of hanging.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim.h"

bool sim_pid_alive(int32_t pid)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
#ifdef __linux__
	/*
	 * A zombie has exited: the kernel released its channels at exit, and so
	 * must the sim, however late its parent reaps it (an orphan's reaper may
	 * take seconds, or never come in a container without an init).
	 */
	char path[32], buf[128];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			/* "pid (comm) S ...": the state follows the last ')' */
			char *p = strrchr(buf, ')');
			if (p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
				return false;
		}
	}
#endif
	return true;
}

/* getpid() is a system call on glibc >= 2.25 (no cache): the lock is taken
 * several times per packet, so the pid is cached and refreshed after fork */
static _Atomic int32_t my_pid;

static void forget_pid(void) { atomic_store_explicit(&my_pid, 0, memory_order_relaxed); }
static void register_fork_handler(void) { pthread_atfork(NULL, NULL, forget_pid); }

static int32_t self_pid(void)
{
	int32_t pid = atomic_load_explicit(&my_pid, memory_order_relaxed);
	if (pid == 0) {
		static pthread_once_t once = PTHREAD_ONCE_INIT;
		pthread_once(&once, register_fork_handler);
		pid = (int32_t)getpid();
		atomic_store_explicit(&my_pid, pid, memory_order_relaxed);
	}
	return pid;
}

void sim_lock(sim_lock_t *l)
{
	uint32_t spins = 0;
	for (;;) {
		uint32_t expect = 0;
		if (atomic_compare_exchange_weak_explicit(&l->word, &expect, 1,
		    memory_order_acquire, memory_order_relaxed)) {
			atomic_store_explicit(&l->pid, self_pid(), memory_order_relaxed);
			return;
		}
		if (++spins < 64)
			continue;
		sched_yield();
		if ((spins & 0xffff) == 0) {
			/* held for a long time: is the holder still there? */
			int32_t pid = atomic_load_explicit(&l->pid, memory_order_relaxed);
			if (pid > 0 && !sim_pid_alive(pid)) {
				uint32_t held = 1;
				atomic_compare_exchange_strong(&l->word, &held, 0);
			}
		}
	}
}

void sim_unlock(sim_lock_t *l)
{
	atomic_store_explicit(&l->pid, 0, memory_order_relaxed);
	atomic_store_explicit(&l->word, 0, memory_order_release);
}

_Noreturn void sim_abort(const char *what)
{
	fprintf(stderr, "skt sim: process killed for SPI misuse: %s\n", what);
	abort();
}
