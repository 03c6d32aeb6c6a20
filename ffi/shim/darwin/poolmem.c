/*
 * poolmem.c: where a channel's packet buffers live on a real kernel
 * (skt_platform.h). The kernel maps the channel's arena into the task; the
 * buffers are one region of it (skmem_arena's buffer region), found here by
 * asking the VM which region holds one buffer: a packet's buflet object
 * (user packet pool) or the first TX slot's buffer. The alias is a second,
 * shared (not copied) mapping of that region made by mach_vm_remap.
 * Not run here (no Mac): written against the public mach VM calls.
 */
#include <errno.h>
#include <mach/mach.h>
#include <mach/mach_vm.h>
#include <stdint.h>

#include "../skt_platform.h"
#include "../skt_spi.h"

/* an address inside the channel's buffer region, 0 if none is reachable */
static mach_vm_address_t one_buffer(channel_t chd)
{
	packet_t ph = 0;
	if (os_channel_packet_alloc(chd, &ph) == 0) {
		buflet_t b = os_packet_get_next_buflet(ph, NULL);
		void *a = b != NULL ? os_buflet_get_object_address(b) : NULL;
		os_channel_packet_free(chd, ph);
		return (mach_vm_address_t)(uintptr_t)a;
	}
	channel_ring_t r = os_channel_tx_ring(chd, os_channel_ring_id(chd, CHANNEL_FIRST_TX_RING));
	slot_prop_t prop;
	if (r != NULL && os_channel_get_next_slot(r, NULL, &prop) != NULL)
		return (mach_vm_address_t)prop.sp_buf_ptr;
	return 0;
}

static int32_t region_of(mach_vm_address_t a, mach_vm_address_t *base, mach_vm_size_t *size)
{
	mach_vm_address_t addr = a;
	mach_vm_size_t sz = 0;
	vm_region_basic_info_data_64_t info;
	mach_msg_type_number_t count = VM_REGION_BASIC_INFO_COUNT_64;
	mach_port_t obj = MACH_PORT_NULL;
	if (mach_vm_region(mach_task_self(), &addr, &sz, VM_REGION_BASIC_INFO_64,
	    (vm_region_info_t)&info, &count, &obj) != KERN_SUCCESS || addr > a || a >= addr + sz)
		return -EIO;
	*base = addr;
	*size = sz;
	return 0;
}

int32_t plat_channel_pool(struct channel *chd, uint64_t *base, uint64_t *size)
{
	mach_vm_address_t a = one_buffer(chd), b;
	mach_vm_size_t s;
	if (a == 0)
		return -ENOENT;
	int32_t r = region_of(a, &b, &s);
	if (r < 0)
		return r;
	*base = b;
	*size = s;
	return 0;
}

int32_t plat_pool_alias(struct channel *chd, void *at, uint64_t size)
{
	uint64_t base, have;
	int32_t r = plat_channel_pool(chd, &base, &have);
	if (r < 0)
		return r;
	if (have != size)
		return -EINVAL;
	mach_vm_address_t target = (mach_vm_address_t)(uintptr_t)at;
	vm_prot_t cur, max;
	kern_return_t kr = mach_vm_remap(mach_task_self(), &target, size, 0,
	    VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, mach_task_self(), base, FALSE, &cur, &max,
	    VM_INHERIT_NONE);
	return kr == KERN_SUCCESS ? 0 : -ENOTSUP;
}

int32_t plat_pool_unalias(void *at, uint64_t size)
{
	mach_vm_address_t a = (mach_vm_address_t)(uintptr_t)at;
	return mach_vm_allocate(mach_task_self(), &a, size, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE) ==
	    KERN_SUCCESS ? 0 : -EIO;
}
