/* order.h: the contract of kata 11, "Validate at the boundary". Read
 * README.md first.
 *
 * An order arrives as the JSON body of a request. order_from_json() checks
 * the whole body against the schema in README.md, "The order", and only
 * then builds the domain object below: typed, owned, and either complete or
 * untouched. This header is the kata's: you implement order_from_json() in
 * order_from_json.c.
 */
#ifndef SENIOR_ORDER_H
#define SENIOR_ORDER_H

#include <stddef.h>
#include <stdint.h>

enum {
  ORDER_MAX_BODY = 8192, /* bytes of body; a longer one is ORDER_ETOO_LARGE */
  ORDER_MAX_DEPTH = 4,   /* nested arrays and objects, the body's included */
  ORDER_MAX_ITEMS = 16,  /* entries of "items", at least 1 */
  ORDER_MAX_SKU = 12,    /* bytes of a "sku", at least 1: A-Z, 0-9, '-' */
  ORDER_MAX_QUANTITY = 1000, /* a "quantity" is 1 to this */
  ORDER_MAX_NOTE = 140       /* bytes of the optional "note", 0 allowed */
};

/* The currencies an order may be paid in: "EUR", "GBP" or "USD" in the
 * body. */
typedef enum currency {
  CURRENCY_EUR = 1,
  CURRENCY_GBP = 2,
  CURRENCY_USD = 3
} currency_t;

typedef struct order_item {
  char sku[ORDER_MAX_SKU + 1]; /* NUL-terminated */
  uint16_t quantity;           /* 1 to ORDER_MAX_QUANTITY */
} order_item_t;

/* A valid order. It owns `items` and `note`: order_free() releases them. */
typedef struct order {
  uint32_t customer_id; /* 1 to 4294967295 */
  currency_t currency;
  size_t item_count;   /* 1 to ORDER_MAX_ITEMS */
  order_item_t *items; /* item_count entries, from malloc() */
  char *note;          /* NUL-terminated, from malloc(); NULL when absent */
} order_t;

/* The kinds of problem, negative like libuv's errors. README.md, "The
 * order", says which one each invalid body gives. */
typedef enum order_error_kind {
  ORDER_OK = 0,
  ORDER_ETOO_LARGE = -1,      /* the body is longer than ORDER_MAX_BODY */
  ORDER_ETOO_DEEP = -2,       /* nested deeper than ORDER_MAX_DEPTH */
  ORDER_ESYNTAX = -3,         /* not JSON (jansson's parser says why) */
  ORDER_EDUPLICATE_KEY = -4,  /* an object names the same key twice */
  ORDER_EMISSING = -5,        /* a required field is absent */
  ORDER_ETYPE = -6,           /* a value of the wrong JSON type */
  ORDER_ERANGE = -7,          /* a number outside its range */
  ORDER_ELENGTH = -8,         /* a string or a list of the wrong length */
  ORDER_EVALUE = -9,          /* a string the field does not allow */
  ORDER_EUNKNOWN_FIELD = -10, /* a field the schema does not have */
  ORDER_ENOMEM = -11          /* an allocation failed */
} order_error_kind_t;

enum { ORDER_PATH_MAX = 64, ORDER_MESSAGE_MAX = 160 };

/* The first problem found, README.md, "The order of checks", says which is
 * first. `path` is where it is, as a JSON path: "$" for the whole body,
 * "$.currency", "$.items[2].quantity". `message` says what was expected
 * and what came instead: "expected an integer from 1 to 1000, got \"3\"".
 * Both are NUL-terminated, cut to fit when a hostile key is long. */
typedef struct order_error {
  order_error_kind_t kind;
  char path[ORDER_PATH_MAX];
  char message[ORDER_MESSAGE_MAX];
} order_error_t;

/* Checks the JSON body body[0, len) and, if it is a valid order, builds it.
 *
 * On success fills *out (which the caller then releases with order_free()),
 * sets err->kind to ORDER_OK and returns ORDER_OK. On an invalid body
 * returns the negative kind of its first problem and fills *err; *out is
 * then untouched, byte for byte, and nothing stays allocated. body need
 * not be NUL-terminated: nothing is read outside body[0, len). body may be
 * NULL when len is 0. */
int order_from_json(const char *body, size_t len, order_t *out,
                    order_error_t *err);

/* Releases what a valid order owns and empties it. NULL does nothing. */
void order_free(order_t *order);

/* The name of a kind ("ORDER_ETYPE"), or "(not an order error)". Never
 * NULL; static storage. */
const char *order_error_name(int kind);

/* The body's spelling of a currency ("EUR"), or NULL for any other value. */
const char *currency_code(currency_t currency);

#endif
