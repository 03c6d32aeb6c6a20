/*
 * domain.c: the shared-memory domain of a run.
 * Layout: <dir>/state (SIM_FILE_SIZE bytes, sparse, mapped MAP_SHARED by every
 * process) and <dir>/door<i> (one datagram-socket doorbell per open channel).
 * The state file starts with struct sim_hdr (magic, version, creator pid,
 * sysctls, interfaces, channel records, flows) followed by one
 * struct sim_chan_area (rings, pools, packet buffers) per channel record.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

struct sim_proc g_sim = { .fd = -1, .ring_sock = -1 };
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

void sim_proc_lock(void) { pthread_mutex_lock(&g_mu); }
void sim_proc_unlock(void) { pthread_mutex_unlock(&g_mu); }

static int state_path(const char *dir, char *out, size_t n)
{
	if (dir == NULL || dir[0] == '\0')
		return -EINVAL;
	if ((size_t)snprintf(out, n, "%s/state", dir) >= n)
		return -ENAMETOOLONG;
	return 0;
}

static int map_state(const char *dir, int fd)
{
	void *p = mmap(NULL, SIM_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	struct sim_hdr *h = p;
	if (h->magic != SIM_MAGIC || h->version != SIM_VERSION ||
	    h->file_size != SIM_FILE_SIZE || h->hdr_size != sizeof(struct sim_hdr)) {
		munmap(p, SIM_FILE_SIZE);
		return -EPROTO;
	}
	snprintf(g_sim.dir, sizeof(g_sim.dir), "%s", dir);
	g_sim.fd = fd;
	g_sim.base = p;
	g_sim.size = SIM_FILE_SIZE;
	g_sim.hdr = h;
	int err = sim_door_prepare();
	if (err != 0) {
		munmap(p, SIM_FILE_SIZE);
		g_sim.base = NULL;
		g_sim.hdr = NULL;
		return err;
	}
	g_sim.attached = 1;
	return 0;
}

static int attach_locked(const char *dir)
{
	char path[300];
	int err = state_path(dir, path, sizeof(path));
	if (err)
		return err;
	if (strlen(dir) >= sizeof(g_sim.dir))
		return -ENAMETOOLONG;
	if (g_sim.attached)
		return strcmp(g_sim.dir, dir) == 0 ? 0 : -EBUSY;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != SIM_FILE_SIZE) {
		close(fd);
		return -EPROTO;
	}
	err = map_state(dir, fd);
	if (err)
		close(fd);
	return err;
}

int32_t plat_env_create(const char *dir)
{
	char path[300];
	int err = state_path(dir, path, sizeof(path));
	if (err)
		return err;
	if (strlen(dir) >= sizeof(g_sim.dir))
		return -ENAMETOOLONG;
	sim_proc_lock();
	if (mkdir(dir, 0700) != 0) {
		err = -errno;
		sim_proc_unlock();
		return err;
	}
	if (g_sim.attached) {   /* one domain per process */
		rmdir(dir);
		sim_proc_unlock();
		return -EBUSY;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)SIM_FILE_SIZE) != 0) {
		err = -errno;
		goto fail;
	}
	struct sim_hdr *h = mmap(NULL, SIM_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	h->version = SIM_VERSION;
	h->hdr_size = sizeof(struct sim_hdr);
	h->file_size = SIM_FILE_SIZE;
	h->creator_pid = (int32_t)getpid();
	h->nonce = sim_now_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)h;
	sim_sysctl_defaults(h);
	for (int i = 0; i < SIM_MAX_IF; i++)
		atomic_store(&h->ifs[i].peer, -1);
	/* magic last: a reader that sees it sees an initialised header */
	atomic_thread_fence(memory_order_release);
	h->magic = SIM_MAGIC;
	munmap(h, SIM_FILE_SIZE);
	err = map_state(dir, fd);
	if (err)
		goto fail;
	sim_proc_unlock();
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
	sim_proc_unlock();
	return err;
}

int32_t plat_env_attach(const char *dir)
{
	sim_proc_lock();
	int err = attach_locked(dir);
	sim_proc_unlock();
	return err;
}

static int detach_locked(void)
{
	if (!g_sim.attached)
		return -ENXIO;
	for (int i = 0; i < SIM_MAX_CHAN; i++)
		if (g_sim.open[i] != NULL)
			return -EBUSY;   /* destroy the channels first */
	sim_door_release();
	munmap(g_sim.base, g_sim.size);
	close(g_sim.fd);
	g_sim.attached = 0;
	g_sim.base = NULL;
	g_sim.hdr = NULL;
	g_sim.fd = -1;
	g_sim.dir[0] = '\0';
	return 0;
}

int32_t plat_env_detach(void)
{
	sim_proc_lock();
	int err = detach_locked();
	sim_proc_unlock();
	return err;
}

/* Removes the domain directory. Processes still attached keep their mapping. */
int32_t plat_env_destroy(const char *dir)
{
	char path[300];
	int err = state_path(dir, path, sizeof(path));
	if (err)
		return err;
	sim_proc_lock();
	if (g_sim.attached && strcmp(g_sim.dir, dir) == 0) {
		err = detach_locked();
		if (err) {
			sim_proc_unlock();
			return err;
		}
	}
	sim_proc_unlock();
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, "state") != 0 && strncmp(e->d_name, "door", 4) != 0)
			continue;
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(dir) == 0 ? 0 : -errno;
}
