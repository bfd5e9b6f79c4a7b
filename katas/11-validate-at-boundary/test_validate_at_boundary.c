/* The suite of kata 11, "Validate at the boundary". Read README.md first.
 *
 * Every body is parsed from a copy that ends at the last readable byte of
 * a page, with an unreadable page right after it: code that reads past
 * `len` (a body is not a C string) crashes here instead of reading
 * whatever followed. Valid bodies must build the right order, field by
 * field. Each invalid body must be refused with the kind and the JSON path
 * of its first problem, a message saying what was expected and what came,
 * and the caller's order_t left exactly as it was. The memcheck gate runs
 * the same tests under valgrind, where a document or an order left
 * allocated on any path fails it.
 *
 * Bodies are written with single quotes, which the suite turns into double
 * quotes before parsing, so that a table of them stays readable.
 *
 * Usage: suite [cmocka-filter]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/mman.h>
#include <unistd.h>

#include "order.h"

#define SEE_ORDER "see README: The order"
#define SEE_CHECKS "see README: The order of checks"
#define SEE_ERRORS "see README: Saying what went wrong"
#define SEE_BUILD "see README: Check everything, then build"
#define SEE_TYPES "see README: Reading a value of the right type"
#define SEE_RANGES "see README: Ranges and narrower fields"
#define SEE_LIMITS "see README: Limits before parsing"

/* cmocka 1.1.5 writes only assertion text into its XML report, which is all
 * the grader reads; cm_print_error(), which cmocka exports, writes into the
 * report. So every explanation goes through it. */
void cm_print_error(const char *const format, ...)
    __attribute__((format(printf, 1, 2)));
/* A place in this file. The checking helpers take their caller's and
 * fail there, so that a failure points at the test that called them,
 * where a learner looks, not at a helper many tests share. */
typedef struct place {
  const char *file;
  int line;
} place_t;

#define HERE ((place_t){__FILE__, __LINE__})

#define fail_explained_at(at, ...)                                             \
  do {                                                                         \
    cm_print_error(__VA_ARGS__);                                               \
    cm_print_error("\n");                                                      \
    _fail((at).file, (at).line);                                               \
  } while (0)
#define fail_explained(...) fail_explained_at(HERE, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Bodies at the edge of readable memory
 * ------------------------------------------------------------------------ */

enum { EDGE_CAPACITY = 3 * ORDER_MAX_BODY, BODY_BYTES = 2 * ORDER_MAX_BODY };

typedef struct edge {
  char *map;
  size_t readable;
  size_t total;
} edge_t;

static int setup_edge(void **state) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  edge_t *edge = calloc(1, sizeof(*edge));

  if (edge == NULL)
    return -1;
  edge->readable = (EDGE_CAPACITY + page - 1) / page * page;
  edge->total = edge->readable + page;
  void *map = mmap(NULL, edge->total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) {
    free(edge);
    return -1;
  }
  edge->map = map;
  if (mprotect(edge->map + edge->readable, page, PROT_NONE) != 0) {
    munmap(edge->map, edge->total);
    free(edge);
    return -1;
  }
  *state = edge;
  return 0;
}

static int teardown_edge(void **state) {
  edge_t *edge = *state;

  if (edge != NULL) {
    munmap(edge->map, edge->total);
    free(edge);
  }
  return 0;
}

/* Copies n bytes so that the last one is the last readable byte. */
static const char *at_the_edge(edge_t *edge, const char *bytes, size_t n) {
  assert_true(n <= edge->readable);
  if (n == 0)
    return NULL;
  char *copy = edge->map + edge->readable - n;
  memcpy(copy, bytes, n);
  return copy;
}

/* ------------------------------------------------------------------------
 * Writing bodies
 * ------------------------------------------------------------------------ */

typedef struct body {
  char b[BODY_BYTES];
  size_t n;
} body_t;

static void append(body_t *body, const char *text) {
  size_t n = strlen(text);
  assert_true(body->n + n < BODY_BYTES);
  for (size_t i = 0; i < n; i++)
    body->b[body->n++] = text[i] == '\'' ? '"' : text[i];
  body->b[body->n] = '\0';
}

static void append_repeated(body_t *body, char c, size_t n) {
  assert_true(body->n + n < BODY_BYTES);
  memset(body->b + body->n, c, n);
  body->n += n;
  body->b[body->n] = '\0';
}

/* A body from its single-quoted spelling. */
static body_t json(const char *text) {
  body_t body = {.n = 0};
  append(&body, text);
  return body;
}

#define ITEM "{'sku': 'AB-12', 'quantity': 2}"
#define HEAD "'customer_id': 42, 'currency': 'EUR'"
#define ORDER_WITH(items) "{" HEAD ", 'items': [" items "]}"

/* "{...}", cut after 100 bytes, with the size. */
static const char *shown(const body_t *body) {
  static char text[160];
  if (body->n <= 100)
    snprintf(text, sizeof(text), "%.*s", (int)body->n, body->b);
  else
    snprintf(text, sizeof(text), "%.60s ... %.20s (%zu bytes)", body->b,
             body->b + body->n - 20, body->n);
  for (char *c = text; *c != '\0'; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
      *c = '?';
  return text;
}

/* ------------------------------------------------------------------------
 * Parsing, and saying what went wrong
 * ------------------------------------------------------------------------ */

/* What a refused body must leave in the caller's order: these bytes. */
enum { UNTOUCHED = 0xa5 };

static int parse(void **state, const body_t *body, order_t *out,
                 order_error_t *err) {
  const char *at = at_the_edge(*state, body->b, body->n);

  cm_print_error("body under test: %s (the last byte at the edge of "
                 "readable memory; a crash here is a read past len or a "
                 "NULL from a value of the wrong type)\n",
                 shown(body));
  memset(out, UNTOUCHED, sizeof(*out));
  memset(err, 0, sizeof(*err));
  return order_from_json(at, body->n, out, err);
}

static int untouched(const order_t *order) {
  const unsigned char *bytes = (const unsigned char *)order;
  for (size_t i = 0; i < sizeof(*order); i++)
    if (bytes[i] != UNTOUCHED)
      return 0;
  return 1;
}

/* Why a learner's verdict may be wrong, by what it was and should be. */
static const char *hint(order_error_kind_t want, int got) {
  if (want == ORDER_EMISSING && got == ORDER_OK)
    return "json_object_get() returns NULL for a missing field, and "
           "json_integer_value(NULL) is 0: a missing field became a value. "
           "Check that each required field is there before reading "
           "it\n" SEE_TYPES;
  if (want == ORDER_ETYPE && (got == ORDER_ERANGE || got == ORDER_OK ||
                              got == ORDER_EVALUE || got == ORDER_ELENGTH))
    return "json_integer_value() returns 0 for anything but an integer, and "
           "json_string_value() NULL for anything but a string: check the "
           "type (json_is_integer(), json_is_string()) before reading the "
           "value\n" SEE_TYPES;
  if (want == ORDER_ERANGE && got == ORDER_OK)
    return "the number was accepted: compare it, as a json_int_t, with the "
           "field's range before converting it (a cast to uint16_t turns "
           "65537 into 1)\n" SEE_RANGES;
  if (want == ORDER_ELENGTH && got == ORDER_OK)
    return "a string or a list of the wrong length was accepted: refuse "
           "it; cutting it to fit changes the order behind the client's "
           "back\n" SEE_ORDER;
  if (want == ORDER_EUNKNOWN_FIELD && got == ORDER_OK)
    return "a field the schema does not have was accepted: like zod's "
           ".strict(), refuse it, since the client meant something by "
           "it\n" SEE_ORDER;
  if (want == ORDER_EDUPLICATE_KEY)
    return "two values for one key: which one did the client mean? Parse "
           "with JSON_REJECT_DUPLICATES\n" SEE_LIMITS;
  if (want == ORDER_ETOO_LARGE || want == ORDER_ETOO_DEEP)
    return "a limit checked before parsing: the parser's work (and memory) "
           "must be bounded before the body is believed\n" SEE_LIMITS;
  return SEE_CHECKS;
}

/* One invalid body and the verdict it must get. */
typedef struct refusal {
  const char *what;
  const char *body; /* single-quoted JSON; NULL when built by the test */
  order_error_kind_t kind;
  const char *path;
} refusal_t;

static void expect_refused_at(place_t at, void **state, const char *what,
                              const body_t *body, order_error_kind_t want,
                              const char *path) {
  order_t order;
  order_error_t err;
  int got = parse(state, body, &order, &err);

  if (got != (int)want || strcmp(err.path, path) != 0) {
    if (got == ORDER_OK && !untouched(&order))
      order_free(&order);
    if (got == ORDER_OK)
      fail_explained_at(at,
                        "%s\n"
                        "expected %s at %s\n"
                        "     got ORDER_OK: the body was accepted\n%s",
                        what, order_error_name(want), path, hint(want, got));
    fail_explained_at(at,
                      "%s\n"
                      "expected %s at %s\n"
                      "     got %s at %.*s (message: %.*s)\n%s",
                      what, order_error_name(want), path, order_error_name(got),
                      ORDER_PATH_MAX, err.path, ORDER_MESSAGE_MAX, err.message,
                      hint(want, got));
  }
  if ((int)err.kind != got)
    fail_explained_at(at,
                      "%s\nreturned %s but err->kind is %s: both say the "
                      "same\n" SEE_ERRORS,
                      what, order_error_name(got), order_error_name(err.kind));
  if (strstr(err.message, "expected ") == NULL ||
      strstr(err.message, ", got ") == NULL)
    fail_explained_at(at,
                      "%s\nthe message \"%.*s\" must say what was expected "
                      "and what came: \"expected ..., got ...\"\n" SEE_ERRORS,
                      what, ORDER_MESSAGE_MAX, err.message);
  if (!untouched(&order))
    fail_explained_at(at,
                      "%s\nthe body was refused (%s at %s), but the caller's "
                      "order changed: on an error *out must be untouched, "
                      "byte for byte. Check the whole body first, and build "
                      "the order only when every check passed\n" SEE_BUILD,
                      what, order_error_name(got), path);
}
#define expect_refused(...) expect_refused_at(HERE, __VA_ARGS__)

static void expect_refusals_at(place_t at, void **state, const refusal_t *cases,
                               size_t count) {
  for (size_t i = 0; i < count; i++) {
    body_t body = json(cases[i].body);
    expect_refused_at(at, state, cases[i].what, &body, cases[i].kind,
                      cases[i].path);
  }
}
#define expect_refusals(state, cases)                                          \
  expect_refusals_at(HERE, state, cases, sizeof(cases) / sizeof(cases[0]))

/* Parses a body that must build an order; the caller frees it. */
static void expect_order_at(place_t at, void **state, const char *what,
                            const body_t *body, order_t *order) {
  order_error_t err;
  int got = parse(state, body, order, &err);

  if (got != ORDER_OK)
    fail_explained_at(at,
                      "%s\nexpected ORDER_OK: the body is a valid order\n"
                      "     got %s at %.*s (message: %.*s)\n" SEE_ORDER,
                      what, order_error_name(got), ORDER_PATH_MAX, err.path,
                      ORDER_MESSAGE_MAX, err.message);
  if (err.kind != ORDER_OK)
    fail_explained_at(at,
                      "%s\nreturned ORDER_OK but err->kind is %s\n" SEE_ERRORS,
                      what, order_error_name(err.kind));
}
#define expect_order(...) expect_order_at(HERE, __VA_ARGS__)

static void expect_uint_at(place_t at, const char *field, unsigned long want,
                           unsigned long got, const char *see) {
  if (got != want)
    fail_explained_at(at, "%s: expected %lu, got %lu\n%s", field, want, got,
                      see);
}
#define expect_uint(...) expect_uint_at(HERE, __VA_ARGS__)

static void expect_text_at(place_t at, const char *field, const char *want,
                           const char *got, size_t size, const char *see) {
  if (got == NULL || memchr(got, '\0', size) == NULL || strcmp(want, got) != 0)
    fail_explained_at(
        at, "%s: expected \"%s\" and a NUL after it, got %s%.*s%s\n%s", field,
        want, got ? "\"" : "NULL", got ? 40 : 0, got ? got : "",
        got ? "\"" : "", see);
}
#define expect_text(...) expect_text_at(HERE, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Valid orders
 * ------------------------------------------------------------------------ */

static void test_a_complete_order_builds_every_field(void **state) {
  body_t body = json("{'customer_id': 4200, 'currency': 'GBP', 'items': ["
                     "{'sku': 'TEA-1', 'quantity': 3}, "
                     "{'sku': 'MUG-22', 'quantity': 1}, "
                     "{'sku': '7', 'quantity': 250}], "
                     "'note': 'leave at the door'}");
  order_t order;

  expect_order(state, "a complete order", &body, &order);
  expect_uint("customer_id", 4200, order.customer_id, SEE_ORDER);
  expect_uint("currency", CURRENCY_GBP, order.currency, SEE_ORDER);
  expect_uint("item_count", 3, order.item_count, SEE_ORDER);
  if (order.items == NULL)
    fail_explained("items: expected 3 items, got NULL\n" SEE_BUILD);
  expect_text("items[0].sku", "TEA-1", order.items[0].sku,
              sizeof(order.items[0].sku), SEE_ORDER);
  expect_uint("items[0].quantity", 3, order.items[0].quantity, SEE_ORDER);
  expect_text("items[1].sku", "MUG-22", order.items[1].sku,
              sizeof(order.items[1].sku), SEE_ORDER);
  expect_uint("items[1].quantity", 1, order.items[1].quantity, SEE_ORDER);
  expect_text("items[2].sku", "7", order.items[2].sku,
              sizeof(order.items[2].sku), SEE_ORDER);
  expect_uint("items[2].quantity", 250, order.items[2].quantity, SEE_ORDER);
  expect_text("note", "leave at the door", order.note, ORDER_MAX_NOTE + 1,
              SEE_ORDER);
  order_free(&order);
}

static void test_an_order_without_a_note_has_no_note(void **state) {
  body_t body = json("{'items': [{'quantity': 5, 'sku': 'X'}], "
                     "'currency': 'USD', 'customer_id': 1}");
  order_t order;

  expect_order(state, "an order without a note, fields in another order", &body,
               &order);
  expect_uint("customer_id", 1, order.customer_id, SEE_ORDER);
  expect_uint("currency", CURRENCY_USD, order.currency, SEE_ORDER);
  expect_uint("item_count", 1, order.item_count, SEE_ORDER);
  expect_text("items[0].sku", "X", order.items[0].sku,
              sizeof(order.items[0].sku), SEE_ORDER);
  expect_uint("items[0].quantity", 5, order.items[0].quantity, SEE_ORDER);
  if (order.note != NULL)
    fail_explained(
        "note: expected NULL (the body has no note), got \"%.40s\"\n" SEE_ORDER,
        order.note);
  order_free(&order);
}

static void test_every_boundary_value_is_accepted(void **state) {
  body_t body = json("{'customer_id': 4294967295, 'currency': 'EUR', "
                     "'note': '', 'items': [");
  order_t order;

  for (size_t i = 0; i < ORDER_MAX_ITEMS; i++) {
    append(&body, i > 0 ? ", " : "");
    append(&body, i % 2 ? "{'sku': 'ABCDEFGHIJ-9', 'quantity': 1000}"
                        : "{'sku': '0', 'quantity': 1}");
  }
  append(&body, "]}");
  expect_order(state,
               "the largest customer_id, 16 items, a 12-character sku, "
               "quantities 1 and 1000, an empty note",
               &body, &order);
  expect_uint("customer_id", 4294967295ul, order.customer_id, SEE_RANGES);
  expect_uint("currency", CURRENCY_EUR, order.currency, SEE_ORDER);
  expect_uint("item_count", ORDER_MAX_ITEMS, order.item_count, SEE_ORDER);
  for (size_t i = 0; i < ORDER_MAX_ITEMS; i++) {
    char field[32];
    snprintf(field, sizeof(field), "items[%zu].sku", i);
    expect_text(field, i % 2 ? "ABCDEFGHIJ-9" : "0", order.items[i].sku,
                sizeof(order.items[i].sku), SEE_ORDER);
    snprintf(field, sizeof(field), "items[%zu].quantity", i);
    expect_uint(field, i % 2 ? 1000 : 1, order.items[i].quantity, SEE_RANGES);
  }
  expect_text("note", "", order.note, 1, "an empty note is a note\n" SEE_ORDER);
  order_free(&order);
}

static void
test_a_note_of_140_bytes_and_brackets_in_strings_are_accepted(void **state) {
  char note[ORDER_MAX_NOTE + 1];
  body_t body = json("{" HEAD ", 'items': [" ITEM "], 'note': '");
  order_t order;

  /* Brackets inside a string are text: they do not nest. */
  for (size_t i = 0; i < ORDER_MAX_NOTE; i++)
    note[i] = "[{"[i % 2];
  note[ORDER_MAX_NOTE] = '\0';
  append(&body, note);
  append(&body, "'}");
  expect_order(state, "a note of 140 bytes, every one a bracket", &body,
               &order);
  expect_text("note", note, order.note, ORDER_MAX_NOTE + 1,
              "brackets inside a string do not count as nesting\n" SEE_LIMITS);
  order_free(&order);
}

static void test_a_body_of_8192_bytes_is_accepted(void **state) {
  body_t body = json(ORDER_WITH(ITEM));
  order_t order;

  body.n--; /* the closing brace goes after the padding */
  append_repeated(&body, ' ', ORDER_MAX_BODY - body.n - 1);
  append(&body, "}");
  assert_int_equal(body.n, ORDER_MAX_BODY);
  expect_order(state, "an order padded with spaces to exactly 8192 bytes",
               &body, &order);
  expect_uint("customer_id", 42, order.customer_id, SEE_LIMITS);
  order_free(&order);
}

static void test_only_the_first_len_bytes_are_the_body(void **state) {
  body_t body = json(ORDER_WITH(ITEM) "{ and then garbage");
  const char *at = at_the_edge(*state, body.b, body.n);
  size_t len = strlen(ORDER_WITH(ITEM));
  order_t order;
  order_error_t err;

  int got = order_from_json(at, len, &order, &err);
  if (got != ORDER_OK)
    fail_explained("an order followed by bytes after len: expected ORDER_OK, "
                   "got %s at %.*s\nthe body is body[0, len), not a C "
                   "string\n" SEE_LIMITS,
                   order_error_name(got), ORDER_PATH_MAX, err.path);
  order_free(&order);
}

/* ------------------------------------------------------------------------
 * Invalid orders: one problem each
 * ------------------------------------------------------------------------ */

static void test_a_missing_field_is_refused_at_its_path(void **state) {
  static const refusal_t cases[] = {
      {"no customer_id", "{'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_EMISSING, "$.customer_id"},
      {"no currency", "{'customer_id': 42, 'items': [" ITEM "]}",
       ORDER_EMISSING, "$.currency"},
      {"no items", "{" HEAD "}", ORDER_EMISSING, "$.items"},
      {"an item without a sku", ORDER_WITH("{'quantity': 2}"), ORDER_EMISSING,
       "$.items[0].sku"},
      {"the second item without a quantity",
       ORDER_WITH(ITEM ", {'sku': 'AB-13'}"), ORDER_EMISSING,
       "$.items[1].quantity"},
      {"an empty object", "{}", ORDER_EMISSING, "$.customer_id"},
  };
  expect_refusals(state, cases);
}

static void
test_a_value_of_the_wrong_type_is_refused_at_its_path(void **state) {
  static const refusal_t cases[] = {
      {"customer_id as a string",
       "{'customer_id': '42', 'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_ETYPE, "$.customer_id"},
      {"customer_id as a real",
       "{'customer_id': 42.0, 'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_ETYPE, "$.customer_id"},
      {"customer_id null",
       "{'customer_id': null, 'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_ETYPE, "$.customer_id"},
      {"currency as a number",
       "{'customer_id': 42, 'currency': 978, 'items': [" ITEM "]}", ORDER_ETYPE,
       "$.currency"},
      {"currency as a list",
       "{'customer_id': 42, 'currency': ['EUR'], 'items': [" ITEM "]}",
       ORDER_ETYPE, "$.currency"},
      {"items as an object", "{" HEAD ", 'items': " ITEM "}", ORDER_ETYPE,
       "$.items"},
      {"items as a string", "{" HEAD ", 'items': 'AB-12'}", ORDER_ETYPE,
       "$.items"},
      {"an item as a string", ORDER_WITH("'AB-12'"), ORDER_ETYPE, "$.items[0]"},
      {"the third quantity as a string",
       ORDER_WITH(ITEM ", " ITEM ", {'sku': 'AB-14', 'quantity': '3'}"),
       ORDER_ETYPE, "$.items[2].quantity"},
      {"a quantity true", ORDER_WITH("{'sku': 'AB-12', 'quantity': true}"),
       ORDER_ETYPE, "$.items[0].quantity"},
      {"a quantity of 2.5", ORDER_WITH("{'sku': 'AB-12', 'quantity': 2.5}"),
       ORDER_ETYPE, "$.items[0].quantity"},
      {"a sku as a number", ORDER_WITH("{'sku': 12, 'quantity': 2}"),
       ORDER_ETYPE, "$.items[0].sku"},
      {"a sku null", ORDER_WITH("{'sku': null, 'quantity': 2}"), ORDER_ETYPE,
       "$.items[0].sku"},
      {"a note as a number", "{" HEAD ", 'items': [" ITEM "], 'note': 5}",
       ORDER_ETYPE, "$.note"},
      {"a note null: optional is not nullable",
       "{" HEAD ", 'items': [" ITEM "], 'note': null}", ORDER_ETYPE, "$.note"},
      {"a list instead of an order", "[" ITEM "]", ORDER_ETYPE, "$"},
  };
  expect_refusals(state, cases);
}

static void test_a_number_out_of_range_is_refused_at_its_path(void **state) {
  static const refusal_t cases[] = {
      {"customer_id 0",
       "{'customer_id': 0, 'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_ERANGE, "$.customer_id"},
      {"customer_id -1",
       "{'customer_id': -1, 'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_ERANGE, "$.customer_id"},
      {"customer_id 4294967296, which is 0 in 32 bits",
       "{'customer_id': 4294967296, 'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_ERANGE, "$.customer_id"},
      {"customer_id 9223372036854775807",
       "{'customer_id': 9223372036854775807, 'currency': 'EUR', "
       "'items': [" ITEM "]}",
       ORDER_ERANGE, "$.customer_id"},
      {"a quantity of 0", ORDER_WITH("{'sku': 'AB-12', 'quantity': 0}"),
       ORDER_ERANGE, "$.items[0].quantity"},
      {"a quantity of 1001", ORDER_WITH("{'sku': 'AB-12', 'quantity': 1001}"),
       ORDER_ERANGE, "$.items[0].quantity"},
      {"a quantity of -5", ORDER_WITH("{'sku': 'AB-12', 'quantity': -5}"),
       ORDER_ERANGE, "$.items[0].quantity"},
      {"a quantity of 65537, which is 1 in 16 bits",
       ORDER_WITH(ITEM ", {'sku': 'AB-13', 'quantity': 65537}"), ORDER_ERANGE,
       "$.items[1].quantity"},
      {"a quantity of 4294967297, which is 1 in 16 or 32 bits",
       ORDER_WITH("{'sku': 'AB-12', 'quantity': 4294967297}"), ORDER_ERANGE,
       "$.items[0].quantity"},
  };
  expect_refusals(state, cases);
}

static void
test_a_string_of_the_wrong_length_is_refused_at_its_path(void **state) {
  static const refusal_t cases[] = {
      {"an empty sku", ORDER_WITH("{'sku': '', 'quantity': 2}"), ORDER_ELENGTH,
       "$.items[0].sku"},
      {"a sku of 13 characters",
       ORDER_WITH("{'sku': 'ABCDEFGHIJ-91', 'quantity': 2}"), ORDER_ELENGTH,
       "$.items[0].sku"},
      {"a sku of 20 characters",
       ORDER_WITH(ITEM ", {'sku': 'ABCDEFGHIJKLMNOPQRST', 'quantity': 2}"),
       ORDER_ELENGTH, "$.items[1].sku"},
  };
  body_t note = json("{" HEAD ", 'items': [" ITEM "], 'note': '");

  expect_refusals(state, cases);
  append_repeated(&note, 'x', ORDER_MAX_NOTE + 1);
  append(&note, "'}");
  expect_refused(state, "a note of 141 bytes", &note, ORDER_ELENGTH, "$.note");
  note = json("{" HEAD ", 'items': [" ITEM "], 'note': '");
  append_repeated(&note, 'x', 1000);
  append(&note, "'}");
  expect_refused(state, "a note of 1000 bytes", &note, ORDER_ELENGTH, "$.note");
}

static void test_a_value_not_allowed_is_refused_at_its_path(void **state) {
  static const refusal_t cases[] = {
      {"currency 'eur'",
       "{'customer_id': 42, 'currency': 'eur', 'items': [" ITEM "]}",
       ORDER_EVALUE, "$.currency"},
      {"currency 'XYZ'",
       "{'customer_id': 42, 'currency': 'XYZ', 'items': [" ITEM "]}",
       ORDER_EVALUE, "$.currency"},
      {"currency 'EURO'",
       "{'customer_id': 42, 'currency': 'EURO', 'items': [" ITEM "]}",
       ORDER_EVALUE, "$.currency"},
      {"currency ''",
       "{'customer_id': 42, 'currency': '', 'items': [" ITEM "]}", ORDER_EVALUE,
       "$.currency"},
      {"a sku in lower case", ORDER_WITH("{'sku': 'ab-12', 'quantity': 2}"),
       ORDER_EVALUE, "$.items[0].sku"},
      {"a sku with a space", ORDER_WITH("{'sku': 'AB 12', 'quantity': 2}"),
       ORDER_EVALUE, "$.items[0].sku"},
      {"a sku with an underscore",
       ORDER_WITH("{'sku': 'AB_12', 'quantity': 2}"), ORDER_EVALUE,
       "$.items[0].sku"},
  };
  expect_refusals(state, cases);
}

static void test_an_unknown_field_is_refused_like_zod_strict(void **state) {
  static const refusal_t cases[] = {
      {"a discount the schema does not have",
       "{" HEAD ", 'items': [" ITEM "], 'discount': 5}", ORDER_EUNKNOWN_FIELD,
       "$.discount"},
      {"customer_id spelt Customer_id beside the right one",
       "{" HEAD ", 'Customer_id': 43, 'items': [" ITEM "]}",
       ORDER_EUNKNOWN_FIELD, "$.Customer_id"},
      {"an item with a price",
       ORDER_WITH("{'sku': 'AB-12', 'quantity': 2, 'price': 100}"),
       ORDER_EUNKNOWN_FIELD, "$.items[0].price"},
  };
  expect_refusals(state, cases);
}

static void test_the_items_list_holds_1_to_16_items(void **state) {
  body_t many = json("{" HEAD ", 'items': [");

  expect_refusals(state, ((const refusal_t[]){
                             {"an empty items list", ORDER_WITH(""),
                              ORDER_ELENGTH, "$.items"},
                         }));
  for (size_t i = 0; i <= ORDER_MAX_ITEMS; i++) {
    append(&many, i > 0 ? ", " : "");
    append(&many, ITEM);
  }
  append(&many, "]}");
  expect_refused(state, "17 items", &many, ORDER_ELENGTH, "$.items");
}

static void test_a_duplicate_key_is_refused(void **state) {
  static const refusal_t cases[] = {
      {"customer_id twice, the second one another customer",
       "{'customer_id': 42, 'customer_id': 43, 'currency': 'EUR', "
       "'items': [" ITEM "]}",
       ORDER_EDUPLICATE_KEY, "$"},
      {"quantity twice in an item",
       ORDER_WITH("{'sku': 'AB-12', 'quantity': 2, 'quantity': 900}"),
       ORDER_EDUPLICATE_KEY, "$"},
  };
  expect_refusals(state, cases);
}

static void test_what_is_not_json_is_a_syntax_error(void **state) {
  static const refusal_t cases[] = {
      {"a body cut in the middle", "{'customer_id': 42, 'curr", ORDER_ESYNTAX,
       "$"},
      {"a body without its last brace", "{" HEAD ", 'items': [" ITEM "]",
       ORDER_ESYNTAX, "$"},
      {"an order followed by more", ORDER_WITH(ITEM) " {}", ORDER_ESYNTAX, "$"},
      {"a key without quotes", "{customer_id: 42}", ORDER_ESYNTAX, "$"},
      {"a NUL escape in the note",
       "{" HEAD ", 'items': [" ITEM "], 'note': 'a\\u0000b'}", ORDER_ESYNTAX,
       "$"},
      {"a customer_id of 1e400, too big for a double",
       "{'customer_id': 1e400, 'currency': 'EUR', 'items': [" ITEM "]}",
       ORDER_ESYNTAX, "$"},
      {"a quantity of 99999999999999999999, too big for a json_int_t",
       ORDER_WITH("{'sku': 'AB-12', 'quantity': 99999999999999999999}"),
       ORDER_ESYNTAX, "$"},
  };
  body_t empty = {.n = 0};

  expect_refusals(state, cases);
  expect_refused(state, "an empty body", &empty, ORDER_ESYNTAX, "$");
}

static void
test_a_body_above_8192_bytes_is_refused_before_parsing(void **state) {
  body_t body = json(ORDER_WITH(ITEM));

  body.n--;
  append_repeated(&body, ' ', ORDER_MAX_BODY - body.n);
  append(&body, "}");
  assert_int_equal(body.n, ORDER_MAX_BODY + 1);
  expect_refused(state, "a valid order padded with spaces to 8193 bytes", &body,
                 ORDER_ETOO_LARGE, "$");
}

static void test_nesting_deeper_than_4_is_refused_before_parsing(void **state) {
  body_t deep = json("{" HEAD ", 'items': [" ITEM "], 'note': ");
  body_t deepest = {.n = 0};

  append_repeated(&deep, '[', 4);
  append(&deep, "'x'");
  append_repeated(&deep, ']', 4);
  append(&deep, "}");
  expect_refused(state, "a note in 4 nested lists: 5 levels with the order",
                 &deep, ORDER_ETOO_DEEP, "$");
  append_repeated(&deepest, '[', 5000);
  expect_refused(state, "5000 opening brackets", &deepest, ORDER_ETOO_DEEP,
                 "$");
  expect_refusals(state,
                  ((const refusal_t[]){
                      {"a note in 2 nested lists: 3 levels, within the "
                       "limit, so a note of the wrong type",
                       "{" HEAD ", 'items': [" ITEM "], 'note': [['x']]}",
                       ORDER_ETYPE, "$.note"},
                  }));
}

/* ------------------------------------------------------------------------
 * The first problem, and what is said about it
 * ------------------------------------------------------------------------ */

static void test_the_first_problem_is_the_one_reported(void **state) {
  static const refusal_t cases[] = {
      {"no customer_id and a currency 'XYZ': customer_id comes first",
       "{'currency': 'XYZ', 'items': [" ITEM "]}", ORDER_EMISSING,
       "$.customer_id"},
      {"a quantity of 0 and an unknown field before it: known fields first",
       "{'zzz': 1, " HEAD ", 'items': [{'sku': 'AB-12', 'quantity': 0}]}",
       ORDER_ERANGE, "$.items[0].quantity"},
      {"a bad sku in item 1 and a bad quantity in item 0: items in order",
       ORDER_WITH("{'sku': 'AB-12', 'quantity': 0}, {'sku': '?', "
                  "'quantity': 2}"),
       ORDER_ERANGE, "$.items[0].quantity"},
      {"a note of the wrong type and 0 items: items before the note",
       "{" HEAD ", 'items': [], 'note': 5}", ORDER_ELENGTH, "$.items"},
  };
  expect_refusals(state, cases);
}

static void
test_the_message_says_what_was_expected_and_what_came(void **state) {
  body_t body =
      json(ORDER_WITH(ITEM ", " ITEM ", {'sku': 'AB-14', 'quantity': '3'}"));
  const char *want = "expected an integer from 1 to 1000, got \"3\"";
  order_t order;
  order_error_t err;

  int got = parse(state, &body, &order, &err);
  if (got != ORDER_ETYPE || strcmp(err.path, "$.items[2].quantity") != 0 ||
      strcmp(err.message, want) != 0)
    fail_explained("a quantity \"3\" in the third item\n"
                   "expected ORDER_ETYPE at $.items[2].quantity: %s\n"
                   "     got %s at %.*s: %.*s\n" SEE_ERRORS,
                   want, order_error_name(got), ORDER_PATH_MAX, err.path,
                   ORDER_MESSAGE_MAX, err.message);
}

static void
test_a_refused_order_leaves_the_callers_order_untouched(void **state) {
  body_t last_item = json("{" HEAD ", 'note': 'hello', 'items': [");

  for (size_t i = 0; i < ORDER_MAX_ITEMS; i++) {
    append(&last_item, i > 0 ? ", " : "");
    append(&last_item, i + 1 < ORDER_MAX_ITEMS
                           ? ITEM
                           : "{'sku': 'AB-12', 'quantity': 1001}");
  }
  append(&last_item, "]}");
  expect_refused(state, "16 items, the last with a quantity of 1001",
                 &last_item, ORDER_ERANGE, "$.items[15].quantity");
  expect_refusals(
      state, ((const refusal_t[]){
                 {"a valid order but for an unknown field at the end",
                  "{" HEAD ", 'items': [" ITEM ", " ITEM "], 'note': 'hi', "
                  "'coupon': 'FREE'}",
                  ORDER_EUNKNOWN_FIELD, "$.coupon"},
             }));
}

int main(int argc, char **argv) {
  /* One test per line: the grader reads the names from this table. */
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_complete_order_builds_every_field, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_an_order_without_a_note_has_no_note, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_every_boundary_value_is_accepted, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_note_of_140_bytes_and_brackets_in_strings_are_accepted, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_body_of_8192_bytes_is_accepted, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_only_the_first_len_bytes_are_the_body, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_missing_field_is_refused_at_its_path, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_value_of_the_wrong_type_is_refused_at_its_path, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_number_out_of_range_is_refused_at_its_path, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_string_of_the_wrong_length_is_refused_at_its_path, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_value_not_allowed_is_refused_at_its_path, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_an_unknown_field_is_refused_like_zod_strict, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_the_items_list_holds_1_to_16_items, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_duplicate_key_is_refused, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_what_is_not_json_is_a_syntax_error, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_body_above_8192_bytes_is_refused_before_parsing, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_nesting_deeper_than_4_is_refused_before_parsing, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_the_first_problem_is_the_one_reported, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_the_message_says_what_was_expected_and_what_came, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_refused_order_leaves_the_callers_order_untouched, setup_edge, teardown_edge),
  };
  /* clang-format on */

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  return cmocka_run_group_tests_name("11-validate-at-boundary", tests, NULL,
                                     NULL);
}
