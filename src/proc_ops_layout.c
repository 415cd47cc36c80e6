// SPDX-License-Identifier: GPL-2.0
/*
 * The layout of `struct proc_ops` as the target kernel's C compiler sees it,
 * for the compile-time check in src/procfs.rs. Compiled to assembly only
 * (never linked); Kbuild turns each marker into a Rust constant, the way the
 * kernel's own asm-offsets work.
 */
#include <linux/compiler.h>
#include <linux/proc_fs.h>
#include <linux/stddef.h>

#define LAYOUT(sym, val) \
	asm volatile("\n.ascii \"->ELEVATOR_LAYOUT " #sym " %0\"" : : "i" (val))

void elevator_proc_ops_layout(void);
void elevator_proc_ops_layout(void)
{
	LAYOUT(PROC_OPS_SIZE, sizeof(struct proc_ops));
	LAYOUT(PROC_OPS_FLAGS, offsetof(struct proc_ops, proc_flags));
	LAYOUT(PROC_OPS_OPEN, offsetof(struct proc_ops, proc_open));
	LAYOUT(PROC_OPS_READ, offsetof(struct proc_ops, proc_read));
	LAYOUT(PROC_OPS_READ_ITER, offsetof(struct proc_ops, proc_read_iter));
	LAYOUT(PROC_OPS_WRITE, offsetof(struct proc_ops, proc_write));
	LAYOUT(PROC_OPS_LSEEK, offsetof(struct proc_ops, proc_lseek));
	LAYOUT(PROC_OPS_RELEASE, offsetof(struct proc_ops, proc_release));
	LAYOUT(PROC_OPS_POLL, offsetof(struct proc_ops, proc_poll));
	LAYOUT(PROC_OPS_IOCTL, offsetof(struct proc_ops, proc_ioctl));
#ifdef CONFIG_COMPAT
	LAYOUT(PROC_OPS_COMPAT_IOCTL, offsetof(struct proc_ops, proc_compat_ioctl));
#endif
	LAYOUT(PROC_OPS_MMAP, offsetof(struct proc_ops, proc_mmap));
	LAYOUT(PROC_OPS_GET_UNMAPPED_AREA, offsetof(struct proc_ops, proc_get_unmapped_area));
}
