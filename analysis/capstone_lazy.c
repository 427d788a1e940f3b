// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The capstone functions uniscope calls, forwarded to libcapstone once it is
 * loaded. Without the library each one fails as capstone reports errors: no
 * handle, no instruction, or a cs_err code.
 */
#include <capstone/capstone.h>
#include <stddef.h>

#include "capstone_lazy.h"
#include "lazy_library.h"
#include "log.h"

/* The Makefile reads the SONAME from the libcapstone.so that the headers belong to. */
#ifndef CAPSTONE_SONAME
#error "CAPSTONE_SONAME is not defined: build with make, which defines it"
#endif
#ifndef CAPSTONE_PACKAGE
#define CAPSTONE_PACKAGE ""
#endif

static __typeof__(cs_version) *cs_version_pointer;
static __typeof__(cs_open) *cs_open_pointer;
static __typeof__(cs_close) *cs_close_pointer;
static __typeof__(cs_option) *cs_option_pointer;
static __typeof__(cs_disasm) *cs_disasm_pointer;
static __typeof__(cs_free) *cs_free_pointer;
static __typeof__(cs_malloc) *cs_malloc_pointer;
static __typeof__(cs_disasm_iter) *cs_disasm_iter_pointer;
static __typeof__(cs_insn_group) *cs_insn_group_pointer;
static __typeof__(cs_regs_access) *cs_regs_access_pointer;

static const struct lazy_symbol capstone_symbols[] = {
	LAZY_SYMBOL(cs_version),
	LAZY_SYMBOL(cs_open),
	LAZY_SYMBOL(cs_close),
	LAZY_SYMBOL(cs_option),
	LAZY_SYMBOL(cs_disasm),
	LAZY_SYMBOL(cs_free),
	LAZY_SYMBOL(cs_malloc),
	LAZY_SYMBOL(cs_disasm_iter),
	LAZY_SYMBOL(cs_insn_group),
	LAZY_SYMBOL(cs_regs_access),
	{ NULL, NULL },
};

static void check_version(void);

static struct lazy_library capstone = {
	.name = "capstone",
	.soname = CAPSTONE_SONAME,
	.package = CAPSTONE_PACKAGE,
	.symbols = capstone_symbols,
	.loaded = check_version,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/*
 * Warns when the library's API version differs from the headers'. Such a
 * library works (same SONAME), but the analysis cache keys its entries with
 * the headers' version, so it does not see that the decoder changed.
 */
static void check_version(void)
{
	int major, minor;

	cs_version_pointer(&major, &minor);
	if (major == CS_API_MAJOR && minor == CS_API_MINOR)
		return;
	p_warn("%s is capstone %d.%d, but uniscope was built with the headers of %d.%d: "
	       "build uniscope again (make), so that cached system call analyses made with "
	       "the other version are redone", CAPSTONE_SONAME, major, minor, CS_API_MAJOR,
	       CS_API_MINOR);
}

int capstone_load(void)
{
	return lazy_library_load(&capstone);
}

const char *capstone_load_error(void)
{
	return lazy_library_error(&capstone);
}

/* Without the library, returns the headers' version, which it was built for. */
unsigned int cs_version(int *major, int *minor)
{
	if (lazy_library_ready(&capstone, __func__))
		return cs_version_pointer(major, minor);
	if (major)
		*major = CS_API_MAJOR;
	if (minor)
		*minor = CS_API_MINOR;
	return CS_MAKE_VERSION(CS_API_MAJOR, CS_API_MINOR);
}

cs_err cs_open(cs_arch arch, cs_mode mode, csh *handle)
{
	if (!lazy_library_ready(&capstone, __func__)) {
		*handle = 0;
		return CS_ERR_ARCH;
	}
	return cs_open_pointer(arch, mode, handle);
}

/* Without the library no handle exists, so the functions below report an invalid one. */
cs_err cs_close(csh *handle)
{
	if (!lazy_library_ready(&capstone, __func__))
		return CS_ERR_CSH;
	return cs_close_pointer(handle);
}

cs_err cs_option(csh handle, cs_opt_type type, size_t value)
{
	if (!lazy_library_ready(&capstone, __func__))
		return CS_ERR_CSH;
	return cs_option_pointer(handle, type, value);
}

size_t cs_disasm(csh handle, const uint8_t *code, size_t code_size, uint64_t address,
		 size_t count, cs_insn **insn)
{
	if (!lazy_library_ready(&capstone, __func__)) {
		*insn = NULL;
		return 0;
	}
	return cs_disasm_pointer(handle, code, code_size, address, count, insn);
}

/* Only a loaded library can have allocated insn. */
void cs_free(cs_insn *insn, size_t count)
{
	if (lazy_library_is_loaded(&capstone))
		cs_free_pointer(insn, count);
}

cs_insn *cs_malloc(csh handle)
{
	if (!lazy_library_ready(&capstone, __func__))
		return NULL;
	return cs_malloc_pointer(handle);
}

bool cs_disasm_iter(csh handle, const uint8_t **code, size_t *size, uint64_t *address,
		    cs_insn *insn)
{
	if (!lazy_library_ready(&capstone, __func__))
		return false;
	return cs_disasm_iter_pointer(handle, code, size, address, insn);
}

bool cs_insn_group(csh handle, const cs_insn *insn, unsigned int group_id)
{
	if (!lazy_library_ready(&capstone, __func__))
		return false;
	return cs_insn_group_pointer(handle, insn, group_id);
}

cs_err cs_regs_access(csh handle, const cs_insn *insn, cs_regs regs_read,
		      uint8_t *regs_read_count, cs_regs regs_write, uint8_t *regs_write_count)
{
	if (!lazy_library_ready(&capstone, __func__))
		return CS_ERR_CSH;
	return cs_regs_access_pointer(handle, insn, regs_read, regs_read_count, regs_write,
				      regs_write_count);
}
