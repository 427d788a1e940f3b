// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capstone_lazy.h"
#include "elf_reader.h"
#include "log.h"
#include "probe_placement.h"
#include "probes.h"

#ifndef STT_GNU_IFUNC
#define STT_GNU_IFUNC 10
#endif

int elf_vaddr_to_offset(const char *path, uint64_t vaddr, uint64_t *offset)
{
	size_t count, i;
	int fd, err = -ENOENT;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &count)) {
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < count; i++) {
		GElf_Phdr phdr;

		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_LOAD)
			continue;
		if (vaddr >= phdr.p_vaddr && vaddr < phdr.p_vaddr + phdr.p_filesz) {
			*offset = vaddr - phdr.p_vaddr + phdr.p_offset;
			err = 0;
			break;
		}
	}
out:
	elf_end(elf);
	close(fd);
	return err;
}

/* The exports of each library read so far, by path. */
struct library_exports {
	char *path;
	struct elf_file elf;
	bool valid;
};

static struct library_exports *export_cache;
static size_t export_cache_count;

static const struct elf_file *library_elf(const char *path)
{
	struct library_exports *grown, *entry;
	char error[256];
	size_t i;

	for (i = 0; i < export_cache_count; i++)
		if (!strcmp(export_cache[i].path, path))
			return export_cache[i].valid ? &export_cache[i].elf : NULL;

	grown = realloc(export_cache, (export_cache_count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	export_cache = grown;
	entry = &export_cache[export_cache_count++];
	memset(entry, 0, sizeof(*entry));
	entry->path = strdup(path);
	entry->valid = !elf_file_read(path, ELF_READ_SYMBOLS, &entry->elf, error, sizeof(error));
	if (!entry->valid)
		p_debug("no exports read from '%s': %s", path, error);
	return entry->valid ? &entry->elf : NULL;
}

static bool same_version(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	return !strcmp(a, b);
}

/*
 * Finds the export an import binds to, by glibc's check_match() rules: an
 * import with a version takes the same version, or an unversioned
 * definition (which is all a library without version definitions has). An
 * import without one takes the default version ("@@", not hidden).
 */
static const struct elf_symbol *find_export(const struct elf_file *elf, const char *name,
					    const char *version)
{
	const struct elf_symbol *fallback = NULL;
	size_t i;

	for (i = 0; i < elf->export_count; i++) {
		const struct elf_symbol *symbol = &elf->exports[i];

		if (strcmp(symbol->name, name) || !symbol->value)
			continue;
		if (version && same_version(symbol->version, version))
			return symbol;
		if (fallback)
			continue;
		if (version ? !symbol->version : !symbol->hidden_version)
			fallback = symbol;
	}
	return fallback;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Finds the implementation an IFUNC resolver picks on this machine by
 * asking the dynamic loader of this process, for a library this process has
 * already loaded (libc and the like), so no constructor runs.
 */
static int resolve_ifunc(const char *path, const char *name, const char *version,
			 uint64_t *vaddr)
{
	void *handle, *address;
	Dl_info info;

	handle = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
	if (!handle)
		return -ENOENT;
	address = version ? dlvsym(handle, name, version) : dlsym(handle, name);
	if (!address || !dladdr(address, &info) || !info.dli_fbase || !info.dli_fname ||
	    !same_file(info.dli_fname, path)) {
		/* time() and gettimeofday() in glibc resolve into the vDSO, no file to probe. */
		dlclose(handle);
		return -ENOENT;
	}
	*vaddr = (uint64_t)address - (uint64_t)info.dli_fbase;
	dlclose(handle);
	return 0;
}

/*
 * Moves a probe past EVEX-encoded (AVX-512) instructions at a function's
 * start: the kernel's uprobe single-stepping corrupts such a function
 * (glibc's AVX-512 memset crashed its callers here). Those instructions do
 * not branch or move the stack pointer, so the return address is still on
 * top of the stack at the first plain instruction, where the probe goes.
 * Returns 0, with *offset moved there if needed. Returns -1 and writes why
 * into reason when no plain instruction follows within a few, or when
 * capstone cannot decode them.
 */
static int skip_evex_prologue(const char *path, uint64_t *offset, char *reason,
			      size_t reason_size)
{
	const char *evex = "starts with AVX-512 instructions";
	unsigned char code[64];
	cs_insn *insns = NULL;
	size_t count, i;
	ssize_t got;
	csh handle;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	got = pread(fd, code, sizeof(code), *offset);
	close(fd);
	if (got <= 0 || code[0] != 0x62)
		return 0;

	if (capstone_load()) {
		snprintf(reason, reason_size, "%s, and %s", evex, capstone_load_error());
		return -1;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
		snprintf(reason, reason_size, "%s, and capstone cannot open an x86-64 decoder",
			 evex);
		return -1;
	}
	count = cs_disasm(handle, code, got, *offset, 8, &insns);
	for (i = 0; i < count && insns[i].bytes[0] == 0x62; i++)
		;
	if (i < count)
		*offset = insns[i].address;
	else
		snprintf(reason, reason_size, "%s that uprobes cannot step", evex);
	cs_free(insns, count);
	cs_close(&handle);
	return i < count ? 0 : -1;
}

static int add_target(struct probe_plan *plan, const char *symbol, const char *version,
		      const char *library, uint64_t offset, bool ifunc, bool imported,
		      uint64_t probe_offset, uint32_t stack_slots)
{
	struct probe_target *grown, *target;
	size_t i;

	/* Aliases (one body, several names) get one probe, counted under the first name. */
	for (i = 0; i < plan->count; i++)
		if (plan->targets[i].offset == offset && !strcmp(plan->targets[i].library, library))
			return 0;

	grown = realloc(plan->targets, (plan->count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	plan->targets = grown;
	target = &grown[plan->count++];
	target->symbol = strdup(symbol);
	target->version = version ? strdup(version) : NULL;
	target->library = strdup(library);
	target->offset = offset;
	target->probe_offset = probe_offset;
	target->stack_slots = stack_slots;
	target->ifunc = ifunc;
	target->imported = imported;
	return 0;
}

static void add_unresolved(struct probe_plan *plan, const char *symbol, const char *version,
			   const char *library, const char *reason)
{
	json_array_append_new(plan->unresolved,
			      json_pack("{s:s, s:s?, s:s?, s:s}", "symbol", symbol, "version",
					version, "library", library, "reason", reason));
}

/* Plans the probe of one symbol in one library; returns 0, or -1 when not found. */
static int plan_symbol(struct probe_plan *plan, const char *path, const char *name,
		       const char *version, bool imported)
{
	const struct elf_file *elf = library_elf(path);
	const struct elf_symbol *symbol;
	uint64_t vaddr, offset, entry, probe_offset;
	uint32_t stack_slots = 0;
	char reason[768];
	bool ifunc;

	if (!elf) {
		add_unresolved(plan, name, version, path, "library not readable as ELF");
		return -1;
	}
	symbol = find_export(elf, name, version);
	if (!symbol) {
		add_unresolved(plan, name, version, path, "not exported by the library");
		return -1;
	}
	vaddr = symbol->value;
	ifunc = symbol->type == STT_GNU_IFUNC;
	if (ifunc && resolve_ifunc(path, name, version, &vaddr)) {
		add_unresolved(plan, name, version, path,
			       "IFUNC whose implementation cannot be resolved here");
		return -1;
	}
	if (elf_vaddr_to_offset(path, vaddr, &offset)) {
		add_unresolved(plan, name, version, path, "address outside every PT_LOAD");
		return -1;
	}
	/* NOTE: a jump past the EVEX prologue from another entry (wmemset) counts here too. */
	entry = offset;
	if (skip_evex_prologue(path, &offset, reason, sizeof(reason))) {
		add_unresolved(plan, name, version, path, reason);
		return -1;
	}
	if (probe_placement_rejected(path, offset)) {
		add_unresolved(plan, name, version, path,
			       "starts with a lock or segment prefix that uprobes reject");
		return -1;
	}
	probe_offset = offset;
	if (offset == entry)
		probe_offset = probe_placement_emulated(path, offset, &stack_slots);
	return add_target(plan, name, version, path, offset, ifunc, imported, probe_offset,
			  stack_slots);
}

/*
 * Gives the targets and unresolved entries added since the counts given
 * the library's path as the process sees it, in place of the file probed.
 */
static void label_new_entries(struct probe_plan *plan, size_t targets, size_t unresolved,
			      const struct scope_object *library, const char *interposes)
{
	json_t *entry;
	size_t i;

	for (i = targets; i < plan->count; i++) {
		plan->targets[i].path = strdup(library->path);
		plan->targets[i].preload = library->preload;
		plan->targets[i].interposes = interposes ? strdup(interposes) : NULL;
	}
	json_array_foreach(plan->unresolved, i, entry)
		if (i >= unresolved)
			json_object_set_new(entry, "library", json_string(library->path));
}

static int plan_in_library(struct probe_plan *plan, const struct scope_object *library,
			   const char *name, const char *version, bool imported,
			   const char *interposes)
{
	size_t targets = plan->count, unresolved = json_array_size(plan->unresolved);
	int err = plan_symbol(plan, library->file, name, version, imported);

	label_new_entries(plan, targets, unresolved, library, interposes);
	return err;
}

/* Returns the index of the first object of scope after start that defines name, or count. */
static size_t find_definer(const struct lookup_scope *scope, size_t start, const char *name,
			   const char *version)
{
	size_t i;

	for (i = start; i < scope->count; i++) {
		const struct scope_object *object = &scope->objects[i];
		const struct elf_file *elf;

		/* The program defines none of its own imports. */
		if (!object->global || object->program)
			continue;
		elf = library_elf(object->file);
		if (elf && find_export(elf, name, version))
			return i;
	}
	return scope->count;
}

int probe_plan_add_library(struct probe_plan *plan, const char *file, const char *path)
{
	const struct elf_file *elf = library_elf(file);
	struct scope_object library = { .path = (char *)path, .file = (char *)file };
	size_t before = plan->count, i;

	if (!elf)
		return 0;
	for (i = 0; i < elf->export_count; i++) {
		const struct elf_symbol *symbol = &elf->exports[i];

		if (symbol->type != STT_FUNC && symbol->type != STT_GNU_IFUNC)
			continue;
		if (!symbol->value || symbol->hidden_version)
			continue;
		plan_in_library(plan, &library, symbol->name, symbol->version, false, NULL);
	}
	return plan->count - before;
}

int probe_plan_add_symbol(struct probe_plan *plan, const struct scope_object *library,
			  const char *name)
{
	return plan_in_library(plan, library, name, NULL, false, NULL);
}

int probe_plan_from_report(const json_t *report, const struct lookup_scope *scope,
			   bool all_exports, struct probe_plan *plan)
{
	const json_t *imports = json_object_get(report, "imports"), *import;
	size_t i;

	memset(plan, 0, sizeof(*plan));
	plan->unresolved = json_array();
	if (!plan->unresolved)
		return -1;

	json_array_foreach(imports, i, import) {
		const char *name = json_string_value(json_object_get(import, "name"));
		const char *version = json_string_value(json_object_get(import, "version"));
		const char *library = json_string_value(json_object_get(import, "library"));
		const char *type = json_string_value(json_object_get(import, "type"));
		const struct scope_object *provider;
		const char *interposes = NULL;
		size_t index, next;

		if (!name || !type || strcmp(type, "function"))
			continue;
		index = find_definer(scope, 0, name, version);
		if (index == scope->count) {
			add_unresolved(plan, name, version, library,
				       "no library in the lookup scope defines it");
			continue;
		}
		provider = &scope->objects[index];
		/* A preloaded definition hides the one the needed libraries have. */
		next = provider->preload ? find_definer(scope, index + 1, name, version)
					 : scope->count;
		if (next < scope->count)
			interposes = scope->objects[next].path;
		plan_in_library(plan, provider, name, version, true, interposes);
	}

	for (i = 0; all_exports && i < scope->count; i++)
		if (!scope->objects[i].program)
			probe_plan_add_library(plan, scope->objects[i].file, scope->objects[i].path);
	return 0;
}

void probe_plan_free(struct probe_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->count; i++) {
		free(plan->targets[i].symbol);
		free(plan->targets[i].version);
		free(plan->targets[i].library);
		free(plan->targets[i].path);
		free(plan->targets[i].interposes);
	}
	free(plan->targets);
	json_decref(plan->unresolved);
	probe_placement_free();
	memset(plan, 0, sizeof(*plan));
}
