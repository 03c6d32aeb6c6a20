/*
 * lock.c: a spinlock in the shared mapping, built from C11 atomics because
 * process-shared pthread objects are not portable (macOS). Critical sections
 * are a few hundred instructions, so spinning with sched_yield is enough.
 * The lock word holds the holder's pid (see sim_lock_t) so that a lock left
 * behind by a process that died inside a critical section can be taken over
 * instead of hanging.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
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

static int32_t lock_holder(uint64_t w) { return (int32_t)(uint32_t)w; }
static uint64_t lock_next_free(uint64_t w) { return (w & ~0xffffffffull) + (1ull << 32); }

/* how long a waiter lets a holder keep the lock before asking whether it
 * still lives: time, not spins, because under load each sched_yield can
 * take a whole time slice */
#define TAKEOVER_CHECK_NS 10000000ull

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sim_lock(sim_lock_t *l)
{
	uint64_t mine = (uint32_t)self_pid();
	uint64_t last_check = 0;
	for (uint32_t spins = 1;; spins++) {
		uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
		if (lock_holder(w) == 0) {
			if (atomic_compare_exchange_weak_explicit(&l->word, &w, w | mine,
			    memory_order_acquire, memory_order_relaxed))
				return;
		} else if (spins >= 64 && (spins & 15) == 0) {
			/* held for a while: is the holder still there? */
			uint64_t now = monotonic_ns();
			if (last_check == 0)
				last_check = now;
			else if (now - last_check >= TAKEOVER_CHECK_NS) {
				last_check = now;
				sim_lock_takeover(l, w);
			}
		}
		if (spins >= 64)
			sched_yield();
	}
}

/* Frees the lock if it still reads exactly `seen` and seen's holder has died. */
bool sim_lock_takeover(sim_lock_t *l, uint64_t seen)
{
	int32_t pid = lock_holder(seen);
	if (pid <= 0 || sim_pid_alive(pid))
		return false;
	return atomic_compare_exchange_strong_explicit(&l->word, &seen, lock_next_free(seen),
	    memory_order_acq_rel, memory_order_relaxed);
}

void sim_unlock(sim_lock_t *l)
{
	/* only the holder changes a held word (a takeover needs it dead) */
	uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
	atomic_store_explicit(&l->word, lock_next_free(w), memory_order_release);
}
