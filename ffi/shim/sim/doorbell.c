/*
 * doorbell.c: one AF_UNIX datagram socket per open channel, bound at
 * <domain>/door<i>. It is the channel's fd (os_channel_get_fd): kevent polls
 * it, any process rings it with a 1-byte sendto from an unbound socket.
 * Datagram sockets need no futex/eventfd (portable to macOS), a ring to a
 * closed channel just fails (no SIGPIPE), and a full queue means a wakeup is
 * already pending, so errors on ringing are ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"

static int set_flags(int fd)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		return -errno;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return -errno;
	return 0;
}

static int dgram_socket(void)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0)
		return -errno;
	int err = set_flags(s);
	if (err) {
		close(s);
		return err;
	}
	return s;
}

/* at attach: the doorbell addresses, and the socket used to ring them */
int sim_door_prepare(void)
{
	for (int i = 0; i < SIM_MAX_CHAN; i++) {
		struct sockaddr_un *a = &g_sim.door[i];
		memset(a, 0, sizeof(*a));
		a->sun_family = AF_UNIX;
		if ((size_t)snprintf(a->sun_path, sizeof(a->sun_path), "%s/door%d", g_sim.dir, i) >=
		    sizeof(a->sun_path))
			return -ENAMETOOLONG;
	}
	int s = dgram_socket();
	if (s < 0)
		return s;
	g_sim.ring_sock = s;
	return 0;
}

void sim_door_release(void)
{
	if (g_sim.ring_sock >= 0)
		close(g_sim.ring_sock);
	g_sim.ring_sock = -1;
}

int sim_door_open(int chan)
{
	int s = dgram_socket();
	if (s < 0)
		return s;
	unlink(g_sim.door[chan].sun_path);   /* left over by a process that died */
	if (bind(s, (struct sockaddr *)&g_sim.door[chan], sizeof(g_sim.door[chan])) != 0) {
		int err = -errno;
		close(s);
		return err;
	}
	return s;
}

void sim_door_close(int fd, int chan)
{
	close(fd);
	unlink(g_sim.door[chan].sun_path);
}

void sim_door_ring(int chan)
{
	char b = 1;
	(void)sendto(g_sim.ring_sock, &b, 1, 0, (struct sockaddr *)&g_sim.door[chan],
	    sizeof(g_sim.door[chan]));
}

void sim_door_drain(int fd)
{
	char b[64];
	while (recv(fd, b, sizeof(b), 0) > 0)
		;
}
