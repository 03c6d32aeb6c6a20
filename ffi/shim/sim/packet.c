/*
 * packet.c: os_packet_* / os_buflet_* (xnu-spi.md 2.5). packet_t is the
 * address of the packet's metadata in this process's mapping, buflet_t the
 * address of its (single) buflet descriptor. Setters store blindly and
 * finalize validates, as packet_common.h does.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sim.h"

static struct sim_pkt *buflet_pkt(buflet_t b)
{
	if (b == NULL)
		return NULL;
	struct sim_pkt *p = sim_pkt_from_ph((packet_t)((uintptr_t)b - offsetof(struct sim_pkt, b)));
	return p;
}
#define PKT_OR(ret) struct sim_pkt *p = sim_pkt_from_ph(ph); if (p == NULL) return ret
#define BUF_OR(ret) struct sim_pkt *p = buflet_pkt(buf); if (p == NULL) return ret

buflet_t os_packet_get_next_buflet(packet_t ph, buflet_t prev)
{
	PKT_OR(NULL);
	return prev == NULL ? (buflet_t)(void *)&p->b : NULL;  /* one buflet per packet */
}

uint32_t os_packet_get_buflet_count(packet_t ph)
{
	PKT_OR(0);
	return 1;
}

int os_packet_set_link_header_length(packet_t ph, uint8_t len)
{
	PKT_OR(EINVAL);
	if (len > p->b.dlim)
		return ERANGE;
	p->l2len = len;
	return 0;
}

uint8_t os_packet_get_link_header_length(packet_t ph)
{
	PKT_OR(0);
	return p->l2len;
}

uint32_t os_packet_get_data_length(packet_t ph)
{
	PKT_OR(0);
	return p->len;
}

int os_packet_set_packetid(packet_t ph, packet_id_t *pktid)
{
	PKT_OR(EINVAL);
	if (pktid == NULL)
		return EINVAL;
	p->pktid = *pktid;
	p->flags |= PF_PKTID;
	return 0;
}

int os_packet_get_packetid(packet_t ph, packet_id_t *pktid)
{
	PKT_OR(EINVAL);
	if (pktid == NULL)
		return EINVAL;
	if (!(p->flags & PF_PKTID))
		return ENOENT;
	*pktid = p->pktid;
	return 0;
}

int os_packet_set_expire_time(packet_t ph, uint64_t ts)
{
	PKT_OR(EINVAL);
	p->expire = ts;
	if (ts != 0)
		p->flags |= PF_EXPIRE;
	else
		p->flags &= ~PF_EXPIRE;
	return 0;
}

int os_packet_get_expire_time(packet_t ph, uint64_t *ts)
{
	PKT_OR(EINVAL);
	if (ts == NULL)
		return EINVAL;
	if (!(p->flags & PF_EXPIRE))
		return ENOENT;
	*ts = p->expire;
	return 0;
}

int os_packet_set_expiry_action(packet_t ph, packet_expiry_action_t action)
{
	PKT_OR(EINVAL);
	p->exp_action = action;
	return 0;
}

/* sums the buflet lengths into the packet length; ERANGE leaves it dropped */
int os_packet_finalize(packet_t ph)
{
	PKT_OR(EINVAL);
	p->flags &= ~(PF_FINALIZED | PF_DROPPED);
	if (p->b.doff > 255 || (uint64_t)p->b.doff + p->b.dlen > p->b.dlim) {
		p->len = 0;
		p->flags |= PF_DROPPED;
		return ERANGE;
	}
	p->len = p->b.dlen;
	p->l2len = 0;  /* user-space finalize: "raw packets from user space" */
	p->flags |= PF_FINALIZED;
	return 0;
}

int os_buflet_set_data_offset(buflet_t buf, uint32_t off)
{
	BUF_OR(EINVAL);
	p->b.doff = off;
	return 0;
}

uint32_t os_buflet_get_data_offset(buflet_t buf)
{
	BUF_OR(0);
	return p->b.doff;
}

int os_buflet_set_data_length(buflet_t buf, uint32_t len)
{
	BUF_OR(EINVAL);
	p->b.dlen = len;
	return 0;
}

uint32_t os_buflet_get_data_length(buflet_t buf)
{
	BUF_OR(0);
	return p->b.dlen;
}

void *os_buflet_get_object_address(buflet_t buf)
{
	BUF_OR(NULL);
	return sim_pkt_data(p);
}

uint32_t os_buflet_get_data_limit(buflet_t buf)
{
	BUF_OR(0);
	return p->b.dlim;
}
