/* uvm_fallbacks.c — stand-ins, defined weak, for what the address-space
 * code uses from the process work (proc.h) before it is merged. The
 * process work's strong definitions replace them at link time; this file
 * can be deleted at the merge.
 *
 * proc_fault_signal: without processes no thread runs in user mode, so a
 * user-mode fault cannot reach here; if one does, it is reported and the
 * thread ends. */
#include <rayos/proc.h>
#include <rayos/log.h>
#include <rayos/thread.h>

__attribute__((weak)) void proc_fault_signal(u64 addr, u32 err)
{
	pr_err("uvm", "unresolved user fault at %llx (error %x) and no process code: thread ends",
	       (unsigned long long)addr, err);
	thread_exit(-EFAULT);
}
