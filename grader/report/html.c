#include "report/html.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/report_text.h"
#include "report/junit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest learner file quoted (source or notes); a larger one is shown as
 * missing rather than read. */
#define MAX_QUOTED_FILE ((size_t)4 * 1024 * 1024)
/* Lines shown around a leak's or a warning's line. */
#define QUOTE_CONTEXT 3
/* Uncovered lines quoted per file before "and N more". */
#define MAX_UNCOVERED_QUOTED 40
/* Failing tests shown open; the others are folded. */
#define MAX_TESTS_OPEN 5

/* ------------------------------------------------------------------ */
/* Escaping                                                            */
/* ------------------------------------------------------------------ */

void sc_html_escape_n(struct sc_buf *out, const char *s, size_t len) {
  /* One pass makes the bytes valid UTF-8 without controls (what XML 1.0
   * allows is also what HTML text should hold); the second escapes. */
  char *clean = sc__report_utf8(s, len, 0, 1, NULL);
  if (clean == NULL) {
    fputs("fatal: out of memory\n", stderr);
    exit(2);
  }
  const char *run = clean;
  for (const char *p = clean; *p; p++) {
    const char *ref = NULL;
    switch (*p) {
    case '&':
      ref = "&amp;";
      break;
    case '<':
      ref = "&lt;";
      break;
    case '>':
      ref = "&gt;";
      break;
    case '"':
      ref = "&quot;";
      break;
    case '\'':
      ref = "&#39;";
      break;
    default:
      continue;
    }
    sc_buf_add(out, run, (size_t)(p - run));
    sc_buf_puts(out, ref);
    run = p + 1;
  }
  sc_buf_puts(out, run);
  free(clean);
}

void sc_html_escape(struct sc_buf *out, const char *s) {
  if (s != NULL)
    sc_html_escape_n(out, s, strlen(s));
}

/* Appends s reduced to what an id attribute and a fragment can hold
 * unescaped: letters, digits, '-' and '_'; anything else becomes '-'. */
static void put_id(struct sc_buf *out, const char *s) {
  for (; s != NULL && *s; s++) {
    char c = isalnum((unsigned char)*s) || *s == '_' ? *s : '-';
    sc_buf_add(out, &c, 1);
  }
}

/* ------------------------------------------------------------------ */
/* The page's frame                                                    */
/* ------------------------------------------------------------------ */

/* One style for both pages. No font is fetched: the stacks name fonts
 * every system has. Pass and fail differ in colour and in their labels,
 * so a page printed in grey still says which is which. */
static const char *const style[] = {
    ":root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;"
    "--page:#eef1f4;--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;"
    "--fail-bg:#ffebe9;--skip:#59636e;--skip-bg:#eaeef2;--error:#9a6700;"
    "--error-bg:#fff8c5;--accent:#0969da;--mark:#fff1b8}\n",
    "*{box-sizing:border-box}\n",
    "body{margin:0;background:var(--page);color:var(--ink);"
    "font:15px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',"
    "'DejaVu Sans','Liberation Sans',sans-serif}\n",
    "main{max-width:70rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}\n",
    "h1{font-size:1.7rem;line-height:1.2;margin:0 0 .3rem}\n",
    "h2{font-size:1.3rem;margin:0 0 .6rem}\n",
    "h3{font-size:1.05rem;margin:1.4rem 0 .5rem}\n",
    "h4{font-size:.95rem;margin:1rem 0 .35rem}\n", "p{margin:.4rem 0}\n",
    "a{color:var(--accent)}\n", ".muted{color:var(--muted)}\n",
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;"
    "padding:1.1rem 1.4rem;margin:1rem 0}\n",
    ".head{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:center;"
    "justify-content:space-between}\n",
    ".score{font-size:2.6rem;font-weight:700;line-height:1;"
    "font-variant-numeric:tabular-nums}\n",
    ".score small{font-size:1.1rem;color:var(--muted);font-weight:500}\n",
    ".level{font-size:1.05rem;font-weight:600;margin-top:.35rem}\n",
    "nav ul{list-style:none;padding:0;margin:.3rem 0 0;display:flex;"
    "flex-wrap:wrap;gap:.4rem .9rem}\n",
    "table{border-collapse:collapse;width:100%;"
    "font-variant-numeric:tabular-nums}\n",
    "th,td{text-align:left;padding:.4rem .6rem;vertical-align:top;"
    "border-bottom:1px solid var(--line)}\n",
    "th{font-size:.78rem;font-weight:600;color:var(--muted);"
    "text-transform:uppercase;letter-spacing:.04em;background:var(--soft)}\n",
    "td.num,th.num{text-align:right;white-space:nowrap}\n",
    "tbody tr:hover{background:#f8fafc}\n",
    ".badge{display:inline-block;min-width:4.2em;padding:.05rem .5rem;"
    "border-radius:999px;border:1px solid;font-size:.78rem;font-weight:600;"
    "white-space:nowrap;text-align:center}\n",
    ".pass{color:var(--pass)}.badge.pass{background:var(--pass-bg)}\n",
    ".fail{color:var(--fail)}.badge.fail{background:var(--fail-bg)}\n",
    ".skip{color:var(--skip)}.badge.skip{background:var(--skip-bg)}\n",
    ".error{color:var(--error)}.badge.error{background:var(--error-bg)}\n",
    "code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "'DejaVu Sans Mono','Liberation Mono',monospace;font-size:.86em}\n",
    "pre{background:var(--soft);border:1px solid var(--line);"
    "border-radius:6px;padding:.55rem .8rem;margin:.4rem 0;"
    "white-space:pre-wrap;overflow-wrap:anywhere;tab-size:4}\n",
    "pre .exp{color:var(--pass);font-weight:600}\n",
    "pre .act{color:var(--fail);font-weight:600}\n",
    "pre.src{padding:.35rem 0;white-space:pre;overflow-x:auto}\n",
    "pre.src .l{display:block;padding:0 .8rem 0 0}\n",
    "pre.src .n{display:inline-block;width:4.5em;padding-right:.9em;"
    "text-align:right;color:var(--muted);user-select:none}\n",
    "pre.src .hit{background:var(--mark);font-weight:600}\n",
    "pre.src .hit .n::before{content:'\\25B6  ';color:var(--fail)}\n",
    "pre.src .gap{color:var(--muted)}\n", ".where{font-weight:600}\n",
    ".evidence{border-left:3px solid var(--line);padding-left:.9rem;"
    "margin:.7rem 0 1rem}\n",
    ".banner{border-radius:10px;padding:.9rem 1.2rem;margin:1rem 0;"
    "border:1px solid var(--line);border-left-width:7px}\n",
    ".banner.alert{background:var(--fail-bg);border-color:var(--fail)}\n",
    ".banner.warn{background:var(--error-bg);border-color:var(--error)}\n",
    ".banner.ok{background:var(--pass-bg);border-color:var(--pass)}\n",
    ".banner strong{font-size:1.05rem}\n",
    ".banner table{background:#fff;margin-top:.5rem}\n",
    ".prose{background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:.4rem 1.2rem;margin:.5rem 0}\n",
    ".prose h4{font-size:1.15rem}.prose h5{font-size:1rem}"
    ".prose h6{font-size:.92rem}\n",
    ".prose h4,.prose h5,.prose h6{margin:1rem 0 .4rem}\n",
    ".prose blockquote{margin:.5rem 0;padding-left:.9rem;"
    "border-left:3px solid var(--line);color:var(--muted)}\n",
    ".prose table{width:auto;margin:.5rem 0}\n",
    ".chart{display:block;max-width:100%;height:auto}\n"
    ".bar{display:block;width:364px;max-width:none;height:34px}\n"
    "td.plot{width:372px;padding-top:.2rem;padding-bottom:.2rem}\n"
    ".chart text,.bar text{font-family:inherit;fill:var(--ink)}\n"
    ".nowrap{white-space:nowrap}\n"
    "th.kata{white-space:normal;text-transform:none;letter-spacing:0;"
    "font-size:.8rem;min-width:6.5rem}\n"
    "td.heat{font-weight:600}\n"
    "td.h-all{background:#dafbe1;color:var(--pass)}\n"
    "td.h-most{background:#fff8c5;color:var(--error)}\n"
    "td.h-few{background:#ffebe9;color:var(--fail)}\n"
    "table.phases{width:auto}\n"
    "table.phases td,table.phases th{padding:.3rem .9rem}\n"
    "details{margin:.5rem 0}\n"
    "summary{cursor:pointer;color:var(--muted)}\n",
    ".legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;"
    "color:var(--muted);margin:.3rem 0 .6rem}\n",
    ".sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;"
    "vertical-align:-.1em;margin-right:.3em;border:1px solid #0003}\n",
    "th button{all:unset;cursor:pointer;display:inline-flex;gap:.3em;"
    "align-items:center}\n",
    "th button:focus-visible{outline:2px solid var(--accent)}\n",
    "th[aria-sort=ascending] button::after{content:'\\25B2'}\n",
    "th[aria-sort=descending] button::after{content:'\\25BC'}\n",
    "footer{color:var(--muted);font-size:.82rem;margin-top:2rem}\n",
    ".badge.note{color:var(--error);background:var(--error-bg)}\n",
    ".badge.written{color:var(--pass);background:var(--pass-bg)}\n",
    ".repro{margin:.3rem 0 .6rem}\n", ".wide{overflow-x:auto}\n",
    "tr.group th{background:#fff;color:var(--ink);text-transform:none;"
    "letter-spacing:0;font-size:.85rem;padding-top:.8rem}\n",
    ".repro code{display:block;white-space:pre-wrap;overflow-wrap:anywhere;"
    "background:var(--soft);border:1px solid var(--line);border-radius:6px;"
    "padding:.25rem .6rem;margin:.15rem 0}\n",
    "h1,h2,h3,h4,p,li,summary{overflow-wrap:anywhere}\n",
    /* A phone (375 px): a table wider than the screen scrolls inside its
     * own box, never the page, and the cards give their margins back. */
    "@media (max-width:40rem){main{padding:.6rem .5rem 2rem}"
    ".card{padding:.8rem .7rem}.banner{padding:.7rem .8rem}"
    "table{display:block;overflow-x:auto;max-width:100%;width:auto}"
    ".score{font-size:2rem}}\n",
    /* On paper nothing can be clicked open: every folded part is printed
     * open (the failing tests past the first few, the whole suite, the
     * figures). ::details-content needs Chromium 131 or later; mentor.sh
     * prints a page in Chromium to check it. */
    "@media print{body{background:#fff}.card{break-inside:avoid}"
    "details::details-content{content-visibility:visible;display:block}"
    "table{display:table;overflow:visible}"
    "pre.src{white-space:pre-wrap;overflow:visible}}\n"};

void sc_html_begin(struct sc_buf *out, const char *title, int allow_script) {
  /* The policy makes the promise checkable: the browser itself refuses
   * any fetch, whatever a later change to this file might add. */
  sc_buf_printf(out,
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                "<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, "
                "initial-scale=1\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" "
                "content=\"default-src 'none'; style-src 'unsafe-inline'; "
                "img-src data:; script-src %s\">\n"
                "<title>",
                allow_script ? "'unsafe-inline'" : "'none'");
  sc_html_escape(out, title);
  sc_buf_puts(out, "</title>\n<style>\n");
  for (size_t i = 0; i < SC_ARRAY_SIZE(style); i++)
    sc_buf_puts(out, style[i]);
  sc_buf_puts(out, "</style>\n</head>\n<body>\n<main>\n");
}

void sc_html_end(struct sc_buf *out) {
  sc_buf_printf(out,
                "<footer>Written by senior-check %s. This page is "
                "self-contained: it loads nothing from anywhere.</footer>\n"
                "</main>\n</body>\n</html>\n",
                SC_VERSION);
}

int sc_html_save(const char *page, size_t len, const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -errno;
  int err = fwrite(page, 1, len, f) == len ? 0 : -errno;
  if (fclose(f) != 0 && err == 0)
    err = -errno;
  return err == 0 ? 0 : (err < 0 ? err : -EIO);
}

/* ------------------------------------------------------------------ */
/* Markdown                                                            */
/* ------------------------------------------------------------------ */

static void inline_md(struct sc_buf *out, const char *s, size_t len);

/* Whether the byte may stand next to '_' emphasis: '_' inside a word (as
 * in test_pop_gets) is never emphasis. */
static int wordish(const char *s, size_t i, size_t len) {
  return i < len && (isalnum((unsigned char)s[i]) || (s[i] & 0x80));
}

/* Finds the end of a code span opened by n backticks at s[start]: the
 * index of the closing run, or len when there is none. */
static size_t code_span_end(const char *s, size_t start, size_t n, size_t len) {
  for (size_t i = start; i < len;) {
    if (s[i] != '`') {
      i++;
      continue;
    }
    size_t run = 0;
    while (i + run < len && s[i + run] == '`')
      run++;
    if (run == n)
      return i;
    i += run;
  }
  return len;
}

/* Finds the closing delimiter (delim, n bytes) of emphasis opened before
 * s[start]: non-blank before it, and for '_' not inside a word. Returns its
 * index, or len when there is none. */
static size_t emphasis_end(const char *s, size_t start, const char *delim,
                           size_t n, size_t len) {
  for (size_t i = start + 1; i + n <= len; i++) {
    if (s[i] == '`') { /* emphasis never closes inside a code span */
      size_t run = 0;
      while (i + run < len && s[i + run] == '`')
        run++;
      size_t end = code_span_end(s, i + run, run, len);
      i = end < len ? end + run - 1 : i + run - 1;
      continue;
    }
    if (strncmp(s + i, delim, n) != 0 || isspace((unsigned char)s[i - 1]))
      continue;
    if (n == 1 && i + 1 < len && s[i + 1] == delim[0])
      continue; /* part of a "**": not a single closing '*' */
    if (delim[0] == '_' && wordish(s, i + n, len))
      continue;
    return i;
  }
  return len;
}

/* Appends the inline text s[0..len) with code spans, strong and emphasis;
 * everything else escaped. */
static void inline_md(struct sc_buf *out, const char *s, size_t len) {
  size_t run = 0, i = 0;
  while (i < len) {
    char c = s[i];
    size_t n = 0, end = len;
    const char *open = NULL, *close = NULL;
    if (c == '\\' && i + 1 < len && ispunct((unsigned char)s[i + 1])) {
      sc_html_escape_n(out, s + run, i - run);
      run = i + 1;
      i += 2;
      continue;
    }
    if (c == '`') {
      while (i + n < len && s[i + n] == '`')
        n++;
      end = code_span_end(s, i + n, n, len);
      open = "<code>";
      close = "</code>";
    } else if ((c == '*' || c == '_') && i + 2 < len && s[i + 1] == c &&
               !isspace((unsigned char)s[i + 2]) &&
               (c == '*' || i == 0 || !wordish(s, i - 1, len))) {
      n = 2;
      end = emphasis_end(s, i + 2, c == '*' ? "**" : "__", 2, len);
      open = "<strong>";
      close = "</strong>";
    } else if ((c == '*' || c == '_') && i + 1 < len &&
               !isspace((unsigned char)s[i + 1]) &&
               (c == '*' || i == 0 || !wordish(s, i - 1, len))) {
      n = 1;
      end = emphasis_end(s, i + 1, c == '*' ? "*" : "_", 1, len);
      open = "<em>";
      close = "</em>";
    }
    if (open == NULL || end >= len || end == i + n) {
      i += n ? n : 1;
      continue;
    }
    sc_html_escape_n(out, s + run, i - run);
    sc_buf_puts(out, open);
    if (c == '`') {
      size_t a = i + n, b = end; /* one space each side may pad the code */
      if (b - a >= 2 && s[a] == ' ' && s[b - 1] == ' ') {
        a++;
        b--;
      }
      sc_html_escape_n(out, s + a, b - a);
    } else {
      inline_md(out, s + i + n, end - i - n);
    }
    sc_buf_puts(out, close);
    i = end + n;
    run = i;
  }
  sc_html_escape_n(out, s + run, len - run);
}

/* The Markdown renderer's state between lines. */
struct md {
  struct sc_buf *out;
  struct sc_buf para;  /* the paragraph being gathered */
  char list;           /* 0, 'u' or 'o': the open list */
  int item_open;       /* an <li> is open */
  char fence[4];       /* "```" or "~~~" while in a fenced block */
  int quote;           /* a blockquote is open */
  struct sc_buf table; /* the lines of a table being gathered */
  struct sc_buf code;  /* an indented code block being gathered */
};

/* Ends the open paragraph, list, blockquote, table and code block. */
static void md_close(struct md *md) {
  if (md->para.len > 0) {
    sc_buf_puts(md->out, md->quote ? "" : "<p>");
    inline_md(md->out, md->para.data, md->para.len);
    sc_buf_puts(md->out, md->quote ? "\n" : "</p>\n");
    md->para.len = 0;
  }
  if (md->item_open)
    sc_buf_puts(md->out, "</li>\n");
  md->item_open = 0;
  if (md->list)
    sc_buf_puts(md->out, md->list == 'u' ? "</ul>\n" : "</ol>\n");
  md->list = 0;
  if (md->quote)
    sc_buf_puts(md->out, "</blockquote>\n");
  md->quote = 0;
  if (md->code.len > 0) {
    sc_buf_puts(md->out, "<pre><code>");
    sc_html_escape_n(md->out, md->code.data, md->code.len);
    sc_buf_puts(md->out, "</code></pre>\n");
    md->code.len = 0;
  }
}

/* Appends one row of a Markdown table: cells split at '|'. */
static void md_table_row(struct sc_buf *out, const char *line, size_t len,
                         const char *cell) {
  size_t a = 0;
  while (a < len && isspace((unsigned char)line[a]))
    a++;
  if (a < len && line[a] == '|')
    a++;
  while (len > a && isspace((unsigned char)line[len - 1]))
    len--;
  if (len > a && line[len - 1] == '|')
    len--;
  sc_buf_puts(out, "<tr>");
  for (size_t i = a; i <= len; i++) {
    if (i < len && (line[i] != '|' || line[i - 1] == '\\'))
      continue;
    size_t b = a, e = i;
    while (b < e && isspace((unsigned char)line[b]))
      b++;
    while (e > b && isspace((unsigned char)line[e - 1]))
      e--;
    sc_buf_printf(out, "<%s>", cell);
    inline_md(out, line + b, e - b);
    sc_buf_printf(out, "</%s>", cell);
    a = i + 1;
  }
  sc_buf_puts(out, "</tr>\n");
}

/* Whether the line is a table's delimiter row ("| --- | :-: |"). */
static int md_table_rule(const char *line, size_t len) {
  int dash = 0;
  for (size_t i = 0; i < len; i++) {
    if (line[i] == '-')
      dash = 1;
    else if (!strchr("|: \t", line[i]))
      return 0;
  }
  return dash;
}

/* Renders the gathered table lines: the first row is the header when the
 * second is a delimiter row. */
static void md_flush_table(struct md *md) {
  if (md->table.len == 0)
    return;
  sc_buf_puts(md->out, "<table>\n");
  const char *p = md->table.data;
  for (unsigned row = 0; *p; row++) {
    size_t len = strcspn(p, "\n");
    const char *next = p + len + (p[len] == '\n');
    size_t next_len = strcspn(next, "\n");
    int header = row == 0 && *next && md_table_rule(next, next_len);
    if (!(row == 1 && md_table_rule(p, len)))
      md_table_row(md->out, p, len, header ? "th" : "td");
    p = next;
  }
  sc_buf_puts(md->out, "</table>\n");
  md->table.len = 0;
  md->table.data[0] = '\0';
}

/* The length of a list marker at the start of line ("- ", "* ", "+ ",
 * "12. ", "3) ") and its kind in *kind ('u' or 'o'); 0 when none. */
static size_t md_list_marker(const char *line, size_t len, char *kind) {
  if (len >= 2 && strchr("-*+", line[0]) && line[1] == ' ') {
    *kind = 'u';
    return 2;
  }
  size_t d = 0;
  while (d < len && d < 9 && isdigit((unsigned char)line[d]))
    d++;
  if (d > 0 && d + 1 < len && (line[d] == '.' || line[d] == ')') &&
      line[d + 1] == ' ') {
    *kind = 'o';
    return d + 2;
  }
  return 0;
}

/* Handles a line inside a fenced code block; returns whether it was. */
static int md_fenced(struct md *md, const char *line, size_t len) {
  size_t lead = 0;
  while (lead < len && lead < 3 && line[lead] == ' ')
    lead++;
  int is_fence = len - lead >= 3 && (strncmp(line + lead, "```", 3) == 0 ||
                                     strncmp(line + lead, "~~~", 3) == 0);
  if (md->fence[0] != '\0') {
    if (is_fence && strncmp(line + lead, md->fence, 3) == 0) {
      sc_buf_puts(md->out, "</code></pre>\n");
      md->fence[0] = '\0';
    } else {
      sc_html_escape_n(md->out, line, len);
      sc_buf_puts(md->out, "\n");
    }
    return 1;
  }
  if (!is_fence)
    return 0;
  md_flush_table(md);
  md_close(md);
  memcpy(md->fence, line + lead, 3);
  md->fence[3] = '\0';
  sc_buf_puts(md->out, "<pre><code>");
  return 1;
}

/* Handles a heading or a rule line; returns whether it was one. */
static int md_heading(struct md *md, const char *line, size_t len) {
  size_t level = 0;
  while (level < len && line[level] == '#')
    level++;
  int heading =
      level >= 1 && level <= 6 && (level == len || line[level] == ' ');
  int rule = len >= 3 && (strspn(line, "-") == len || strspn(line, "*") == len);
  if (!heading && !rule)
    return 0;
  md_flush_table(md);
  md_close(md);
  if (rule) {
    sc_buf_puts(md->out, "<hr>\n");
    return 1;
  }
  /* The page uses h1 to h3: the notes' own headings come below them. */
  size_t h = level + 3 > 6 ? 6 : level + 3;
  size_t a = level, b = len;
  while (a < b && line[a] == ' ')
    a++;
  while (b > a && (line[b - 1] == ' ' || line[b - 1] == '#'))
    b--;
  sc_buf_printf(md->out, "<h%zu>", h);
  inline_md(md->out, line + a, b - a);
  sc_buf_printf(md->out, "</h%zu>\n", h);
  return 1;
}

/* Handles a list item or a line continuing one; returns whether it did. */
static int md_list(struct md *md, const char *line, size_t len) {
  size_t indent = 0;
  while (indent < len && line[indent] == ' ')
    indent++;
  char kind = 0;
  size_t marker = md_list_marker(line + indent, len - indent, &kind);
  if (marker == 0 && md->list && indent >= 2) { /* continuation */
    sc_buf_puts(md->out, " ");
    inline_md(md->out, line + indent, len - indent);
    return 1;
  }
  if (marker == 0)
    return 0;
  if (md->list != kind || md->para.len > 0 || md->quote) {
    md_close(md);
    sc_buf_puts(md->out, kind == 'u' ? "<ul>\n" : "<ol>\n");
    md->list = kind;
  } else if (md->item_open) {
    sc_buf_puts(md->out, "</li>\n");
  }
  sc_buf_puts(md->out, "<li>");
  md->item_open = 1;
  inline_md(md->out, line + indent + marker, len - indent - marker);
  return 1;
}

/* Renders one line of Markdown (without its line break). */
static void md_line(struct md *md, const char *line, size_t len) {
  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (md_fenced(md, line, len))
    return;
  size_t blank = 0;
  while (blank < len && isspace((unsigned char)line[blank]))
    blank++;
  if (blank == len) {
    md_flush_table(md);
    md_close(md);
    return;
  }
  if (blank >= 4 && !md->list && md->para.len == 0) {
    sc_buf_add(&md->code, line + 4, len - 4);
    sc_buf_puts(&md->code, "\n");
    return;
  }
  if (md->code.len > 0)
    md_close(md);
  if (line[blank] == '|') {
    md_close(md);
    sc_buf_add(&md->table, line, len);
    sc_buf_puts(&md->table, "\n");
    return;
  }
  md_flush_table(md);
  if (md_heading(md, line, len) || md_list(md, line, len))
    return;
  if (line[0] == '>') {
    size_t skip = len > 1 && line[1] == ' ' ? 2 : 1;
    if (!md->quote) {
      md_close(md);
      sc_buf_puts(md->out, "<blockquote>\n");
      md->quote = 1;
    }
    line += skip;
    len -= skip;
  } else if (md->list || md->quote) {
    md_close(md);
  }
  if (md->para.len > 0)
    sc_buf_puts(&md->para, "\n");
  sc_buf_add(&md->para, line + (line[0] == ' ' ? blank : 0),
             len - (line[0] == ' ' ? blank : 0));
}

void sc_html_markdown(struct sc_buf *out, const char *text) {
  struct md md = {.out = out};
  for (const char *p = text ? text : ""; *p;) {
    size_t len = strcspn(p, "\n");
    md_line(&md, p, len);
    p += len + (p[len] == '\n');
  }
  if (md.fence[0] != '\0')
    sc_buf_puts(out, "</code></pre>\n");
  md_flush_table(&md);
  md_close(&md);
  sc_buf_free(&md.para);
  sc_buf_free(&md.table);
  sc_buf_free(&md.code);
}

/* ------------------------------------------------------------------ */
/* Small pieces of the learner's page                                  */
/* ------------------------------------------------------------------ */

/* A mark that says the status without colour. */
static const char *status_mark(enum sc_status status) {
  switch (status) {
  case SC_STATUS_PASS:
    return "\xe2\x9c\x93"; /* check mark */
  case SC_STATUS_FAIL:
    return "\xe2\x9c\x97"; /* ballot x */
  case SC_STATUS_SKIP:
    return "\xe2\x80\x93"; /* en dash */
  default:
    return "!";
  }
}

/* The strong and the soft colour of a status, for the charts. */
static const char *status_ink(enum sc_status status) {
  static const char *const ink[] = {"#2da44e", "#cf222e", "#8c959f", "#bf8700"};
  return ink[status <= SC_STATUS_ERROR ? status : SC_STATUS_ERROR];
}

static const char *status_soft(enum sc_status status) {
  static const char *const soft[] = {"#b8ecc5", "#ffc7c2", "#dde3e9",
                                     "#f7df8b"};
  return soft[status <= SC_STATUS_ERROR ? status : SC_STATUS_ERROR];
}

/* Appends a status label: its mark and its name, coloured. */
static void put_badge(struct sc_buf *out, enum sc_status status) {
  const char *name = sc_status_name(status);
  sc_buf_printf(out, "<span class=\"badge %s\">%s %s</span>", name,
                status_mark(status), name);
}

/* The share of max that score is, from 0 to 1 (1 when max is 0). */
static double share(double score, double max) {
  if (max <= 0)
    return 1.0;
  double s = score / max;
  return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* Appends a number with at most 3 decimals and no trailing zeros. */
static void put_number(struct sc_buf *out, double value) {
  char text[64];
  snprintf(text, sizeof(text), "%.3f", value);
  char *end = text + strlen(text);
  while (end > text && end[-1] == '0')
    *--end = '\0';
  if (end > text && end[-1] == '.')
    *--end = '\0';
  sc_buf_puts(out, text);
}

/* Appends a figure's value: a large count with thousands separators. */
static void put_figure(struct sc_buf *out, double value) {
  if (fabs(value) < 100000 || fabs(value) > 1e18 || value != floor(value)) {
    put_number(out, value);
    return;
  }
  char digits[32];
  snprintf(digits, sizeof(digits), "%.0f", fabs(value));
  size_t n = strlen(digits);
  if (value < 0)
    sc_buf_puts(out, "-");
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      sc_buf_puts(out, "\xe2\x80\x89"); /* thin space */
    sc_buf_add(out, digits + i, 1);
  }
}

/* Appends text with the lines that start (after blanks) with "expected:"
 * or "actual:" marked, for a <pre>. */
static void put_message(struct sc_buf *out, const char *text) {
  for (const char *p = text ? text : ""; *p;) {
    size_t len = strcspn(p, "\n");
    size_t lead = strspn(p, " \t");
    const char *cls = strncmp(p + lead, "expected:", 9) == 0 ? "exp"
                      : strncmp(p + lead, "actual:", 7) == 0 ? "act"
                                                             : NULL;
    if (cls)
      sc_buf_printf(out, "<span class=\"%s\">", cls);
    sc_html_escape_n(out, p, len);
    if (cls)
      sc_buf_puts(out, "</span>");
    p += len;
    if (*p == '\n') {
      sc_buf_puts(out, "\n");
      p++;
    }
  }
}

/* Appends the first line of text, escaped. */
static void put_first_line(struct sc_buf *out, const char *text) {
  if (text != NULL)
    sc_html_escape_n(out, text, strcspn(text, "\n"));
}

/* ------------------------------------------------------------------ */
/* The learner's files                                                 */
/* ------------------------------------------------------------------ */

/* A file of the learner's split into lines (borrowed from text). */
struct text_lines {
  char *text;
  const char **line;
  size_t *len;
  size_t count;
};

static void lines_free(struct text_lines *tl) {
  free(tl->text);
  free(tl->line);
  free(tl->len);
  memset(tl, 0, sizeof(*tl));
}

/* Reads rel (relative to the repository) into *text (caller frees).
 * Returns 0, or -1 when there is no repository, rel climbs out of it, or
 * the file cannot be read: never an error for the page. */
static int read_repo_file(const struct sc_html_options *opts, const char *rel,
                          char **text) {
  struct sc_location where = {(char *)rel, 0, NULL};
  *text = NULL;
  if (opts->repo == NULL || !sc_report_location_in_repo(&where))
    return -1;
  char *path = sc_path_join(opts->repo, rel);
  int err = sc_read_file(path, MAX_QUOTED_FILE, text, NULL);
  free(path);
  if (err != 0) {
    free(*text);
    *text = NULL;
    return -1;
  }
  return 0;
}

/* Loads rel as lines into *tl (release with lines_free). Returns 0 or -1
 * as read_repo_file() does. */
static int lines_load(const struct sc_html_options *opts, const char *rel,
                      struct text_lines *tl) {
  memset(tl, 0, sizeof(*tl));
  if (read_repo_file(opts, rel, &tl->text) != 0)
    return -1;
  size_t cap = 1;
  for (const char *p = tl->text; *p; p++)
    cap += *p == '\n';
  tl->line = sc_xcalloc(cap, sizeof(*tl->line));
  tl->len = sc_xcalloc(cap, sizeof(*tl->len));
  for (const char *p = tl->text; *p;) {
    size_t len = strcspn(p, "\n");
    tl->line[tl->count] = p;
    tl->len[tl->count++] = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
    p += len + (p[len] == '\n');
  }
  return 0;
}

/* Whether line (from 1) is among the n sorted marked lines. */
static int is_marked(const unsigned *marked, size_t n, size_t line) {
  for (size_t i = 0; i < n; i++)
    if (marked[i] == line)
      return 1;
  return 0;
}

/* Appends the lines of tl around the n marked lines (sorted, from 1),
 * context lines either side, the marked ones highlighted, a gap shown
 * between windows that do not touch. */
static void quote(struct sc_buf *out, const struct text_lines *tl,
                  const unsigned *marked, size_t n, unsigned context) {
  size_t shown_to = 0; /* the last line appended */
  int any = 0;
  for (size_t m = 0; m < n; m++) {
    if (marked[m] == 0 || marked[m] > tl->count)
      continue;
    size_t from = marked[m] > context ? marked[m] - context : 1;
    size_t to =
        marked[m] + context < tl->count ? marked[m] + context : tl->count;
    if (from <= shown_to)
      from = shown_to + 1;
    if (from > to)
      continue;
    if (!any)
      sc_buf_puts(out, "<pre class=\"src\">");
    else if (from > shown_to + 1)
      sc_buf_puts(out, "<span class=\"l gap\"><span class=\"n\">"
                       "\xe2\x8b\xae</span></span>");
    any = 1;
    for (size_t l = from; l <= to; l++) {
      int hit = is_marked(marked, n, l);
      sc_buf_printf(out, "<span class=\"l%s\"><span class=\"n\">%zu</span>",
                    hit ? " hit" : "", l);
      sc_html_escape_n(out, tl->line[l - 1], tl->len[l - 1]);
      sc_buf_puts(out, "</span>");
    }
    shown_to = to;
  }
  if (any)
    sc_buf_puts(out, "</pre>\n");
  else
    sc_buf_printf(out,
                  "<p class=\"muted\">(the file has %zu lines: the line is "
                  "not in this copy)</p>\n",
                  tl->count);
}

/* Appends "file:line" and the source around it, read from the repository;
 * a file that is not there is said so, never an error. */
static void put_location(struct sc_buf *out, const struct sc_html_options *opts,
                         const struct sc_location *where) {
  sc_buf_puts(out, "<p class=\"where mono\">");
  sc_html_escape(out, where->file);
  sc_buf_printf(out, ":%u</p>\n", where->line);
  struct text_lines tl;
  if (lines_load(opts, where->file, &tl) != 0) {
    sc_buf_puts(out, "<p class=\"muted\">(the file is not in the repository "
                     "this page was made from, so its lines are not "
                     "quoted)</p>\n");
    return;
  }
  quote(out, &tl, &where->line, 1, QUOTE_CONTEXT);
  lines_free(&tl);
}

/* ------------------------------------------------------------------ */
/* Charts                                                              */
/* ------------------------------------------------------------------ */

/* Short names of the gates for the chart's columns. */
static const char *const gate_short[SC_GATE_COUNT] = {
    "build", "tests", "memcheck", "timing", "coverage", "strict"};

/* Appends one cell of the overview: a gate's points as a filled share. */
static void overview_cell(struct sc_buf *out, const struct sc_kata_result *kata,
                          unsigned g, double x, double y) {
  const struct sc_gate_result *gate = &kata->gates[g];
  double w = 84, h = 28, fill = w * share(gate->score, gate->max_score);
  if (gate->status != SC_STATUS_PASS && gate->score == 0)
    fill = 0;
  sc_buf_printf(out, "<g><title>");
  sc_html_escape(out, kata->id);
  sc_buf_printf(out, ", %s: %s, %u of %u points</title>", gate_short[g],
                sc_status_name(gate->status), gate->score, gate->max_score);
  sc_buf_printf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "rx=\"4\" fill=\"#ffffff\" stroke=\"%s\"/>",
                x, y, w, h, status_ink(gate->status));
  if (fill > 0)
    sc_buf_printf(out,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                  "rx=\"4\" fill=\"%s\"/>",
                  x + 0.5, y + 0.5, fill - 1 > 0 ? fill - 1 : 0, h - 1,
                  status_soft(gate->status));
  sc_buf_printf(out,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                "font-size=\"12.5\" fill=\"%s\">%s %u/%u</text></g>\n",
                x + w / 2, y + 18.5,
                gate->status == SC_STATUS_SKIP ? "#59636e" : "#1f2328",
                status_mark(gate->status), gate->score, gate->max_score);
}

/* Appends the overview chart: one row per kata, one cell per gate with
 * its points, then the kata's total as a bar. */
static void overview_chart(struct sc_buf *out, const struct sc_results *r) {
  double left = 200, col = 90, bar_x = left + SC_GATE_COUNT * col + 16;
  double bar_w = 180, width = bar_x + bar_w + 80, row = 38;
  double height = 30 + row * (double)r->count + 6;
  sc_buf_printf(
      out,
      "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" "
      "width=\"%.0f\" aria-labelledby=\"overview-title\">"
      "<title id=\"overview-title\">Points by kata and gate</title>\n",
      width, height, width);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_buf_printf(out,
                  "<text x=\"%.1f\" y=\"16\" text-anchor=\"middle\" "
                  "font-size=\"12\" font-weight=\"600\" fill=\"#59636e\">"
                  "%s</text>\n",
                  left + col * g + 42, gate_short[g]);
  sc_buf_printf(
      out,
      "<text x=\"%.1f\" y=\"16\" font-size=\"12\" font-weight=\"600\" "
      "fill=\"#59636e\">total</text>\n",
      bar_x);
  for (size_t k = 0; k < r->count; k++) {
    const struct sc_kata_result *kata = &r->katas[k];
    double y = 26 + row * (double)k;
    sc_buf_printf(out,
                  "<text x=\"0\" y=\"%.1f\" font-size=\"13\" "
                  "font-weight=\"600\">",
                  y + 18.5);
    sc_html_escape(out, kata->id);
    sc_buf_puts(out, "</text>\n");
    for (unsigned g = 0; g < SC_GATE_COUNT; g++)
      overview_cell(out, kata, g, left + col * g, y);
    double fill = bar_w * share(kata->score, kata->max_score);
    sc_buf_printf(out,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" "
                  "rx=\"3\" fill=\"#eaeef2\"/>"
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" "
                  "rx=\"3\" fill=\"%s\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" "
                  "font-weight=\"600\">%u/%u</text>\n",
                  bar_x, y + 7, bar_w, bar_x, y + 7, fill,
                  status_ink(kata->status), bar_x + bar_w + 8, y + 18.5,
                  kata->score, kata->max_score);
  }
  sc_buf_puts(out, "</svg>\n");
}

/* Appends a bar of value on a scale from 0 to hi, the zone from lo_ok to
 * hi_ok shaded as allowed, a marker at each bound that is not 0. */
static void bound_bar(struct sc_buf *out, double value, double min, double max,
                      double hi, enum sc_status status, const char *label) {
  double w = 300, x0 = 4;
  if (hi <= 0)
    hi = 1;
  double zone_from = min > 0 ? min : 0, zone_to = max > 0 ? max : hi;
  sc_buf_printf(out,
                "<svg class=\"bar\" role=\"img\" viewBox=\"0 0 %.0f 34\" "
                "width=\"%.0f\" height=\"34\"><title>",
                w + 64, w + 64);
  sc_html_escape(out, label);
  sc_buf_printf(out,
                "</title><rect x=\"%.1f\" y=\"12\" width=\"%.1f\" "
                "height=\"14\" fill=\"#f6f8fa\" stroke=\"#d1d9e0\"/>"
                "<rect x=\"%.1f\" y=\"12\" width=\"%.1f\" height=\"14\" "
                "fill=\"#dafbe1\"/>",
                x0, w, x0 + w * zone_from / hi, w * (zone_to - zone_from) / hi);
  double bw = w * share(value, hi);
  sc_buf_printf(out,
                "<rect x=\"%.1f\" y=\"15\" width=\"%.1f\" height=\"8\" "
                "fill=\"%s\"/>",
                x0, bw, status_ink(status));
  double bounds[2] = {min, max};
  for (int b = 0; b < 2; b++) {
    if (bounds[b] <= 0)
      continue;
    double bx = x0 + w * share(bounds[b], hi);
    sc_buf_printf(out,
                  "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"9\" y2=\"29\" "
                  "stroke=\"#1f2328\" stroke-width=\"2\"/>"
                  "<text x=\"%.1f\" y=\"8\" font-size=\"9\" "
                  "text-anchor=\"middle\">%s ",
                  bx, bx, bx, b == 0 ? "\xe2\x89\xa5" : "\xe2\x89\xa4");
    put_number(out, bounds[b]);
    sc_buf_puts(out, "</text>");
  }
  sc_buf_printf(out,
                "<text x=\"%.1f\" y=\"24\" font-size=\"11\" "
                "font-weight=\"600\">",
                x0 + w + 6);
  put_number(out, value);
  sc_buf_puts(out, "</text></svg>");
}

/* The percent of the maximum a results' score is. */
static double percent_of(const struct sc_results *r) {
  return 100.0 * share(r->score, r->max_score);
}

int sc_html_parse_time(const char *iso, long long *secs) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
  /* strptime accepts one-digit fields: the writer always writes 20. */
  if (end == NULL || *end != '\0' || strlen(iso) != 20)
    return SC_EREPORT;
  time_t t = timegm(&tm);
  if (t == (time_t)-1)
    return SC_EREPORT;
  *secs = (long long)t;
  return 0;
}

/* One point of the score over time. */
struct history_point {
  const struct sc_results *results;
  const char *label; /* the file's name, "this run", or NULL */
  long long when;    /* graded_at, 0 when not known */
  size_t order;      /* its place in the order given */
};

/* Orders points by time; equal times keep the order given. */
static int by_time(const void *a, const void *b) {
  const struct history_point *x = a, *y = b;
  if (x->when != y->when)
    return x->when < y->when ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

/* The n points of the history: the earlier results, then r; sorted by
 * time when every time is known (*timed set), else in the order given.
 * Caller frees. */
static struct history_point *history_points(const struct sc_results *r,
                                            const struct sc_html_options *opts,
                                            size_t n, int *timed) {
  struct history_point *p = sc_xcalloc(n, sizeof(*p));
  *timed = 1;
  for (size_t i = 0; i < n; i++) {
    int last = i + 1 == n;
    p[i].results = last ? r : &opts->history[i];
    p[i].label = last                   ? "this run"
                 : opts->history_labels ? opts->history_labels[i]
                                        : NULL;
    p[i].when = last                  ? opts->graded_at
                : opts->history_times ? opts->history_times[i]
                                      : 0;
    p[i].order = i;
    *timed = *timed && p[i].when > 0;
  }
  if (*timed)
    qsort(p, n, sizeof(*p), by_time);
  return p;
}

/* Where point i is drawn between x0 and x1: by its time when timed (the
 * space between two points is the time between the gradings), else
 * evenly in the order given. */
static double history_x(const struct history_point *p, size_t i, size_t n,
                        int timed, double x0, double x1) {
  if (n == 1)
    return (x0 + x1) / 2;
  double span = timed ? (double)(p[n - 1].when - p[0].when) : 0;
  if (span <= 0)
    return x0 + 20 + (x1 - x0 - 40) * (double)i / (double)(n - 1);
  return x0 + 20 + (x1 - x0 - 40) * (double)(p[i].when - p[0].when) / span;
}

/* Appends the label under a point: its date and time (UTC) when timed,
 * else the file's name cut to 18 bytes. */
static void history_label(struct sc_buf *out, const struct history_point *p,
                          int timed, size_t i) {
  if (timed) {
    time_t t = (time_t)p->when;
    struct tm tm;
    char text[32];
    if (gmtime_r(&t, &tm) != NULL &&
        strftime(text, sizeof(text), "%Y-%m-%d %H:%M", &tm) > 0) {
      sc_buf_puts(out, text);
      return;
    }
  }
  const char *label = p->label;
  if (label == NULL) {
    sc_buf_printf(out, "run %zu", i + 1);
    return;
  }
  size_t cut = strlen(label) > 18 ? 18 : strlen(label);
  while (cut > 0 && ((unsigned char)label[cut] & 0xC0) == 0x80)
    cut--; /* never inside a character */
  sc_html_escape_n(out, label, cut);
  if (cut < strlen(label))
    sc_buf_puts(out, "\xe2\x80\xa6");
}

/* Appends the score over time: the earlier results, then these, as a line
 * on a scale of percent with the levels marked, placed by when each was
 * graded. */
static void history_chart(struct sc_buf *out, const struct sc_results *r,
                          const struct sc_html_options *opts) {
  static const struct {
    double at;
    const char *level;
  } levels[] = {{25, "junior"},
                {50, "mid-level"},
                {75, "senior in training"},
                {100, "senior"}};
  size_t n = opts->history_count + 1;
  int timed = 0;
  struct history_point *p = history_points(r, opts, n, &timed);
  double x0 = 48, x1 = 560, y0 = 24, y1 = 204;
  sc_buf_printf(out,
                "<p class=\"muted\">%s</p>\n<svg class=\"chart\" role=\"img\" "
                "viewBox=\"0 0 700 240\" width=\"700\" data-axis=\"%s\">"
                "<title>The score over time, in percent of the maximum"
                "</title>\n",
                timed ? "Placed by when each was graded (the results files' "
                        "graded_at, UTC): the space between two points is "
                        "the time between them."
                      : "Placed in the order given: a results file without "
                        "graded_at (written before the grader recorded it) "
                        "has no time to place it by.",
                timed ? "time" : "order");
  for (size_t i = 0; i < SC_ARRAY_SIZE(levels); i++) {
    double y = y1 - (y1 - y0) * levels[i].at / 100;
    sc_buf_printf(out,
                  "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"#d1d9e0\" stroke-dasharray=\"4 3\"/>"
                  "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
                  "fill=\"#59636e\">%s</text>"
                  "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
                  "text-anchor=\"end\" fill=\"#59636e\">%.0f%%</text>\n",
                  x0, x1, y, y, x1 + 8, y + 4, levels[i].level, x0 - 6, y + 4,
                  levels[i].at);
  }
  sc_buf_printf(out,
                "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" "
                "stroke=\"#8c959f\"/>\n",
                x0, x1, y1, y1);
  /* The line first, so that the points are drawn over it. */
  sc_buf_puts(out, "<polyline fill=\"none\" stroke=\"#0969da\" "
                   "stroke-width=\"2\" points=\"");
  for (size_t i = 0; i < n; i++)
    sc_buf_printf(out, "%s%.1f,%.1f", i ? " " : "",
                  history_x(p, i, n, timed, x0, x1),
                  y1 - (y1 - y0) * percent_of(p[i].results) / 100);
  sc_buf_puts(out, "\"/>\n");
  for (size_t i = 0; i < n; i++) {
    const struct sc_results *at = p[i].results;
    double x = history_x(p, i, n, timed, x0, x1);
    double y = y1 - (y1 - y0) * percent_of(at) / 100;
    sc_buf_printf(out, "<g data-when=\"%lld\"><title>%u/%u (%.0f%%), %s, ",
                  p[i].when, at->score, at->max_score, percent_of(at),
                  at->level);
    sc_html_escape(out, p[i].label ? p[i].label : "an earlier run");
    /* Labels alternate between two lines, so that close points (two
     * gradings in an hour) do not print over each other. */
    sc_buf_printf(out,
                  "</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" "
                  "fill=\"#0969da\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                  "text-anchor=\"middle\" font-weight=\"600\">%u/%u</text>"
                  "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" "
                  "text-anchor=\"middle\" fill=\"#59636e\">",
                  x, y, x, y - 9, at->score, at->max_score, x,
                  y1 + 16 + (timed && i % 2 ? 13 : 0));
    history_label(out, &p[i], timed, i);
    sc_buf_puts(out, "</text></g>\n");
  }
  sc_buf_puts(out, "</svg>\n");
  free(p);
}

/* ------------------------------------------------------------------ */
/* Commands that reproduce a finding on the learner's machine          */
/* ------------------------------------------------------------------ */

/* Appends s as one shell word, HTML-escaped: as it is when it holds only
 * bytes no shell treats specially, else in single quotes. Kata ids and
 * test names come from a results file, so a hostile one must stay one
 * word when a mentor pastes the command. */
static void put_shell_word(struct sc_buf *out, const char *s) {
  size_t plain = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                           "WXYZ0123456789_-./=+:,@%");
  if (*s != '\0' && s[plain] == '\0') {
    sc_html_escape(out, s);
    return;
  }
  sc_buf_puts(out, "&#39;");
  for (const char *p = s; *p; p++) {
    size_t run = strcspn(p, "'");
    sc_html_escape_n(out, p, run);
    p += run;
    if (*p == '\0')
      break;
    sc_buf_puts(out, "&#39;\\&#39;&#39;"); /* ' closes, \' is one, ' opens */
  }
  sc_buf_puts(out, "&#39;");
}

/* Appends the command that grades the kata again as these results were
 * graded: `run` for a learner's own files; the reference solutions and
 * another folder are graded with grade's option for them. */
static void put_grade_command(struct sc_buf *out, const struct sc_results *r,
                              const char *kata) {
  const char *source = r->source ? r->source : "learner";
  if (strcmp(source, "solutions") == 0)
    sc_buf_puts(out, "./senior-check grade --solutions ");
  else if (strcmp(source, "other") == 0)
    sc_buf_puts(out, "./senior-check grade --from DIR ");
  else
    sc_buf_puts(out, "./senior-check run ");
  put_shell_word(out, kata);
}

/* Appends the kata's suite as built by a grading of r: build/katas/SOURCE/
 * KATA/suite, where `run` or `grade` left it. */
static void put_suite_path(struct sc_buf *out, const struct sc_results *r,
                           const char *kata) {
  const char *source = r->source ? r->source : "learner";
  char *path = sc_xasprintf("build/katas/%s/%s/suite",
                            strcmp(source, "solutions") == 0 ? "reference"
                            : strcmp(source, "other") == 0   ? "other"
                                                             : "learner",
                            kata);
  put_shell_word(out, path);
  free(path);
}

/* Appends the commands that show one gate's finding on the learner's
 * machine, one <code> each: grading the kata again always; the suite
 * under valgrind for memcheck, one test alone for a failing test (the
 * suite's first argument is a cmocka filter). test is NULL but for a
 * test. */
static void put_repro(struct sc_buf *out, const struct sc_results *r,
                      const char *kata, unsigned g, const char *test) {
  sc_buf_puts(out, "<code class=\"cmd\">");
  put_grade_command(out, r, kata);
  sc_buf_puts(out, "</code>");
  if (g == SC_GATE_MEMCHECK) {
    sc_buf_puts(out, "<code class=\"cmd\">valgrind --leak-check=full "
                     "--show-leak-kinds=definite,indirect "
                     "--errors-for-leak-kinds=definite,indirect ");
    put_suite_path(out, r, kata);
    sc_buf_puts(out, "</code>");
  } else if (g == SC_GATE_TESTS && test != NULL) {
    sc_buf_puts(out, "<code class=\"cmd\">");
    put_suite_path(out, r, kata);
    sc_buf_puts(out, " ");
    put_shell_word(out, test);
    sc_buf_puts(out, "</code>");
  }
}

/* What each gate's reproduction shows, after the commands. */
static const char *const repro_shows[SC_GATE_COUNT] = {
    "the compiler's diagnostics",
    "each failing test with expected and actual",
    "each leak and memory error at its line in the learner's files",
    "the measured ratios against their bounds (the benchmark runs only "
    "in a grading)",
    "where the tests fall short, by function",
    "each warning and the sanitizers' report"};

/* The commands that reproduce every gate of the kata short of full marks
 * (a skipped gate comes back once the gate before it passes). */
static void repro_block(struct sc_buf *out, const struct sc_results *r,
                        const struct sc_kata_result *kata) {
  if (kata->score == kata->max_score && kata->error == NULL)
    return;
  sc_buf_puts(out, "<div class=\"repro\"><h3>Reproduce locally</h3>\n"
                   "<p class=\"muted\">In the learner's clone:</p><ul>\n");
  if (kata->error != NULL) {
    sc_buf_puts(out, "<li data-gate=\"kata\">the grading: ");
    put_repro(out, r, kata->id, SC_GATE_BUILD, NULL);
    sc_buf_puts(out, "</li>\n");
  }
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct sc_gate_result *gate = &kata->gates[g];
    if (gate->status == SC_STATUS_PASS || gate->status == SC_STATUS_SKIP)
      continue;
    sc_buf_printf(out, "<li data-gate=\"%s\"><strong>%s</strong> (%s): ",
                  gate_short[g], gate_short[g], repro_shows[g]);
    put_repro(out, r, kata->id, g, NULL);
    sc_buf_puts(out, "</li>\n");
  }
  sc_buf_puts(out, "</ul></div>\n");
}

/* ------------------------------------------------------------------ */
/* The evidence of each gate                                           */
/* ------------------------------------------------------------------ */

/* The tests gate: every failing test with its message (expected and
 * actual marked) and where it points, then the whole suite folded. */
static void tests_evidence(struct sc_buf *out,
                           const struct sc_html_options *opts,
                           const struct sc_results *r,
                           const struct sc_kata_result *kata) {
  const struct sc_gate_result *gate = &kata->gates[SC_GATE_TESTS];
  size_t passed = 0;
  for (size_t i = 0; i < gate->test_count; i++)
    passed += gate->tests[i].status == SC_STATUS_PASS;
  if (passed == gate->test_count)
    return;
  sc_buf_printf(out,
                "<h3>Failing tests <span class=\"muted\">(%zu of %zu)"
                "</span></h3>\n",
                gate->test_count - passed, gate->test_count);
  size_t shown = 0;
  for (size_t i = 0; i < gate->test_count; i++) {
    const struct sc_test_result *t = &gate->tests[i];
    if (t->status == SC_STATUS_PASS)
      continue;
    if (shown++ == MAX_TESTS_OPEN)
      sc_buf_printf(out, "<details><summary>%zu more failing tests</summary>\n",
                    gate->test_count - passed - MAX_TESTS_OPEN);
    sc_buf_puts(out, "<div class=\"evidence\" data-test=\"");
    sc_html_escape(out, t->name);
    sc_buf_puts(out, "\"><h4>");
    put_badge(out, t->status);
    sc_buf_puts(out, " <code>");
    sc_html_escape(out, t->name);
    sc_buf_puts(out, "</code></h4>\n<pre>");
    put_message(out, t->message ? t->message : "(no message)");
    sc_buf_puts(out, "</pre>\n<p class=\"repro\">Alone: ");
    put_repro(out, r, kata->id, SC_GATE_TESTS, t->name);
    sc_buf_puts(out, "</p>\n");
    const struct sc_location *where = sc_report_test_location(gate, t->name);
    if (where != NULL)
      put_location(out, opts, where);
    sc_buf_puts(out, "</div>\n");
  }
  if (shown > MAX_TESTS_OPEN)
    sc_buf_puts(out, "</details>\n");
  sc_buf_printf(out,
                "<details><summary>All %zu tests of the suite</summary>\n"
                "<table><thead><tr><th>test</th><th>result</th></tr></thead>"
                "<tbody>\n",
                gate->test_count);
  for (size_t i = 0; i < gate->test_count; i++) {
    sc_buf_puts(out, "<tr><td><code>");
    sc_html_escape(out, gate->tests[i].name);
    sc_buf_puts(out, "</code></td><td>");
    put_badge(out, gate->tests[i].status);
    sc_buf_puts(out, "</td></tr>\n");
  }
  sc_buf_puts(out, "</tbody></table></details>\n");
}

/* What valgrind's kind of error means, in words. */
static const char *problem_kind(const char *kind, size_t len) {
  static const char *const names[][2] = {
      {"Leak_DefinitelyLost", "definitely lost"},
      {"Leak_IndirectlyLost", "indirectly lost"},
      {"Leak_PossiblyLost", "possibly lost"},
      {"Leak_StillReachable", "still reachable"},
      {"InvalidRead", "invalid read"},
      {"InvalidWrite", "invalid write"},
      {"InvalidFree", "invalid free"},
      {"MismatchedFree", "mismatched free"},
      {"UninitCondition", "uninitialised value in a condition"},
      {"UninitValue", "uninitialised value"},
      {"SyscallParam", "bad system call argument"},
      {"Overlap", "overlapping copy"}};
  for (size_t i = 0; i < SC_ARRAY_SIZE(names); i++)
    if (strlen(names[i][0]) == len && strncmp(names[i][0], kind, len) == 0)
      return names[i][1];
  return NULL;
}

/* The number of bytes a valgrind message names ("16 bytes in 1 blocks"),
 * or 0. */
static unsigned long long message_bytes(const char *message) {
  for (const char *p = message; p != NULL && *p; p++) {
    if (!isdigit((unsigned char)*p) ||
        (p > message && isdigit((unsigned char)p[-1])))
      continue;
    char *end = NULL;
    unsigned long long n = strtoull(p, &end, 10);
    while (*end == ',' && isdigit((unsigned char)end[1]))
      n = n * 1000 + strtoull(end + 1, &end, 10);
    if (strncmp(end, " bytes", 6) == 0)
      return n;
  }
  return 0;
}

/* The memcheck gate: each problem with its kind, bytes and the learner's
 * line in context. */
static void memcheck_evidence(struct sc_buf *out,
                              const struct sc_html_options *opts,
                              const struct sc_results *r,
                              const struct sc_kata_result *kata) {
  const struct sc_gate_result *gate = &kata->gates[SC_GATE_MEMCHECK];
  if (gate->location_count == 0)
    return;
  sc_buf_printf(out,
                "<h3>Memory problems <span class=\"muted\">(%zu)"
                "</span></h3>\n<p class=\"repro\">Under valgrind: ",
                gate->location_count);
  put_repro(out, r, kata->id, SC_GATE_MEMCHECK, NULL);
  sc_buf_puts(out, "</p>\n");
  for (size_t i = 0; i < gate->location_count; i++) {
    const struct sc_location *l = &gate->locations[i];
    const char *msg = l->message ? l->message : "";
    size_t kind_len = strcspn(msg, ":");
    const char *kind = problem_kind(msg, kind_len);
    unsigned long long bytes = message_bytes(msg);
    sc_buf_puts(out, "<div class=\"evidence\"><h4>");
    if (kind != NULL)
      sc_buf_puts(out, kind);
    else
      sc_html_escape_n(out, msg, kind_len);
    if (bytes > 0)
      sc_buf_printf(out, " <span class=\"muted\">\xc2\xb7 %llu bytes</span>",
                    bytes);
    sc_buf_puts(out, "</h4>\n<p class=\"mono\">");
    sc_html_escape(out, msg);
    sc_buf_puts(out, "</p>\n");
    put_location(out, opts, l);
    sc_buf_puts(out, "</div>\n");
  }
}

/* The timing gate: each threshold's measured ratio against its bounds, as
 * numbers and as a bar, then the figures the ratios come from. */
static void timing_evidence(struct sc_buf *out,
                            const struct sc_gate_result *gate) {
  if (gate->threshold_count > 0)
    sc_buf_puts(out, "<h3>Timing thresholds</h3>\n<table><thead><tr>"
                     "<th>threshold</th><th class=\"num\">measured</th>"
                     "<th class=\"num\">bound</th><th>result</th>"
                     "<th>against its bound</th></tr></thead><tbody>\n");
  for (size_t i = 0; i < gate->threshold_count; i++) {
    const struct sc_threshold_result *t = &gate->thresholds[i];
    sc_buf_puts(out, "<tr><td><strong>");
    sc_html_escape(out, t->name);
    sc_buf_puts(out, "</strong>");
    if (t->explain != NULL) {
      sc_buf_puts(out, "<br><span class=\"muted\">");
      sc_html_escape(out, t->explain);
      sc_buf_puts(out, "</span>");
    }
    sc_buf_puts(out, "</td><td class=\"num\">");
    put_number(out, t->ratio);
    sc_buf_puts(out, "</td><td class=\"num\">");
    if (t->min > 0) {
      sc_buf_puts(out, "\xe2\x89\xa5 ");
      put_number(out, t->min);
    }
    if (t->max > 0) {
      sc_buf_puts(out, t->min > 0 ? ", \xe2\x89\xa4 " : "\xe2\x89\xa4 ");
      put_number(out, t->max);
    }
    sc_buf_puts(out, "</td><td>");
    put_badge(out, t->status);
    sc_buf_puts(out, "</td><td class=\"plot\">");
    double hi = t->ratio > t->max ? t->ratio : t->max;
    hi = (hi > t->min ? hi : t->min) * (t->max > 0 ? 1.25 : 1.6);
    bound_bar(out, t->ratio, t->min, t->max, hi, t->status, t->name);
    sc_buf_puts(out, "</td></tr>\n");
  }
  if (gate->threshold_count > 0)
    sc_buf_puts(out, "</tbody></table>\n");
  if (gate->figure_count == 0)
    return;
  sc_buf_printf(out,
                "<details><summary>The %zu figures measured</summary>\n"
                "<table><thead><tr><th>figure</th><th class=\"num\">value"
                "</th><th>unit</th></tr></thead><tbody>\n",
                gate->figure_count);
  for (size_t i = 0; i < gate->figure_count; i++) {
    const struct sc_figure_result *f = &gate->figures[i];
    sc_buf_puts(out, "<tr><td><code>");
    sc_html_escape(out, f->name);
    sc_buf_puts(out, "</code></td><td class=\"num\">");
    if (f->measured)
      put_figure(out, f->value);
    else
      sc_buf_puts(out, "not measured");
    sc_buf_puts(out, "</td><td>");
    sc_html_escape(out, f->unit);
    sc_buf_puts(out, "</td></tr>\n");
  }
  sc_buf_puts(out, "</tbody></table></details>\n");
}

/* The level the coverage gate's message says a figure needs ("lines
 * 85.0% (needs 90%)": the figure "line coverage" needs 90), or 0. */
static double coverage_needed(const char *message, const char *figure) {
  size_t stem = strcspn(figure, " ");
  for (const char *p = message; p != NULL && (p = strstr(p, "needs ")); p++) {
    const char *start = p; /* back to the start of this clause */
    while (start > message && start[-1] != ',' && start[-1] != ';' &&
           start[-1] != '\n')
      start--;
    start += strspn(start, " ");
    if (strncmp(start, figure, stem) == 0)
      return strtod(p + 6, NULL);
  }
  return 0;
}

/* The lines a coverage message names, as they are collected. */
struct line_set {
  unsigned *lines;
  size_t count, cap;
};

/* Adds the lines of "12, 15-18, 40" (read up to the first word that is not
 * a number) from s[0..len) to *set. */
static void add_line_list(struct line_set *set, const char *s, size_t len) {
  const char *end = s + len;
  while (s < end) {
    char *next = NULL;
    unsigned long a = strtoul(s, &next, 10), b = a;
    if (next == s || next > end)
      break;
    if (*next == '-')
      b = strtoul(next + 1, &next, 10);
    for (unsigned long l = a; l <= b && l - a < 100000; l++) {
      if (set->count == set->cap)
        set->lines =
            sc_xrealloc(set->lines, (set->cap = set->cap ? 2 * set->cap : 16) *
                                        sizeof(*set->lines));
      set->lines[set->count++] = (unsigned)l;
    }
    s = next + strspn(next, ", ");
  }
}

static int compare_lines(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return (x > y) - (x < y);
}

/* Where the word "line" or "lines" starts in s[0..len), NULL if nowhere: a
 * function's name ("newline()", "line()") is not the word. */
static const char *find_line_word(const char *s, size_t len) {
  for (const char *p = s; p + 5 <= s + len; p++) {
    if (strncmp(p, "line", 4) != 0 || (p > s && p[-1] != ' ' && p[-1] != '('))
      continue;
    if (p[4] == ' ' || (p[4] == 's' && p + 6 <= s + len && p[5] == ' '))
      return p;
  }
  return NULL;
}

/* One file of the coverage gate's message: "- PATH: PLACE; PLACE", each
 * place naming its lines ("clamp(), lines 5, 8 not run"), or the older
 * "- PATH, lines not run: LIST" that results files from earlier versions
 * still hold. Shows the places, and the lines they name quoted and
 * marked. */
static void coverage_file(struct sc_buf *out,
                          const struct sc_html_options *opts, const char *line,
                          size_t len) {
  static const char old_sep[] = ", lines not run: ";
  const char *end = line + len;
  const char *at = strstr(line, old_sep);
  const char *places;
  int old = at != NULL && at < end;
  if (old) {
    places = at + strlen(old_sep);
  } else {
    at = memmem(line, len, ": ", 2);
    if (at == NULL)
      return;
    places = at + 2;
  }
  char *file = sc_xasprintf("%.*s", (int)(at - line - 2), line + 2);
  struct line_set set = {0};
  for (const char *p = places; p < end;) {
    const char *stop = memmem(p, (size_t)(end - p), "; ", 2);
    size_t place_len = (size_t)((stop ? stop : end) - p);
    const char *word = old ? p : find_line_word(p, place_len);
    if (word != NULL) {
      word += old ? 0 : strcspn(word, " ");
      add_line_list(&set, word + strspn(word, " "),
                    place_len - (size_t)(word - p));
    }
    p += place_len + (stop ? 2 : 0);
  }
  if (set.count > 0)
    qsort(set.lines, set.count, sizeof(*set.lines), compare_lines);
  sc_buf_puts(out, "<div class=\"evidence\"><p class=\"where mono\">");
  sc_html_escape(out, file);
  sc_buf_puts(out, "</p><p>");
  if (old)
    sc_buf_printf(out, "%zu line%s not run: ", set.count,
                  set.count == 1 ? "" : "s");
  sc_buf_puts(out, "<span class=\"mono\">");
  sc_html_escape_n(out, places, (size_t)(end - places));
  sc_buf_puts(out, "</span></p>\n");
  struct text_lines tl;
  if (set.count > 0 && lines_load(opts, file, &tl) == 0) {
    size_t shown =
        set.count < MAX_UNCOVERED_QUOTED ? set.count : MAX_UNCOVERED_QUOTED;
    quote(out, &tl, set.lines, shown, 1);
    if (shown < set.count)
      sc_buf_printf(out, "<p class=\"muted\">and %zu more lines to test</p>\n",
                    set.count - shown);
    lines_free(&tl);
  }
  sc_buf_puts(out, "</div>\n");
  free(set.lines);
  free(file);
}

/* The coverage gate: each figure against its level, then every file with the
 * places where the tests fall short. */
static void coverage_evidence(struct sc_buf *out,
                              const struct sc_html_options *opts,
                              const struct sc_gate_result *gate) {
  if (gate->figure_count == 0)
    return;
  sc_buf_puts(out, "<h3>Coverage</h3>\n<table><thead><tr><th>figure</th>"
                   "<th class=\"num\">measured</th><th class=\"num\">needs"
                   "</th><th>against its level</th></tr></thead><tbody>\n");
  for (size_t i = 0; i < gate->figure_count; i++) {
    const struct sc_figure_result *f = &gate->figures[i];
    double need = coverage_needed(gate->message, f->name);
    enum sc_status st = f->value >= need ? SC_STATUS_PASS : SC_STATUS_FAIL;
    sc_buf_puts(out, "<tr><td>");
    sc_html_escape(out, f->name);
    sc_buf_puts(out, "</td><td class=\"num\">");
    sc_buf_printf(out, "%.1f%%</td><td class=\"num\">", f->value);
    if (need > 0) {
      put_number(out, need);
      sc_buf_puts(out, "%");
    }
    sc_buf_puts(out, "</td><td class=\"plot\">");
    bound_bar(out, f->value, need, 0, 100, st, f->name);
    sc_buf_puts(out, "</td></tr>\n");
  }
  sc_buf_puts(out, "</tbody></table>\n");
  int heading = 0;
  for (const char *p = gate->message ? gate->message : ""; *p;) {
    size_t len = strcspn(p, "\n");
    if (strncmp(p, "- ", 2) == 0 && memmem(p, len, ": ", 2) != NULL) {
      if (!heading++)
        sc_buf_puts(out, "<h4>Where the tests fall short</h4>\n");
      coverage_file(out, opts, p, len);
    }
    p += len + (p[len] == '\n');
  }
}

/* The strict gate: each warning at its line, then the gate's report (the
 * sanitizers' findings) when it failed. */
static void strict_evidence(struct sc_buf *out,
                            const struct sc_html_options *opts,
                            const struct sc_gate_result *gate) {
  if (gate->location_count > 0)
    sc_buf_printf(out, "<h3>Warnings <span class=\"muted\">(%zu)</span></h3>\n",
                  gate->location_count);
  for (size_t i = 0; i < gate->location_count; i++) {
    const struct sc_location *l = &gate->locations[i];
    sc_buf_puts(out, "<div class=\"evidence\"><h4 class=\"mono\">");
    sc_html_escape(out, l->message);
    sc_buf_puts(out, "</h4>\n");
    put_location(out, opts, l);
    sc_buf_puts(out, "</div>\n");
  }
}

/* Appends the gate's whole message when it says more than its first line
 * and no evidence section above already shows it: open when nothing else
 * on the page shows why the gate failed (a sanitizer's report), folded
 * when its locations are already quoted. */
static void gate_message(struct sc_buf *out, const struct sc_gate_result *gate,
                         unsigned g) {
  const char *m = gate->message;
  if (m == NULL || strchr(m, '\n') == NULL || gate->status == SC_STATUS_PASS ||
      gate->status == SC_STATUS_SKIP || g == SC_GATE_TESTS ||
      g == SC_GATE_COVERAGE || g == SC_GATE_TIMING)
    return;
  sc_buf_printf(out,
                "<details%s><summary>The %s gate's whole report</summary>\n"
                "<pre>",
                gate->location_count == 0 ? " open" : "", gate_short[g]);
  put_message(out, m);
  sc_buf_puts(out, "</pre></details>\n");
}

/* ------------------------------------------------------------------ */
/* The learner's writing                                               */
/* ------------------------------------------------------------------ */

/* The loop's phases, as the notes are asked to name them. */
static const char *const phases[] = {"timers", "pending", "idle", "prepare",
                                     "poll",   "check",   "close"};

/* How often text names a phase: the phase's word, or the word without its
 * final 's', or with one (timer, timers; check, checks), in any case, as a
 * whole word. */
static unsigned count_mentions(const char *text, const char *phase) {
  size_t len = strlen(phase);
  if (phase[len - 1] == 's')
    len--; /* "timers": "timer" and "timers" both count */
  unsigned n = 0;
  for (const char *p = text; *p; p++) {
    if (p > text && isalpha((unsigned char)p[-1]))
      continue;
    if (strncasecmp(p, phase, len) != 0)
      continue;
    const char *end = p + len;
    if (tolower((unsigned char)*end) == 's')
      end++;
    if (!isalpha((unsigned char)*end))
      n++;
  }
  return n;
}

/* Appends which loop phases the notes name and how often. */
static void phase_table(struct sc_buf *out, const char *text) {
  unsigned named = 0, counts[SC_ARRAY_SIZE(phases)];
  for (size_t i = 0; i < SC_ARRAY_SIZE(phases); i++)
    named += (counts[i] = count_mentions(text, phases[i])) > 0;
  sc_buf_printf(out,
                "<p>The notes name <strong>%u of %zu</strong> loop phases."
                "</p>\n<table class=\"phases\"><thead><tr>",
                named, SC_ARRAY_SIZE(phases));
  for (size_t i = 0; i < SC_ARRAY_SIZE(phases); i++)
    sc_buf_printf(out, "<th class=\"num\">%s</th>", phases[i]);
  sc_buf_puts(out, "</tr></thead><tbody><tr>");
  for (size_t i = 0; i < SC_ARRAY_SIZE(phases); i++)
    sc_buf_printf(
        out, "<td class=\"num %s\">%s %u</td>", counts[i] ? "pass" : "fail",
        status_mark(counts[i] ? SC_STATUS_PASS : SC_STATUS_FAIL), counts[i]);
  sc_buf_puts(out, "</tr></tbody></table>\n");
}

/* One piece of writing: what the grader found, then the text rendered
 * from the learner's file when the repository has it. */
static void writing_entry(struct sc_buf *out, const struct sc_results *r,
                          const struct sc_kata_result *kata,
                          const struct sc_writing_result *w,
                          const struct sc_html_options *opts) {
  int solutions = r->source != NULL && strcmp(r->source, "solutions") == 0;
  char *rel = sc_xasprintf("%s/%s/%s", solutions ? "solutions" : "katas",
                           kata->id, w->file);
  int long_enough = w->present && w->words >= w->min_words;
  sc_buf_puts(out, "<div class=\"evidence\"><h4><code>");
  sc_html_escape(out, w->file);
  sc_buf_puts(out, "</code> ");
  /* Prose is never scored: the badge says what was found, not a verdict
   * of the gates'. */
  sc_buf_printf(out, "<span class=\"badge %s\">%s</span>",
                long_enough ? "written" : "note",
                long_enough  ? "\xe2\x9c\x93 written"
                : w->present ? "too short"
                             : "missing");
  sc_buf_puts(out, "</h4>\n<p>");
  if (w->present)
    sc_buf_printf(out, "Written: <strong>%u words</strong>", w->words);
  else
    sc_buf_puts(out, "<strong>Not written</strong>");
  if (w->min_words > 0)
    sc_buf_printf(out, "; the kata asks for at least %u%s", w->min_words,
                  w->present && !long_enough ? ": too short" : "");
  sc_buf_puts(out, ".");
  if (w->about != NULL) {
    sc_buf_puts(out, " About: <em>");
    sc_html_escape(out, w->about);
    sc_buf_puts(out, "</em>.");
  }
  sc_buf_puts(out, " Never scored: shown for the mentor.</p>\n");
  char *text = NULL;
  if (read_repo_file(opts, rel, &text) == 0) {
    if (strcmp(w->file, "NOTES.md") == 0)
      phase_table(out, text);
    sc_buf_puts(out, "<div class=\"prose\">\n");
    sc_html_markdown(out, text);
    sc_buf_puts(out, "</div>\n");
  } else if (w->present) {
    sc_buf_puts(out, "<p class=\"muted\">(<code>");
    sc_html_escape(out, rel);
    sc_buf_puts(out, "</code> is not in the repository this page was made "
                     "from: give the learner's clone with --repo DIR to "
                     "read it here)</p>\n");
  }
  sc_buf_puts(out, "</div>\n");
  free(text);
  free(rel);
}

/* ------------------------------------------------------------------ */
/* The page                                                            */
/* ------------------------------------------------------------------ */

/* The gates of a kata as a table: result, points, first line of what
 * happened. */
static void gate_table(struct sc_buf *out, const struct sc_kata_result *kata) {
  sc_buf_puts(out, "<table class=\"gates\"><thead><tr><th>gate</th>"
                   "<th>result</th><th class=\"num\">points</th>"
                   "<th>what happened</th></tr></thead><tbody>\n");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct sc_gate_result *gate = &kata->gates[g];
    sc_buf_printf(out, "<tr data-gate=\"%s\"><td><strong>%s</strong></td><td>",
                  gate_short[g], gate_short[g]);
    put_badge(out, gate->status);
    sc_buf_printf(out, "</td><td class=\"num\">%u/%u</td><td>", gate->score,
                  gate->max_score);
    put_first_line(out, gate->message);
    sc_buf_puts(out, "</td></tr>\n");
  }
  sc_buf_puts(out, "</tbody></table>\n");
}

/* One kata's section: its gates, the evidence of each, its writing. */
static void kata_section(struct sc_buf *out, const struct sc_results *r,
                         const struct sc_kata_result *kata,
                         const struct sc_html_options *opts) {
  sc_buf_puts(out, "<section class=\"card\" id=\"kata-");
  put_id(out, kata->id);
  sc_buf_puts(out, "\">\n<div class=\"head\"><div><h2>");
  sc_html_escape(out, kata->id);
  sc_buf_puts(out, "</h2><p class=\"muted\">");
  sc_html_escape(out, kata->title);
  sc_buf_printf(out,
                " \xc2\xb7 week %u</p></div>\n<div class=\"score\">%u"
                "<small>/%u</small> ",
                kata->week, kata->score, kata->max_score);
  put_badge(out, kata->status);
  sc_buf_puts(out, "</div></div>\n");
  if (kata->error != NULL) {
    sc_buf_puts(out,
                "<div class=\"banner warn\"><strong>Not graded:</strong> ");
    sc_html_escape(out, kata->error);
    sc_buf_puts(out, "</div>\n");
  }
  gate_table(out, kata);
  if (kata->first_try != NULL) {
    /* Did the learner predict, or copy what a run showed? Never scored. */
    sc_buf_puts(out, "<p class=\"first-try\"><strong>First try of ");
    sc_html_escape(out, kata->first_try->file);
    sc_buf_printf(out, ":</strong> %u of %u right (", kata->first_try->right,
                  kata->first_try->of);
    sc_html_escape(out, kata->first_try->how);
    sc_buf_puts(out, "). Shown to mentors, never scored.</p>\n");
  }
  const struct sc_gate_result *gates = kata->gates;
  repro_block(out, r, kata);
  tests_evidence(out, opts, r, kata);
  memcheck_evidence(out, opts, r, kata);
  timing_evidence(out, &gates[SC_GATE_TIMING]);
  coverage_evidence(out, opts, &gates[SC_GATE_COVERAGE]);
  strict_evidence(out, opts, &gates[SC_GATE_STRICT]);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    gate_message(out, &gates[g], g);
  if (kata->writing_count > 0)
    sc_buf_puts(out, "<h3>The learner's writing</h3>\n");
  for (size_t i = 0; i < kata->writing_count; i++)
    writing_entry(out, r, kata, &kata->writing[i], opts);
  sc_buf_puts(out, "</section>\n");
}

/* Appends the table of the protected files that differ. */
static void findings_table(struct sc_buf *out, const struct sc_results *r) {
  sc_buf_puts(out, "<table><thead><tr><th>file</th><th>change</th></tr>"
                   "</thead><tbody>\n");
  for (size_t i = 0; i < r->finding_count; i++) {
    sc_buf_puts(out, "<tr><td class=\"mono\">");
    sc_html_escape(out, r->findings[i].path);
    sc_buf_puts(out, "</td><td>");
    sc_html_escape(out, r->findings[i].change);
    sc_buf_puts(out, "</td></tr>\n");
  }
  sc_buf_puts(out, "</tbody></table>\n");
}

/* Integrity first: whether the results are official (graded against a
 * trusted ref) and which protected files changed. What a change means
 * depends on the kind of run, so each kind says its own truth: under a
 * trusted ref the protected files come from the ref and a change cannot
 * count; without one the learner's own copies graded the code, so a
 * weakened test or a raised threshold did count. */
static void integrity(struct sc_buf *out, const struct sc_results *r) {
  const char *ref = r->trusted_ref ? r->trusted_ref : "(unnamed)";
  size_t n = r->finding_count;
  if (r->official && n > 0) {
    sc_buf_printf(out,
                  "<div class=\"banner alert\" id=\"integrity\" "
                  "role=\"alert\"><strong>\xe2\x9a\xa0 Integrity: %zu "
                  "protected file%s changed.</strong> Official run: the "
                  "tests, thresholds and grader came from the trusted ref ",
                  n, n == 1 ? "" : "s");
    sc_html_escape(out, ref);
    sc_buf_puts(out, ", so these changes do not count in the score. The "
                     "learner may change only a kata's editable files and "
                     "notes: look at them.\n");
    findings_table(out, r);
    sc_buf_puts(out, "</div>\n");
  } else if (r->official) {
    sc_buf_puts(out, "<div class=\"banner ok\" id=\"integrity\">"
                     "<strong>Official.</strong> Graded with the tests, "
                     "thresholds and grader of the trusted ref ");
    sc_html_escape(out, ref);
    sc_buf_puts(out, "; no protected file changed.</div>\n");
  } else if (n > 0) {
    sc_buf_printf(out,
                  "<div class=\"banner alert\" id=\"integrity\" "
                  "role=\"alert\"><strong>\xe2\x9a\xa0 Unofficial, and "
                  "%zu protected file%s changed: they count in this "
                  "score.</strong> Without a trusted ref the learner's own "
                  "copies of the tests, thresholds and grader graded the "
                  "code, so a weakened test or a raised threshold raised the "
                  "score. Compare it with nobody's until it is graded "
                  "against a trusted ref (grade --trusted-ref REF, or "
                  "grade --repo REPO from a mentor's checkout).\n",
                  n, n == 1 ? "" : "s");
    findings_table(out, r);
    sc_buf_puts(out, "</div>\n");
  } else {
    sc_buf_puts(out, "<div class=\"banner warn\" id=\"integrity\">"
                     "<strong>Unofficial.</strong> ");
    if (r->source != NULL && strcmp(r->source, "solutions") == 0)
      sc_buf_puts(out, "The reference solutions, graded ");
    else
      sc_buf_puts(out, "Graded ");
    sc_buf_puts(out, "without a trusted ref (--trusted-ref): the tests, "
                     "thresholds and grader were this checkout's own copies. "
                     "No protected file differed from the commit they were "
                     "compared with, so nothing seen raised the score; CI's "
                     "grading of the pull request is the official "
                     "one.</div>\n");
  }
}

/* The page's head: whose results, the score, the level, the chart. */
static void summary(struct sc_buf *out, const struct sc_results *r,
                    const struct sc_html_options *opts) {
  sc_buf_puts(out, "<header class=\"card\"><div class=\"head\"><div>"
                   "<p class=\"muted\">senior-check \xc2\xb7 mentor's view</p>"
                   "<h1>");
  sc_html_escape(out, opts->name ? opts->name : "Results");
  sc_buf_printf(out,
                "</h1><p class=\"muted\">%zu kata%s graded from the %s "
                "files",
                r->count, r->count == 1 ? "" : "s",
                r->source ? r->source : "learner");
  if (opts->results_path != NULL) {
    sc_buf_puts(out, " \xc2\xb7 <span class=\"mono\">");
    sc_html_escape(out, opts->results_path);
    sc_buf_puts(out, "</span>");
  }
  sc_buf_printf(out,
                "</p></div><div><div class=\"score\">%u<small>/%u "
                "(%.0f%%)</small></div><div class=\"level\">level: ",
                r->score, r->max_score, percent_of(r));
  sc_html_escape(out, r->level ? r->level : "?");
  sc_buf_puts(out, "</div></div></div>\n<nav><ul>");
  for (size_t k = 0; k < r->count; k++) {
    sc_buf_puts(out, "<li><a href=\"#kata-");
    put_id(out, r->katas[k].id);
    sc_buf_puts(out, "\">");
    sc_html_escape(out, r->katas[k].id);
    sc_buf_printf(out, "</a> <span class=\"%s\">%s %u/%u</span></li>",
                  sc_status_name(r->katas[k].status),
                  status_mark(r->katas[k].status), r->katas[k].score,
                  r->katas[k].max_score);
  }
  sc_buf_puts(out, "</ul></nav></header>\n");
}

void sc_report_html_render(const struct sc_results *results,
                           const struct sc_html_options *opts,
                           struct sc_buf *out) {
  static const struct sc_html_options none = {0};
  if (opts == NULL)
    opts = &none;
  char *title = sc_xasprintf("senior-check: %s, %u/%u",
                             opts->name ? opts->name : "results",
                             results->score, results->max_score);
  sc_html_begin(out, title, 0);
  free(title);
  summary(out, results, opts);
  integrity(out, results);
  sc_buf_puts(out, "<section class=\"card\"><h2>Points by kata and gate</h2>"
                   "<div class=\"legend\">");
  for (int s = SC_STATUS_PASS; s <= SC_STATUS_ERROR; s++)
    sc_buf_printf(out,
                  "<span><span class=\"sw\" style=\"background:%s\">"
                  "</span>%s %s</span>",
                  status_soft((enum sc_status)s),
                  status_mark((enum sc_status)s),
                  sc_status_name((enum sc_status)s));
  sc_buf_puts(out, "<span>the shaded part of a cell is the share of its "
                   "points earned</span></div>\n");
  overview_chart(out, results);
  sc_buf_puts(out, "</section>\n");
  if (opts->history_count > 0) {
    sc_buf_printf(out,
                  "<section class=\"card\" id=\"history\"><h2>The score "
                  "over time</h2><p class=\"muted\">%zu earlier "
                  "result%s, then this one; in percent of the maximum, "
                  "since the katas graded may differ.</p>\n",
                  opts->history_count, opts->history_count == 1 ? "" : "s");
    history_chart(out, results, opts);
    sc_buf_puts(out, "</section>\n");
  }
  for (size_t k = 0; k < results->count; k++)
    kata_section(out, results, &results->katas[k], opts);
  sc_html_end(out);
}

int sc_report_html_write_with(const struct sc_results *results,
                              const struct sc_html_options *opts,
                              const char *path) {
  struct sc_buf page = {0};
  sc_report_html_render(results, opts, &page);
  int err = sc_html_save(page.data, page.len, path);
  sc_buf_free(&page);
  return err;
}

int sc_report_html_write(const struct sc_results *results, const char *path) {
  const char *repo = getenv("SENIOR_CHECK_WORKTREE");
  if (repo == NULL || *repo == '\0')
    repo = getenv("SENIOR_CHECK_ROOT");
  if (repo == NULL || *repo == '\0')
    repo = ".";
  struct sc_html_options opts = {.repo = repo};
  return sc_report_html_write_with(results, &opts, path);
}
