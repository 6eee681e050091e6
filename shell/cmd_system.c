/* cmd_system.c — cpuinfo, and fault (deliberate CPU exceptions, to see
 * and test the fault reporter). */
#include <rayos/shell.h>
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/percpu.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/mm.h>

static int cmd_cpuinfo(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	struct arch_cpu_desc d;
	arch_cpu_describe(&d);
	u64 hz = clock_cycle_rate();
	const struct timer_device *td = timer_device_current();
	for (u32 i = 0; i < MAX_CPUS; i++) {
		if (!cpus[i].online)
			continue;
		/* one TSC rate: calibrated on the boot CPU, invariant across CPUs */
		shell_printf("cpu %u: online, APIC id %u, NUMA node %d, TSC %llu.%03llu MHz\n", cpus[i].id,
			     cpus[i].apic_id, cpu_to_node(i), (unsigned long long)(hz / 1000000),
			     (unsigned long long)(hz % 1000000 / 1000));
	}
	shell_printf("vendor:    %s\n", d.vendor);
	shell_printf("model:     %s\n", d.brand[0] ? d.brand : "(no brand string)");
	shell_printf("family %u model %u stepping %u\n", d.family, d.model, d.stepping);
	shell_printf("features: %s%s%s%s%s\n", d.nx ? " nx" : "", d.tsc_deadline ? " tsc-deadline" : "",
		     d.tsc_invariant ? " invariant-tsc" : "", d.x2apic ? " x2apic" : "",
		     d.hypervisor ? " hypervisor" : "");
	if (hz)
		shell_printf("TSC:       %llu.%06llu MHz (calibrated against %s)\n",
			     (unsigned long long)(hz / 1000000), (unsigned long long)(hz % 1000000),
			     clock_calibration_source());
	else
		shell_printf("TSC:       not calibrated\n");
	shell_printf("clock:     %s\n", clock_current() ? clock_current()->name : "none");
	shell_printf("timer:     %s\n", td ? td->name : "none");
	shell_printf("cpus online: %u\n", nr_cpus_online);
	return 0;
}
SHELL_CMD(cpuinfo, "cpuinfo", "cpuinfo", "describe the CPUs, the cycle counter and the timer", cmd_cpuinfo);

static volatile int zero, one = 1;
/* addresses through volatile objects, so the compiler cannot see them */
static volatile uintptr_t null_addr = 0x10, noncanonical_addr = 0x8000000000000000ULL;

static int cmd_fault(int argc, char **argv)
{
	if (argc != 2)
		return -EINVAL;
	if (!strcmp(argv[1], "pf")) {
		volatile int *p = (volatile int *)null_addr;
		return *p;
	} else if (!strcmp(argv[1], "ud")) {
		__builtin_trap();
	} else if (!strcmp(argv[1], "de")) {
		return one / zero; /* both volatile: a real idiv is emitted */
	} else if (!strcmp(argv[1], "gp")) {
		volatile int *p = (volatile int *)noncanonical_addr;
		return *p;
	}
	return -EINVAL;
}
SHELL_CMD(fault, "fault", "fault pf|ud|de|gp",
	  "raise a CPU exception on purpose to see the fault report (halts the kernel)", cmd_fault);
