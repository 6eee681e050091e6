#!/bin/sh
# gen-ksyms.sh KERNEL.elf > ksyms.S
# Emits the kernel's function symbols (text, sorted by address, with sizes)
# as an assembly file for the .ksyms section; see kernel/ksyms.c.
set -eu
NM=${NM:-nm}
"$NM" -n -S --defined-only "$1" | awk '
	BEGIN { n = 0 }
	$3 ~ /^[tTwW]$/ && NF == 4 { addr[n] = $1; size[n] = $2; name[n] = $4; n++ }
	$2 ~ /^[tTwW]$/ && NF == 3 { addr[n] = $1; size[n] = "0"; name[n] = $3; n++ }
	END {
		print "\t.section .ksyms, \"a\""
		print "\t.balign 8"
		print "\t.globl ksyms_nr, ksyms_table, ksyms_names"
		print "ksyms_nr: .quad " n
		print "ksyms_table:"
		off = 0
		for (i = 0; i < n; i++) {
			printf "\t.quad 0x%s, 0x%s\n\t.long %d, 0\n", addr[i], size[i], off
			off += length(name[i]) + 1
		}
		print "ksyms_names:"
		for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
	}'
