/* Learner objects are inspected before anything built from them runs.
 *
 * The learner's code shares its process with the trusted suite, cmocka and
 * the benchmark: whatever it can call, it can do with their authority
 * (write cmocka's report, the benchmark's figures, gcov's counters). So
 * what it may call is decided here, from the object files the compiler
 * made of the learner's files, for every variant that will run:
 *
 * - no code that runs on its own: no .init_array, .fini_array, .ctors,
 *   .dtors or .preinit_array entries beyond the one each instrumented
 *   variant's toolchain adds (gcov's, the sanitizers'), and no GNU ifunc
 *   (its resolver runs while the program loads);
 * - imports only from an allow-list: what every kata may call (memory,
 *   strings, formatted printing to the standard streams, maths), what the
 *   kata's manifest adds ("symbols": {"imports": [...]}, glob patterns),
 *   the variant's instrumentation, and what the kata's own objects define;
 * - no global definition of a name a linked library exports, which would
 *   replace it for the suite and cmocka (a learner's fopen or
 *   _assert_int_equal);
 * - no system call instruction, and no inline assembly in the sources.
 *
 * What this cannot see: hand-made machine code reached through pointer
 * arithmetic on an allowed function's address. The box bounds what such
 * code could reach (its own run's folder); the README says so. */
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"
#include "runner/tool.h"

#include <elf.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum { MAX_OBJECT_BYTES = 64 << 20, MAX_REFUSALS = 6 };

/* What every kata's code may import. Formatted printing reaches only the
 * standard streams: a FILE * to anything else needs fopen or fdopen. */
static const char *const base_imports[] = {"malloc",
                                           "calloc",
                                           "realloc",
                                           "reallocarray",
                                           "free",
                                           "aligned_alloc",
                                           "posix_memalign",
                                           "memcpy",
                                           "memmove",
                                           "memset",
                                           "memcmp",
                                           "memchr",
                                           "memrchr",
                                           "strlen",
                                           "strnlen",
                                           "strcmp",
                                           "strncmp",
                                           "strchr",
                                           "strrchr",
                                           "strstr",
                                           "strcpy",
                                           "strncpy",
                                           "strcat",
                                           "strncat",
                                           "strdup",
                                           "strndup",
                                           "strspn",
                                           "strcspn",
                                           "strpbrk",
                                           "strtok_r",
                                           "strerror",
                                           "strtol",
                                           "strtoul",
                                           "strtoll",
                                           "strtoull",
                                           "strtod",
                                           "strtof",
                                           "atoi",
                                           "atol",
                                           "atoll",
                                           "abs",
                                           "labs",
                                           "llabs",
                                           "qsort",
                                           "bsearch",
                                           "abort",
                                           "__assert_fail",
                                           "__stack_chk_fail",
                                           "__errno_location",
                                           "__ctype_b_loc",
                                           "__ctype_tolower_loc",
                                           "__ctype_toupper_loc",
                                           "tolower",
                                           "toupper",
                                           "printf",
                                           "fprintf",
                                           "vprintf",
                                           "vfprintf",
                                           "snprintf",
                                           "vsnprintf",
                                           "sprintf",
                                           "vsprintf",
                                           "puts",
                                           "fputs",
                                           "putchar",
                                           "fputc",
                                           "putc",
                                           "fwrite",
                                           "fflush",
                                           "perror",
                                           "stdout",
                                           "stderr",
                                           "__printf_chk",
                                           "__fprintf_chk",
                                           "__vfprintf_chk",
                                           "__snprintf_chk",
                                           "__vsnprintf_chk",
                                           "__sprintf_chk",
                                           "__memcpy_chk",
                                           "__memmove_chk",
                                           "__memset_chk",
                                           "__strcpy_chk",
                                           "__strncpy_chk",
                                           "__strcat_chk",
                                           "sqrt",
                                           "sqrtf",
                                           "pow",
                                           "fabs",
                                           "floor",
                                           "ceil",
                                           "round",
                                           "log",
                                           "log2",
                                           "exp",
                                           "fmin",
                                           "fmax",
                                           "clock_gettime",
                                           "time",
                                           NULL};

/* A cmocka test program's own calls (the learner's my_tests.c). */
static const char *const test_imports[] = {"_assert_*",
                                           "_cmocka_*",
                                           "_fail",
                                           "_skip",
                                           "_test_*",
                                           "_will_return",
                                           "_mock",
                                           "_expect_*",
                                           "_check_expected",
                                           "_function_called",
                                           "cmocka_set_*",
                                           "print_message",
                                           "print_error",
                                           "cm_print_error",
                                           NULL};

/* One build variant: its targets' names end so, and its toolchain adds
 * these imports and these priority sections of one entry each. */
struct variant {
  const char *suffix;
  const char *const imports[4];
  const char *const init_sections[3];
};

static const struct variant variants[] = {
    {"_cov",
     {"__gcov_*", NULL},
     {".init_array.00100", ".fini_array.00100", NULL}},
    {"_san",
     {"__asan_*", "__ubsan_*", "__sanitizer_*", NULL},
     {".init_array.00099", ".fini_array.00099", NULL}},
    {"_tsan", {"__tsan_*", "__sanitizer_*", NULL}, {".init_array.00099", NULL}},
};

static const struct variant plain = {"", {NULL}, {NULL}};

static const struct variant *variant_of(const char *target) {
  size_t len = strlen(target);
  for (size_t i = 0; i < SC_ARRAY_SIZE(variants); i++) {
    size_t n = strlen(variants[i].suffix);
    if (len > n && strcmp(target + len - n, variants[i].suffix) == 0)
      return &variants[i];
  }
  return &plain;
}

/* An ELF64 file read whole, and views into it. */
struct elf {
  unsigned char *data;
  size_t size;
  const Elf64_Ehdr *header;
  const Elf64_Shdr *sections;
  size_t section_count;
  const char *section_names;
  size_t section_names_size;
};

/* Is [offset, offset + size) inside the file? */
static int in_file(const struct elf *e, uint64_t offset, uint64_t size) {
  return offset <= e->size && size <= e->size - offset;
}

static int elf_open(const char *path, struct elf *e) {
  memset(e, 0, sizeof(*e));
  char *data = NULL;
  size_t size = 0;
  int err = sc_read_file(path, MAX_OBJECT_BYTES, &data, &size);
  if (err != 0)
    return err;
  e->data = (unsigned char *)data;
  e->size = size;
  if (size < sizeof(Elf64_Ehdr) || memcmp(data, ELFMAG, SELFMAG) != 0 ||
      e->data[EI_CLASS] != ELFCLASS64 || e->data[EI_DATA] != ELFDATA2LSB)
    return SC_EREPORT;
  e->header = (const Elf64_Ehdr *)(const void *)e->data;
  const Elf64_Ehdr *h = e->header;
  if (h->e_shentsize != sizeof(Elf64_Shdr) ||
      !in_file(e, h->e_shoff, (uint64_t)h->e_shnum * sizeof(Elf64_Shdr)) ||
      h->e_shoff % 8 != 0 || h->e_shstrndx >= h->e_shnum)
    return SC_EREPORT;
  e->sections = (const Elf64_Shdr *)(const void *)(e->data + h->e_shoff);
  e->section_count = h->e_shnum;
  const Elf64_Shdr *names = &e->sections[h->e_shstrndx];
  if (!in_file(e, names->sh_offset, names->sh_size))
    return SC_EREPORT;
  e->section_names = (const char *)e->data + names->sh_offset;
  e->section_names_size = names->sh_size;
  return 0;
}

static void elf_close(struct elf *e) {
  free(e->data);
  memset(e, 0, sizeof(*e));
}

/* A NUL-terminated string at offset of a string table, or "" when it
 * does not fit. */
static const char *table_string(const char *table, size_t size,
                                uint64_t offset) {
  if (offset >= size || memchr(table + offset, '\0', size - offset) == NULL)
    return "";
  return table + offset;
}

static const char *section_name(const struct elf *e, const Elf64_Shdr *s) {
  return table_string(e->section_names, e->section_names_size, s->sh_name);
}

/* Calls visit for each symbol of the first section of type (SHT_SYMTAB or
 * SHT_DYNSYM), with its name. Returns 0 or SC_EREPORT. */
static int each_symbol(const struct elf *e, unsigned type,
                       void (*visit)(void *data, const Elf64_Sym *sym,
                                     const char *name),
                       void *data) {
  for (size_t i = 0; i < e->section_count; i++) {
    const Elf64_Shdr *s = &e->sections[i];
    if (s->sh_type != type)
      continue;
    if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_link >= e->section_count ||
        !in_file(e, s->sh_offset, s->sh_size) || s->sh_offset % 8 != 0)
      return SC_EREPORT;
    const Elf64_Shdr *strings = &e->sections[s->sh_link];
    if (!in_file(e, strings->sh_offset, strings->sh_size))
      return SC_EREPORT;
    const char *table = (const char *)e->data + strings->sh_offset;
    const Elf64_Sym *syms =
        (const Elf64_Sym *)(const void *)(e->data + s->sh_offset);
    for (size_t k = 1; k < s->sh_size / sizeof(Elf64_Sym); k++)
      visit(data, &syms[k],
            table_string(table, strings->sh_size, syms[k].st_name));
    return 0;
  }
  return 0;
}

static int is_global(const Elf64_Sym *sym) {
  unsigned bind = ELF64_ST_BIND(sym->st_info);
  return bind == STB_GLOBAL || bind == STB_WEAK;
}

/* Names a set of libraries define, sorted for bsearch. */
struct names {
  struct sc_strv list;
};

static void add_dynamic_definition(void *data, const Elf64_Sym *sym,
                                   const char *name) {
  struct names *n = data;
  if (is_global(sym) && sym->st_shndx != SHN_UNDEF && *name != '\0')
    sc_strv_push(&n->list, name);
}

static void add_definition(void *data, const Elf64_Sym *sym, const char *name) {
  add_dynamic_definition(data, sym, name);
}

static int by_string(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int names_have(const struct names *n, const char *name) {
  return n->list.count > 0 && bsearch(&name, n->list.items, n->list.count,
                                      sizeof(char *), by_string) != NULL;
}

/* What the libraries every kata program may link export: a learner's
 * global definition of one of these names would replace it. Found once
 * per grader, through the compiler's own search path. */
static struct names library_names;
static uv_once_t library_once = UV_ONCE_INIT;

static void load_library_names(void) {
  static const char *const libraries[] = {
      "libc.so.6",       "libm.so.6",      "libcmocka.so.0", "libuv.so.1",
      "libjansson.so.4", "libgcc_s.so.1",  "libasan.so.8",   "libubsan.so.1",
      "libtsan.so.2",    "libpthread.so.0"};
  for (size_t i = 0; i < SC_ARRAY_SIZE(libraries); i++) {
    char *option = sc_xasprintf("-print-file-name=%s", libraries[i]);
    const char *argv[] = {"gcc", option, NULL};
    char *out = NULL;
    char *why = NULL;
    if (sc_run_tool(argv, 30, &out, NULL, &why) == 0) {
      out[strcspn(out, "\n")] = '\0';
      struct elf e;
      /* gcc echoes the bare name when it finds nothing. */
      if (out[0] == '/' && elf_open(out, &e) == 0)
        each_symbol(&e, SHT_DYNSYM, add_dynamic_definition, &library_names);
      if (out[0] == '/')
        elf_close(&e);
    }
    free(why);
    free(out);
    free(option);
  }
  if (library_names.list.count > 0)
    qsort(library_names.list.items, library_names.list.count, sizeof(char *),
          by_string);
}

static int matches_any(const char *const *patterns, size_t count,
                       const char *name) {
  for (size_t i = 0; i < count && patterns[i] != NULL; i++)
    if (fnmatch(patterns[i], name, 0) == 0)
      return 1;
  return 0;
}

static size_t list_length(const char *const *list) {
  size_t n = 0;
  while (list[n] != NULL)
    n++;
  return n;
}

/* One target's inspection: the objects of the kata's trusted files define
 * names the learner's objects may call; each learner object is judged. */
struct judgement {
  const struct sc_grading *g;
  const struct variant *variant;
  struct names trusted;    /* defined by the target's trusted objects */
  struct names learner;    /* defined by the target's learner objects */
  int is_test_program;     /* the learner's own cmocka program */
  const char *object_name; /* the learner's file, for messages */
  struct sc_buf *refusals;
  unsigned count;
};

static void refuse(struct judgement *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void refuse(struct judgement *j, const char *fmt, ...) {
  struct sc_buf line = {0};
  va_list ap;
  sc_buf_printf(&line, "- %s: ", j->object_name);
  va_start(ap, fmt);
  sc_buf_vprintf(&line, fmt, ap);
  va_end(ap);
  sc_buf_puts(&line, "\n");
  /* Each variant of the same file says the same: once is enough. */
  if (j->refusals->data == NULL ||
      strstr(j->refusals->data, line.data) == NULL) {
    if (j->count++ < MAX_REFUSALS)
      sc_buf_puts(j->refusals, line.data);
  }
  sc_buf_free(&line);
}

static int import_allowed(const struct judgement *j, const char *name) {
  const struct sc_kata *kata = j->g->kata;
  return matches_any(base_imports, list_length(base_imports), name) ||
         matches_any((const char *const *)kata->imports, kata->import_count,
                     name) ||
         matches_any(j->variant->imports, SC_ARRAY_SIZE(j->variant->imports),
                     name) ||
         (j->is_test_program &&
          matches_any(test_imports, list_length(test_imports), name)) ||
         names_have(&j->trusted, name) || names_have(&j->learner, name);
}

static void judge_symbol(void *data, const Elf64_Sym *sym, const char *name) {
  struct judgement *j = data;
  if (ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC) {
    refuse(j,
           "'%s' is a GNU ifunc, whose resolver would run as the program "
           "loads, before any test",
           name);
    return;
  }
  if (!is_global(sym) || *name == '\0')
    return;
  if (sym->st_shndx == SHN_UNDEF) {
    if (!import_allowed(j, name))
      refuse(j,
             "calls '%s', which this kata's code may not call (it may call "
             "memory, string, printing and maths functions, and those "
             "kata.json lists in symbols.imports)",
             name);
  } else if (names_have(&library_names, name) &&
             !(j->is_test_program && strcmp(name, "main") == 0)) {
    refuse(j,
           "defines '%s', a name a library the tests use already defines: "
           "yours would replace it; rename it or make it static",
           name);
  }
}

/* Section names that hold code run before or after main. */
static int is_init_section(const char *name) {
  static const char *const prefixes[] = {".init_array", ".fini_array",
                                         ".preinit_array", ".ctors", ".dtors"};
  for (size_t i = 0; i < SC_ARRAY_SIZE(prefixes); i++)
    if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
      return 1;
  return 0;
}

static void judge_sections(struct judgement *j, const struct elf *e) {
  for (size_t i = 0; i < e->section_count; i++) {
    const Elf64_Shdr *s = &e->sections[i];
    const char *name = section_name(e, s);
    if (s->sh_type == SHT_RELA || s->sh_type == SHT_REL ||
        !is_init_section(name))
      continue;
    int toolchain = 0;
    for (size_t k = 0; k < SC_ARRAY_SIZE(j->variant->init_sections) &&
                       j->variant->init_sections[k] != NULL;
         k++)
      toolchain |= strcmp(name, j->variant->init_sections[k]) == 0 &&
                   s->sh_size <= sizeof(Elf64_Addr);
    if (!toolchain)
      refuse(j,
             "has a %s section: code that runs on its own before or after "
             "the tests (a constructor or destructor); remove it",
             name);
  }
}

/* Looks for system call instructions in the object's code with objdump. */
static void judge_instructions(struct judgement *j, const char *object) {
  const char *argv[] = {"objdump", "-d", "--no-show-raw-insn", object, NULL};
  char *out = NULL;
  char *why = NULL;
  if (sc_run_tool(argv, 60, &out, NULL, &why) != 0) {
    refuse(j, "cannot be disassembled: %s", why ? why : "objdump failed");
    free(why);
    return;
  }
  for (const char *line = out; *line;) {
    size_t len = strcspn(line, "\n");
    const char *tab = memchr(line, '\t', len);
    if (tab != NULL) {
      const char *op = tab + 1;
      size_t oplen = strcspn(op, " \t\n");
      if ((oplen == 7 && strncmp(op, "syscall", 7) == 0) ||
          (oplen == 8 && strncmp(op, "sysenter", 8) == 0) ||
          (oplen == 3 && strncmp(op, "int", 3) == 0 &&
           strstr(op, "$0x80") != NULL &&
           (size_t)(strstr(op, "$0x80") - line) < len)) {
        refuse(j,
               "makes a system call directly (%.*s); call the kata's "
               "functions instead",
               (int)oplen, op);
        break;
      }
    }
    line += len + (line[len] == '\n');
  }
  free(out);
}

/* The object file CMake made of source (relative to the build tree) for
 * target. */
static char *object_of(const struct sc_grading *g, const char *target,
                       const char *source) {
  return sc_xasprintf("%s/CMakeFiles/%s.dir/%s.o", g->build_dir, target,
                      source);
}

static void collect_definitions(const char *object, struct names *into) {
  struct elf e;
  if (elf_open(object, &e) == 0)
    each_symbol(&e, SHT_SYMTAB, add_definition, into);
  elf_close(&e);
}

/* Refuses inline assembly in the learner's C files: the one way C source
 * places arbitrary instructions. */
static void judge_source(struct judgement *j, const char *file) {
  char *text = NULL;
  if (sc_read_inside(j->g->learner_dir, file, j->g->kata->max_file_bytes, &text,
                     NULL) != 0)
    return;
  sc_blank_c_comments_and_literals(text);
  regex_t re;
  if (regcomp(&re, "(^|[^A-Za-z0-9_])(asm|__asm|__asm__)([^A-Za-z0-9_]|$)",
              REG_EXTENDED | REG_NOSUB) == 0) {
    unsigned lineno = 1;
    for (char *line = text; *line; lineno++) {
      char *end = strchr(line, '\n');
      if (end != NULL)
        *end = '\0';
      if (regexec(&re, line, 0, NULL, 0) == 0) {
        refuse(j,
               "line %u uses inline assembly, which the grader cannot "
               "check; write it in C",
               lineno);
        break;
      }
      if (end == NULL)
        break;
      line = end + 1;
    }
    regfree(&re);
  }
  free(text);
}

static void inspect_target(struct sc_grading *g, const char *target,
                           struct sc_buf *refusals, unsigned *count) {
  const struct sc_kata *kata = g->kata;
  struct judgement j = {
      .g = g, .variant = variant_of(target), .refusals = refusals};
  int learner_program =
      kata->learner_tests != NULL && strcmp(target, "learner_tests_cov") == 0;
  /* The trusted objects: the suite or the benchmark, and support code. */
  const char *main_source = learner_program                ? NULL
                            : strcmp(target, "bench") == 0 ? kata->benchmark
                                                           : kata->suite;
  if (main_source != NULL) {
    char *object = object_of(g, target, main_source);
    collect_definitions(object, &j.trusted);
    free(object);
  }
  for (size_t i = 0; i < kata->source_count; i++) {
    char *object = object_of(g, target, kata->sources[i]);
    collect_definitions(object, &j.trusted);
    free(object);
  }
  /* The learner's objects: what they define may be called among them. */
  struct sc_strv files = {0};
  for (size_t i = 0; i < kata->editable_count; i++) {
    const char *file = kata->editable[i];
    size_t len = strlen(file);
    int is_c = len > 2 && strcmp(file + len - 2, ".c") == 0;
    int is_tests =
        kata->learner_tests && strcmp(file, kata->learner_tests) == 0;
    if (is_c && (!is_tests || learner_program))
      sc_strv_push(&files, file);
  }
  for (size_t i = 0; i < files.count; i++) {
    char *source = sc_xasprintf("learner/%s", files.items[i]);
    char *object = object_of(g, target, source);
    collect_definitions(object, &j.learner);
    free(object);
    free(source);
  }
  if (j.trusted.list.count > 0)
    qsort(j.trusted.list.items, j.trusted.list.count, sizeof(char *),
          by_string);
  if (j.learner.list.count > 0)
    qsort(j.learner.list.items, j.learner.list.count, sizeof(char *),
          by_string);

  for (size_t i = 0; i < files.count; i++) {
    char *source = sc_xasprintf("learner/%s", files.items[i]);
    char *object = object_of(g, target, source);
    char *own = sc_path_join(g->editable_dir, files.items[i]);
    char *rel = sc_grading_relative(g, own);
    j.object_name = rel;
    j.is_test_program = learner_program && kata->learner_tests &&
                        strcmp(files.items[i], kata->learner_tests) == 0;
    struct elf e;
    int err = elf_open(object, &e);
    if (err != 0) {
      refuse(&j, "its object file cannot be read (%s)", sc_strerror(err));
    } else {
      judge_sections(&j, &e);
      if (each_symbol(&e, SHT_SYMTAB, judge_symbol, &j) != 0)
        refuse(&j, "its object file has a malformed symbol table");
      judge_instructions(&j, object);
      judge_source(&j, files.items[i]);
    }
    elf_close(&e);
    free(rel);
    free(own);
    free(object);
    free(source);
  }
  *count += j.count;
  sc_strv_free(&files);
  sc_strv_free(&j.trusted.list);
  sc_strv_free(&j.learner.list);
}

void sc_grading_inspect_prepare(void) {
  uv_once(&library_once, load_library_names);
}

int sc_grading_inspect(struct sc_grading *g, struct sc_gate_result *r,
                       const char *const *targets) {
  sc_grading_inspect_prepare();
  struct sc_buf refusals = {0};
  unsigned count = 0;
  for (const char *const *t = targets; *t != NULL; t++)
    inspect_target(g, *t, &refusals, &count);
  if (count == 0) {
    sc_buf_free(&refusals);
    return 0;
  }
  if (count > MAX_REFUSALS)
    sc_buf_printf(&refusals, "- and %u more\n", count - MAX_REFUSALS);
  sc_gate_set(r, SC_STATUS_FAIL, 0,
              "refused before running: the kata's code may only do what its "
              "lesson needs (docs/authoring.md, \"What learner code may "
              "call\"):\n%s",
              refusals.data);
  sc_buf_free(&refusals);
  return -1;
}
