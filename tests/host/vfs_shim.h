/* vfs_shim.h — controls of tests/host/vfs_shim.c. */
#ifndef RAYOS_TESTS_VFS_SHIM_H
#define RAYOS_TESTS_VFS_SHIM_H
long vfs_shim_live_allocs(void); /* kmalloc'd blocks not yet freed */
#endif
