/* order_from_json.c: a JSON order body checked whole, then built. */
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"

enum { SHOWN_BYTES = 24 }; /* of a string value quoted in a message */

/* The one way a check reports: the kind, where, and what came. */
static int refuse(order_error_t *err, order_error_kind_t kind, const char *path,
                  const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse(order_error_t *err, order_error_kind_t kind, const char *path,
                  const char *format, ...) {
  va_list ap;

  err->kind = kind;
  snprintf(err->path, sizeof(err->path), "%s", path);
  va_start(ap, format);
  vsnprintf(err->message, sizeof(err->message), format, ap);
  va_end(ap);
  return kind;
}

/* Copies at most `max` bytes of s[0, len) into dst as printable ASCII:
 * the message and the path may be shown anywhere, so a hostile byte
 * becomes '?'. Adds "..." when s was cut. */
static void printable(char *dst, size_t size, const char *s, size_t len,
                      size_t max) {
  size_t n = len < max ? len : max;
  size_t at = 0;

  for (size_t i = 0; i < n && at + 4 < size; i++) {
    unsigned char c = (unsigned char)s[i];
    dst[at++] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char)c : '?';
  }
  if (n < len && at + 4 < size) {
    memcpy(dst + at, "...", 3);
    at += 3;
  }
  dst[at] = '\0';
}

/* What came, for "got ...": a value quoted or named by its type. */
static const char *describe(const json_t *value, char *buf, size_t size) {
  char text[SHOWN_BYTES + 4];

  switch (json_typeof(value)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    printable(text, sizeof(text), json_string_value(value),
              json_string_length(value), SHOWN_BYTES);
    snprintf(buf, size, "\"%s\"", text);
    return buf;
  case JSON_INTEGER:
    snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    return buf;
  case JSON_REAL:
    snprintf(buf, size, "%g", json_real_value(value));
    return buf;
  case JSON_TRUE:
    return "true";
  case JSON_FALSE:
    return "false";
  case JSON_NULL:
    return "null";
  }
  return "an unknown value";
}

/* How deep the arrays and objects of body[0, len) nest, counted up to
 * one past ORDER_MAX_DEPTH without parsing: a bracket inside a string
 * does not count. Run before the parser, so that a body nested a
 * thousand deep costs one pass and no allocation. */
static int nesting_depth(const char *body, size_t len) {
  int depth = 0;
  int deepest = 0;
  int in_string = 0;

  for (size_t i = 0; i < len && deepest <= ORDER_MAX_DEPTH; i++) {
    char c = body[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '[' || c == '{') {
      depth++;
      if (depth > deepest)
        deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/* An integer field from min to max; *value is set only when it is one. */
static int check_integer(const json_t *object, const char *key,
                         const char *path, json_int_t min, json_int_t max,
                         json_int_t *value, order_error_t *err) {
  const json_t *field = json_object_get(object, key);
  char got[64];

  if (field == NULL)
    return refuse(err, ORDER_EMISSING, path,
                  "expected an integer from %" JSON_INTEGER_FORMAT
                  " to %" JSON_INTEGER_FORMAT ", got nothing",
                  min, max);
  if (!json_is_integer(field))
    return refuse(err, ORDER_ETYPE, path,
                  "expected an integer from %" JSON_INTEGER_FORMAT
                  " to %" JSON_INTEGER_FORMAT ", got %s",
                  min, max, describe(field, got, sizeof(got)));
  json_int_t v = json_integer_value(field);
  if (v < min || v > max)
    return refuse(err, ORDER_ERANGE, path,
                  "expected an integer from %" JSON_INTEGER_FORMAT
                  " to %" JSON_INTEGER_FORMAT ", got %" JSON_INTEGER_FORMAT,
                  min, max, v);
  *value = v;
  return ORDER_OK;
}

static int check_currency(const json_t *order, currency_t *currency,
                          order_error_t *err) {
  static const currency_t all[] = {CURRENCY_EUR, CURRENCY_GBP, CURRENCY_USD};
  const json_t *field = json_object_get(order, "currency");
  char got[64];

  if (field == NULL)
    return refuse(err, ORDER_EMISSING, "$.currency",
                  "expected \"EUR\", \"GBP\" or \"USD\", got nothing");
  if (!json_is_string(field))
    return refuse(err, ORDER_ETYPE, "$.currency",
                  "expected \"EUR\", \"GBP\" or \"USD\", got %s",
                  describe(field, got, sizeof(got)));
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    if (strcmp(json_string_value(field), currency_code(all[i])) == 0) {
      *currency = all[i];
      return ORDER_OK;
    }
  }
  return refuse(err, ORDER_EVALUE, "$.currency",
                "expected \"EUR\", \"GBP\" or \"USD\", got %s",
                describe(field, got, sizeof(got)));
}

static int is_sku_byte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

static int check_sku(const json_t *item, const char *item_path,
                     order_error_t *err) {
  const json_t *field = json_object_get(item, "sku");
  char path[ORDER_PATH_MAX];
  char got[64];

  snprintf(path, sizeof(path), "%s.sku", item_path);
  if (field == NULL)
    return refuse(err, ORDER_EMISSING, path,
                  "expected a string of 1 to %d characters, got nothing",
                  ORDER_MAX_SKU);
  if (!json_is_string(field))
    return refuse(err, ORDER_ETYPE, path,
                  "expected a string of 1 to %d characters, got %s",
                  ORDER_MAX_SKU, describe(field, got, sizeof(got)));
  size_t length = json_string_length(field);
  if (length < 1 || length > ORDER_MAX_SKU)
    return refuse(err, ORDER_ELENGTH, path,
                  "expected a string of 1 to %d characters, got %zu",
                  ORDER_MAX_SKU, length);
  const char *sku = json_string_value(field);
  for (size_t i = 0; i < length; i++)
    if (!is_sku_byte(sku[i]))
      return refuse(err, ORDER_EVALUE, path,
                    "expected only A-Z, 0-9 and '-', got %s",
                    describe(field, got, sizeof(got)));
  return ORDER_OK;
}

/* zod's .strict(): a field the schema does not name is refused, the first
 * in the body's order. `known` ends with NULL. */
static int check_no_other_field(json_t *object, const char *path,
                                const char *const *known, order_error_t *err) {
  const char *key;
  json_t *value;

  json_object_foreach(object, key, value) {
    const char *const *k = known;
    while (*k != NULL && strcmp(*k, key) != 0)
      k++;
    if (*k == NULL) {
      char name[ORDER_PATH_MAX];
      char where[ORDER_PATH_MAX + 8];
      printable(name, sizeof(name), key, strlen(key), ORDER_PATH_MAX / 2);
      snprintf(where, sizeof(where), "%s.%s", path, name);
      return refuse(err, ORDER_EUNKNOWN_FIELD, where,
                    "expected no field but those of the schema, got \"%s\"",
                    name);
    }
  }
  return ORDER_OK;
}

static int check_item(json_t *item, size_t index, order_error_t *err) {
  static const char *const known[] = {"sku", "quantity", NULL};
  char path[sizeof("$.items[18446744073709551615]")];
  char quantity_path[ORDER_PATH_MAX];
  char got[64];
  json_int_t quantity;

  snprintf(path, sizeof(path), "$.items[%zu]", index);
  if (!json_is_object(item))
    return refuse(err, ORDER_ETYPE, path,
                  "expected an object with \"sku\" and \"quantity\", got %s",
                  describe(item, got, sizeof(got)));
  int rc = check_sku(item, path, err);
  if (rc != ORDER_OK)
    return rc;
  snprintf(quantity_path, sizeof(quantity_path), "%s.quantity", path);
  rc = check_integer(item, "quantity", quantity_path, 1, ORDER_MAX_QUANTITY,
                     &quantity, err);
  if (rc != ORDER_OK)
    return rc;
  return check_no_other_field(item, path, known, err);
}

static int check_items(const json_t *order, order_error_t *err) {
  const json_t *items = json_object_get(order, "items");
  char got[64];

  if (items == NULL)
    return refuse(err, ORDER_EMISSING, "$.items",
                  "expected an array of 1 to %d items, got nothing",
                  ORDER_MAX_ITEMS);
  if (!json_is_array(items))
    return refuse(err, ORDER_ETYPE, "$.items",
                  "expected an array of 1 to %d items, got %s", ORDER_MAX_ITEMS,
                  describe(items, got, sizeof(got)));
  size_t count = json_array_size(items);
  if (count < 1 || count > ORDER_MAX_ITEMS)
    return refuse(err, ORDER_ELENGTH, "$.items",
                  "expected an array of 1 to %d items, got %zu",
                  ORDER_MAX_ITEMS, count);
  for (size_t i = 0; i < count; i++) {
    int rc = check_item(json_array_get(items, i), i, err);
    if (rc != ORDER_OK)
      return rc;
  }
  return ORDER_OK;
}

static int check_note(const json_t *order, order_error_t *err) {
  const json_t *note = json_object_get(order, "note");
  char got[64];

  if (note == NULL)
    return ORDER_OK; /* optional */
  if (!json_is_string(note))
    return refuse(err, ORDER_ETYPE, "$.note",
                  "expected a string of at most %d bytes, got %s",
                  ORDER_MAX_NOTE, describe(note, got, sizeof(got)));
  if (json_string_length(note) > ORDER_MAX_NOTE)
    return refuse(err, ORDER_ELENGTH, "$.note",
                  "expected a string of at most %d bytes, got %zu",
                  ORDER_MAX_NOTE, json_string_length(note));
  return ORDER_OK;
}

/* What the checks convert on the way: nothing of the caller's. */
typedef struct checked {
  json_int_t customer_id;
  currency_t currency;
} checked_t;

/* Every check, in the order README.md gives; nothing is built here. */
static int check_order(json_t *order, checked_t *checked, order_t *out,
                       order_error_t *err) {
  static const char *const known[] = {"customer_id", "currency", "items",
                                      "note", NULL};
  char got[64];

  if (!json_is_object(order))
    return refuse(err, ORDER_ETYPE, "$", "expected an object, got %s",
                  describe(order, got, sizeof(got)));
  int rc = check_integer(order, "customer_id", "$.customer_id", 1, UINT32_MAX,
                         &checked->customer_id, err);
  if (rc == ORDER_OK) {
    out->customer_id = (uint32_t)checked->customer_id;
    rc = check_currency(order, &checked->currency, err);
  }
  if (rc == ORDER_OK)
    out->currency = checked->currency;
  if (rc == ORDER_OK)
    rc = check_items(order, err);
  if (rc == ORDER_OK)
    rc = check_note(order, err);
  if (rc == ORDER_OK)
    rc = check_no_other_field(order, "$", known, err);
  return rc;
}

/* Builds the domain object from a checked document: every conversion
 * below is to a type the check proved the value fits. */
static int build_order(const json_t *doc, const checked_t *checked,
                       order_t *out, order_error_t *err) {
  const json_t *items = json_object_get(doc, "items");
  const json_t *note = json_object_get(doc, "note");
  order_t order = {0};

  order.customer_id = (uint32_t)checked->customer_id;
  order.currency = checked->currency;
  order.item_count = json_array_size(items);
  order.items = calloc(order.item_count, sizeof(*order.items));
  if (note != NULL)
    order.note = strdup(json_string_value(note));
  if (order.items == NULL || (note != NULL && order.note == NULL)) {
    order_free(&order);
    return refuse(err, ORDER_ENOMEM, "$", "expected memory, got none");
  }
  for (size_t i = 0; i < order.item_count; i++) {
    const json_t *item = json_array_get(items, i);
    const json_t *sku = json_object_get(item, "sku");
    memcpy(order.items[i].sku, json_string_value(sku),
           json_string_length(sku) + 1);
    order.items[i].quantity =
        (uint16_t)json_integer_value(json_object_get(item, "quantity"));
  }
  *out = order;
  err->kind = ORDER_OK;
  err->path[0] = '\0';
  err->message[0] = '\0';
  return ORDER_OK;
}

int order_from_json(const char *body, size_t len, order_t *out,
                    order_error_t *err) {
  json_error_t parse_error;
  checked_t checked;
  char why[sizeof(parse_error.text)];

  if (len > ORDER_MAX_BODY)
    return refuse(err, ORDER_ETOO_LARGE, "$",
                  "expected a body of at most %d bytes, got %zu",
                  ORDER_MAX_BODY, len);
  if (len == 0)
    return refuse(err, ORDER_ESYNTAX, "$", "expected JSON, got no bytes");
  if (nesting_depth(body, len) > ORDER_MAX_DEPTH)
    return refuse(err, ORDER_ETOO_DEEP, "$",
                  "expected at most %d levels of nesting, got more",
                  ORDER_MAX_DEPTH);
  json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                           &parse_error);
  if (doc == NULL) {
    printable(why, sizeof(why), parse_error.text, strlen(parse_error.text),
              sizeof(why));
    return refuse(err,
                  json_error_code(&parse_error) == json_error_duplicate_key
                      ? ORDER_EDUPLICATE_KEY
                      : ORDER_ESYNTAX,
                  "$", "expected JSON, got %s at line %d, column %d", why,
                  parse_error.line, parse_error.column);
  }
  int rc = check_order(doc, &checked, out, err);
  if (rc == ORDER_OK)
    rc = build_order(doc, &checked, out, err);
  json_decref(doc);
  return rc;
}
