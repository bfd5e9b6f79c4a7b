/* bigstat: statistics of a web server's access log, as a command-line
 * program. The contract of kata 05 (README.md, "The contract"): this header
 * is the kata's, not yours to edit.
 *
 * A log line is six fields separated by single spaces, ending in '\n':
 *
 *   TIME METHOD PATH STATUS BYTES MS
 *   2024-05-01T12:00:07Z GET /api/users/42 200 1532 17
 *
 * PATH starts with '/'; STATUS is three digits from 100 to 599; BYTES is
 * one to fifteen digits; MS is the request's duration in milliseconds, one
 * to five digits, at most BIGSTAT_MAX_MS. TIME and METHOD are any non-empty
 * text without a space. A line holds at most BIGSTAT_MAX_LINE bytes before
 * its '\n'. */
#ifndef BIGSTAT_H
#define BIGSTAT_H

enum {
  /* The longest line, in bytes, not counting its '\n'. A longer one is an
   * error (BIGSTAT_EXIT_DATA), never split. */
  BIGSTAT_MAX_LINE = 65536,
  /* The most distinct paths the report tracks: the first BIGSTAT_MAX_PATHS
   * different paths of the file are counted one by one; a request for any
   * other path counts as "untracked". */
  BIGSTAT_MAX_PATHS = 1024,
  /* How many tracked paths the report lists, most requested first. */
  BIGSTAT_TOP = 10,
  /* The largest duration a line may give: the server times out at 60 s. */
  BIGSTAT_MAX_MS = 60000,
};

/* The exit statuses of bigstat (the BSD sysexits values). */
enum bigstat_exit {
  BIGSTAT_EXIT_OK = 0,        /* the report is on standard output */
  BIGSTAT_EXIT_USAGE = 64,    /* not exactly one argument */
  BIGSTAT_EXIT_DATA = 65,     /* the file is not a log: empty, binary, a
                                 line too long or malformed, the last line
                                 truncated */
  BIGSTAT_EXIT_NOINPUT = 66,  /* the file cannot be opened: missing, a
                                 directory, no permission */
  BIGSTAT_EXIT_SOFTWARE = 70, /* out of memory, or libuv failed */
  BIGSTAT_EXIT_IOERR = 74,    /* reading failed part-way */
};

/* The program: argv[0] is its name, argv[1] the log file. Writes the report
 * to standard output and returns BIGSTAT_EXIT_OK; or writes one line naming
 * the file and the problem to standard error, nothing to standard output,
 * and returns one of the statuses above. While it reads, it shows its
 * progress on standard error only when standard error is a terminal.
 * Returns with every file, request and loop it opened closed, and every
 * byte it allocated freed. */
int bigstat_main(int argc, char **argv);

#endif
