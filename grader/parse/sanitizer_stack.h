/* Reader of what gcc 12's AddressSanitizer and UndefinedBehaviorSanitizer
 * print when they stop a program: where it happened, in the program's own
 * files.
 *
 * A report starts at "ERROR: AddressSanitizer: WHAT (pc ...)" (a SEGV, a
 * stack overflow, a use after free, an abort with handle_abort=1) or at
 * "FILE:LINE:COL: runtime error: WHAT" (UBSan), and its first stack follows:
 * one frame a line, innermost first, "    #N 0xADDR in FUNCTION FILE:LINE"
 * (gcc's built-in libbacktrace symbolizer; llvm-symbolizer adds ":COL").
 * Later stacks of the same report (where a block was allocated or freed) say
 * how the program got there, not where it stopped, and are not read.
 * LeakSanitizer's reports are not crashes and are skipped.
 */
#ifndef SENIOR_CHECK_PARSE_SANITIZER_STACK_H
#define SENIOR_CHECK_PARSE_SANITIZER_STACK_H

#include <stddef.h>

struct sc_sanitizer_site {
  /* "AddressSanitizer" or "UndefinedBehaviorSanitizer" (static). */
  const char *tool;
  /* What the sanitizer says happened, without addresses of code: "SEGV on
   * unknown address 0x000000000006", "store to null pointer of type
   * 'char'". Printable ASCII only, at most 120 bytes. */
  char *what;
  /* The first frame of the first stack whose file is one of the files
   * asked for, as the frame names it; NULL when no frame is. */
  char *file;
  unsigned line;  /* of that frame; 0 when file is NULL */
  char *function; /* of that frame (identifier characters only), or NULL */
};

/* Reads the first sanitizer report in output (a program's stdout and
 * stderr, NUL-terminated) into *site, looking in its first stack for the
 * first frame whose file is exactly one of the n paths in files (compare
 * them as the compiler was given them: no "..", "." or links are
 * resolved).
 *
 * Returns 0 with *site filled (overwritten, not freed; the caller owns it
 * and releases it with sc_sanitizer_site_free()), even when no frame is in
 * files (site->file is NULL then); SC_EREPORT when output holds no report
 * (site zeroed). Learner code writes to the same output and can print a
 * fake report: only use what is read here to point, never to judge. */
int sc_sanitizer_site_find(const char *output, const char *const *files,
                           size_t n, struct sc_sanitizer_site *site);

/* Frees everything *site owns and zeroes it. Accepts NULL. */
void sc_sanitizer_site_free(struct sc_sanitizer_site *site);

#endif /* SENIOR_CHECK_PARSE_SANITIZER_STACK_H */
