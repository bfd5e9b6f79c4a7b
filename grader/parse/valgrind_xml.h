/* Reader of valgrind 3.19 memcheck XML reports (--xml=yes --xml-file=F,
 * protocol version 4).
 *
 * Every <error> becomes one sc_vg_error in file order, leak records
 * included. Valgrind writes no leak summary in XML, and a definitely lost
 * record's figures include the indirectly lost blocks it points to: each
 * record keeps its own figures, and adding them up across records counts
 * the indirect bytes twice.
 *
 * A file cut short (valgrind killed) is parsed with libxml2's recover mode:
 * the errors written whole before the cut are returned and complete is 0;
 * the one being written at the cut is dropped, since its last field may be
 * cut mid-word (a function name, a line number).
 *
 * libxml2 initialises itself on first use; a program calling this from
 * several threads must call xmlInitParser() once beforehand.
 */
#ifndef SENIOR_CHECK_PARSE_VALGRIND_XML_H
#define SENIOR_CHECK_PARSE_VALGRIND_XML_H

#include <stddef.h>
#include <stdint.h>

struct sc_vg_frame {
  char *fn;      /* function name, or NULL */
  char *dir;     /* directory of the source file, or NULL */
  char *file;    /* source file name (within dir), or NULL */
  unsigned line; /* 0 when unknown */
  char *obj;     /* binary or shared object, or NULL */
};

struct sc_vg_error {
  char *kind; /* "InvalidRead", "Leak_DefinitelyLost", ...; never NULL */
  /* <what>, or <xwhat><text> for leaks: "Invalid read of size 4",
   * "80 (16 direct, 64 indirect) bytes in 1 blocks are definitely lost in
   * loss record 2 of 2"; never NULL ("" when absent). */
  char *what;
  uint64_t leaked_bytes;  /* leak records only, else 0 */
  uint64_t leaked_blocks; /* leak records only, else 0 */
  /* The first <stack>: where the error happened, innermost frame first.
   * The auxiliary stack (after <auxwhat>) is not kept. */
  struct sc_vg_frame *frames;
  size_t frame_count;
};

struct sc_vg_report {
  struct sc_vg_error *errors;
  size_t count;
  int fatal_signal;        /* 0 or the signal number that killed the program */
  char *fatal_signal_name; /* "SIGSEGV", or NULL */
  struct sc_vg_frame *fatal_frames;
  size_t fatal_frame_count;
  int complete; /* 1 when the closing </valgrindoutput> was seen */
};

/* Reads the memcheck XML report at path into *report.
 *
 * On success returns 0 and fills *report (any previous content is
 * overwritten, not freed); the caller owns it and releases it with
 * sc_vg_report_free(). Errors without a <kind> (cut by truncation) are
 * dropped, as are frames with neither fn, obj nor file.
 *
 * Fails with -errno when the file cannot be read (-ENOENT when missing),
 * SC_ETOO_BIG when it is larger than 64 MiB, SC_EREPORT when it holds no
 * <valgrindoutput> element (empty file, not XML, other XML), -ENOMEM. On
 * failure *report is left zeroed. */
int sc_valgrind_xml_read(const char *path, struct sc_vg_report *report);

/* Frees everything *report owns and zeroes it. Accepts NULL and a zeroed
 * report. */
void sc_vg_report_free(struct sc_vg_report *report);

/* Returns the first frame of error's stack whose source path is one of the
 * n absolute paths in files, or NULL (also when error or files is NULL).
 *
 * A frame's source path is dir "/" file (file alone when dir is absent).
 * Paths are compared as strings, without resolving "..", "." or symbolic
 * links: pass them as the compiler saw them. The frame returned belongs to
 * error. Used to point at the learner's line rather than at libc. */
const struct sc_vg_frame *
sc_vg_error_first_frame_in(const struct sc_vg_error *error,
                           const char *const *files, size_t n);

#endif /* SENIOR_CHECK_PARSE_VALGRIND_XML_H */
