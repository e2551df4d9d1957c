/*
 * Reads a Go binary's functions from its DWARF with elfutils: libelf checks
 * that the file is ELF and built by Go (its .go.buildinfo, .gopclntab or
 * .note.go.buildid section), libdw decodes the DWARF, decompressing
 * SHF_COMPRESSED sections as Go writes them. Go puts every function at the
 * top level of its package's compile unit, as a DW_TAG_subprogram named by
 * its link name, with DW_AT_decl_line; functions that were inlined have an
 * abstract entry (DW_AT_inline) as well. Only those top-level entries are
 * read, so the work and the table are bounded by the number of functions.
 * Assembly functions have entries too (runtime.mcall, gcWriteBarrier);
 * generated wrappers have no DW_AT_decl_line.
 */
#include "gobinary.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pgo_gobinary_handles {
	int fd;
	Elf *elf;
	Dwarf *dwarf;
};

#define BUILD_HINT                                                                                        \
	"give a Linux build of today's code without PGO and with its DWARF: `go build -pgo=off -o app-nopgo " \
	"./cmd/app`, without -ldflags=-w or -s, and not stripped"

/* The longest .go.buildinfo read for its -pgo= setting; Go's is a few KB. */
#define MAX_BUILDINFO (1u << 20)

/* libdw inflates every compressed DWARF section whole: more than this in
 * all (the go command, a 20 MB binary, has 12 MB) and the file is refused
 * before it is read, as a bomb would be. */
#define MAX_DWARF_INFLATED ((uint64_t)2 << 30)

/* libdw's last error; when it has none, a compressed section failed to
 * inflate, and libdw dropped it without saying so. */
static const char *dw_errmsg(void)
{
	int e = dwarf_errno();
	const char *m = e ? dwarf_errmsg(e) : NULL;
	return m ? m : "a DWARF section is unreadable or does not decompress";
}

static const char *elf_msg(void)
{
	const char *m = elf_errmsg(-1);
	return m ? m : "unknown error";
}

/* The value of the line "build\t-pgo=VALUE" in the module information that
 * .go.buildinfo holds (`go version -m` prints it), or NULL. */
static char *pgo_setting_of(const char *data, size_t size)
{
	static const char key[] = "\nbuild\t-pgo=";
	size_t klen = sizeof key - 1;
	for (size_t i = 0; i + klen <= size; i++) {
		if (data[i] != '\n' || memcmp(data + i, key, klen) != 0)
			continue;
		size_t at = i + klen, end = at;
		while (end < size && data[end] != '\n' && data[end] != '\0')
			end++;
		char *v = malloc(end - at + 1);
		if (v) {
			memcpy(v, data + at, end - at);
			v[end - at] = '\0';
		}
		return v;
	}
	return NULL;
}

/* What the section headers say: whether the ELF file was built by Go and
 * has DWARF (and the -pgo= build setting). */
typedef struct elf_facts {
	bool is_go, has_dwarf;
	uint64_t dwarf_inflated; /* what the compressed DWARF sections inflate to */
} elf_facts;

/* The size a compressed DWARF section declares it inflates to: the ELF
 * compression header (SHF_COMPRESSED), or the GNU .zdebug header ("ZLIB"
 * and a big-endian 64-bit size). 0 when it is not compressed. */
static uint64_t inflated_size(Elf_Scn *scn, const GElf_Shdr *shdr, const char *name)
{
	if (shdr->sh_flags & SHF_COMPRESSED) {
		GElf_Chdr ch;
		return gelf_getchdr(scn, &ch) ? ch.ch_size : UINT64_MAX;
	}
	if (strncmp(name, ".zdebug", 7) != 0)
		return 0;
	Elf_Data *d = elf_rawdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size < 12 || memcmp(d->d_buf, "ZLIB", 4) != 0)
		return 0; /* libdw refuses it */
	const unsigned char *b = (const unsigned char *)d->d_buf + 4;
	uint64_t n = 0;
	for (int i = 0; i < 8; i++)
		n = n << 8 | b[i];
	return n;
}

static pgo_status check_go(Elf *elf, const char *path, uint64_t file_size, elf_facts *f, char **pgo_setting,
                           pgo_error *err)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: a damaged ELF file (%s): %s", path, elf_msg(), BUILD_HINT);
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			return pgo_fail(err, PGO_ERR_FORMAT, "%s: a damaged ELF section header (%s): %s", path, elf_msg(),
			                BUILD_HINT);
		if (shdr.sh_type != SHT_NOBITS &&
		    (shdr.sh_offset > file_size || shdr.sh_size > file_size - shdr.sh_offset))
			return pgo_fail(err, PGO_ERR_FORMAT,
			                "%s: a truncated ELF file (%llu bytes; section %zu ends at byte %llu): %s", path,
			                (unsigned long long)file_size, elf_ndxscn(scn),
			                (unsigned long long)shdr.sh_offset + shdr.sh_size, BUILD_HINT);
		const char *name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!name)
			continue;
		if (strcmp(name, ".gopclntab") == 0 || strcmp(name, ".note.go.buildid") == 0)
			f->is_go = true;
		if (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0)
			f->has_dwarf = shdr.sh_type != SHT_NOBITS;
		if (shdr.sh_type != SHT_NOBITS && (!strncmp(name, ".debug_", 7) || !strncmp(name, ".zdebug_", 8))) {
			uint64_t n = inflated_size(scn, &shdr, name);
			f->dwarf_inflated = n > UINT64_MAX - f->dwarf_inflated ? UINT64_MAX : f->dwarf_inflated + n;
		}
		if (strcmp(name, ".go.buildinfo") != 0)
			continue;
		f->is_go = true;
		if (shdr.sh_type == SHT_NOBITS || shdr.sh_size > MAX_BUILDINFO || *pgo_setting)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (d && d->d_buf && d->d_size <= MAX_BUILDINFO)
			*pgo_setting = pgo_setting_of(d->d_buf, d->d_size);
	}
	return PGO_OK;
}

static pgo_status add_func(pgo_gobinary *b, size_t *cap, const char *name, int64_t line, const char *path,
                           pgo_error *err)
{
	if (b->n_funcs == *cap) {
		if (*cap >= PGO_GOBINARY_MAX_FUNCS)
			return pgo_fail(err, PGO_ERR_LIMIT,
			                "%s: more than %u functions in its DWARF: larger than any Go program this tool "
			                "expects",
			                path, PGO_GOBINARY_MAX_FUNCS);
		size_t ncap = *cap ? *cap * 2 : 4096;
		if (ncap > PGO_GOBINARY_MAX_FUNCS)
			ncap = PGO_GOBINARY_MAX_FUNCS;
		pgo_code_func *nf = realloc(b->funcs, ncap * sizeof *nf);
		if (!nf)
			return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory for %zu functions", path, ncap);
		b->funcs = nf;
		*cap = ncap;
	}
	b->funcs[b->n_funcs++] = (pgo_code_func){name, line};
	return PGO_OK;
}

/* The named subprograms among the children of a Go compile unit. */
static pgo_status read_unit(pgo_gobinary *b, size_t *cap, Dwarf_Die *cu, const char *path, pgo_error *err)
{
	Dwarf_Die die;
	int r = dwarf_child(cu, &die);
	for (; r == 0; r = dwarf_siblingof(&die, &die)) {
		if (dwarf_tag(&die) != DW_TAG_subprogram)
			continue;
		const char *name = dwarf_diename(&die);
		if (!name || !*name)
			continue;
		int line = 0;
		if (dwarf_decl_line(&die, &line) != 0 || line < 0)
			line = 0;
		pgo_status st = add_func(b, cap, name, line, path, err);
		if (st)
			return st;
	}
	if (r < 0)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: damaged DWARF in compile unit at offset %llu (%s): %s", path,
		                (unsigned long long)dwarf_dieoffset(cu), dw_errmsg(), BUILD_HINT);
	return PGO_OK;
}

static pgo_status read_functions(pgo_gobinary *b, size_t *cap, Dwarf *dw, const char *path, pgo_error *err)
{
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Half version;
	uint8_t unit_type;
	Dwarf_Die cudie;
	size_t go_units = 0;
	int r;
	while ((r = dwarf_get_units(dw, cu, &next, &version, &unit_type, &cudie, NULL)) == 0) {
		cu = next;
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		if (dwarf_srclang(&cudie) != DW_LANG_Go)
			continue; /* C of cgo, assembly of other toolchains */
		go_units++;
		pgo_status st = read_unit(b, cap, &cudie, path, err);
		if (st)
			return st;
	}
	if (r < 0)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: damaged DWARF (%s): %s", path, dw_errmsg(), BUILD_HINT);
	if (go_units == 0 || b->n_funcs == 0)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: its DWARF describes no Go function: %s", path, BUILD_HINT);
	return PGO_OK;
}

static pgo_status open_binary(pgo_gobinary *b, const char *path, pgo_error *err)
{
	struct pgo_gobinary_handles *h = b->handles;
	h->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0)
		return pgo_fail(err, PGO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(h->fd, &sb) != 0)
		return pgo_fail(err, PGO_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return pgo_fail(err, PGO_ERR_ARGUMENT, "%s: not a regular file: %s", path, BUILD_HINT);
	if (sb.st_size == 0)
		return pgo_fail(err, PGO_ERR_EMPTY, "%s: an empty file, not a Go binary: %s", path, BUILD_HINT);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: libelf is out of date (%s)", path, elf_msg());
	h->elf = elf_begin(h->fd, ELF_C_READ_MMAP, NULL);
	if (!h->elf)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: cannot be read as ELF (%s): %s", path, elf_msg(), BUILD_HINT);
	if (elf_kind(h->elf) != ELF_K_ELF)
		return pgo_fail(err, PGO_ERR_FORMAT,
		                "%s: not an ELF file (a Linux executable; macOS and Windows binaries are not read): %s",
		                path, BUILD_HINT);
	GElf_Ehdr eh;
	if (!gelf_getehdr(h->elf, &eh))
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: a damaged ELF header (%s): %s", path, elf_msg(), BUILD_HINT);
	if (eh.e_shoff == 0 || eh.e_shnum == 0)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: an ELF file without section headers: %s", path, BUILD_HINT);
	if (eh.e_shoff > (uint64_t)sb.st_size ||
	    (uint64_t)eh.e_shnum * eh.e_shentsize > (uint64_t)sb.st_size - eh.e_shoff)
		return pgo_fail(err, PGO_ERR_FORMAT,
		                "%s: a truncated ELF file (%lld bytes; its section headers end past it): %s", path,
		                (long long)sb.st_size, BUILD_HINT);
	elf_facts facts = {0};
	pgo_status st = check_go(h->elf, path, (uint64_t)sb.st_size, &facts, &b->pgo_setting, err);
	if (st)
		return st;
	if (!facts.is_go)
		return pgo_fail(err, PGO_ERR_FORMAT,
		                "%s: an ELF file but not a Go program (no .go.buildinfo, .gopclntab or .note.go.buildid "
		                "section): %s",
		                path, BUILD_HINT);
	if (!facts.has_dwarf)
		return pgo_fail(err, PGO_ERR_FORMAT,
		                "%s: a Go binary without DWARF (built with -ldflags=-w or -s, or stripped), so its "
		                "functions' lines are unknown: %s",
		                path, BUILD_HINT);
	if (facts.dwarf_inflated > MAX_DWARF_INFLATED)
		return pgo_fail(err, PGO_ERR_LIMIT,
		                "%s: its compressed DWARF sections declare %llu bytes in all, more than the %llu-byte "
		                "limit: not a Go binary this tool reads",
		                path, (unsigned long long)facts.dwarf_inflated, (unsigned long long)MAX_DWARF_INFLATED);
	h->dwarf = dwarf_begin_elf(h->elf, DWARF_C_READ, NULL);
	if (!h->dwarf)
		return pgo_fail(err, PGO_ERR_FORMAT, "%s: damaged DWARF (%s): %s", path, dw_errmsg(), BUILD_HINT);
	size_t cap = 0;
	return read_functions(b, &cap, h->dwarf, path, err);
}

pgo_status pgo_gobinary_open(const char *path, pgo_gobinary **out, pgo_error *err)
{
	*out = NULL;
	pgo_gobinary *b = calloc(1, sizeof *b);
	struct pgo_gobinary_handles *h = calloc(1, sizeof *h);
	if (!b || !h) {
		free(b);
		free(h);
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory", path);
	}
	h->fd = -1;
	b->handles = h;
	pgo_status st = open_binary(b, path, err);
	if (st) {
		pgo_gobinary_free(b);
		return st;
	}
	*out = b;
	return PGO_OK;
}

void pgo_gobinary_free(pgo_gobinary *b)
{
	if (!b)
		return;
	struct pgo_gobinary_handles *h = b->handles;
	if (h) {
		if (h->dwarf)
			dwarf_end(h->dwarf);
		if (h->elf)
			elf_end(h->elf);
		if (h->fd >= 0)
			close(h->fd);
		free(h);
	}
	free(b->funcs);
	free(b->pgo_setting);
	free(b);
}
