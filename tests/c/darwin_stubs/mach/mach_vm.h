/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_shim_test.ts); never shipped.
 * The prototypes darwin/poolmem.c calls (osfmk/mach/mach_vm.defs in xnu). */
#pragma once
#include <mach/mach.h>
kern_return_t mach_vm_region(vm_map_read_t target_task, mach_vm_address_t *address,
    mach_vm_size_t *size, vm_region_flavor_t flavor, vm_region_info_t info,
    mach_msg_type_number_t *infoCnt, mach_port_t *object_name);
kern_return_t mach_vm_remap(vm_map_t target_task, mach_vm_address_t *target_address,
    mach_vm_size_t size, mach_vm_offset_t mask, int flags, vm_map_t src_task,
    mach_vm_address_t src_address, boolean_t copy, vm_prot_t *cur_protection,
    vm_prot_t *max_protection, vm_inherit_t inheritance);
kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address, mach_vm_size_t size,
    int flags);
