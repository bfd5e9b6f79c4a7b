/* order_from_json.c: builds an order from the JSON body of a request.
 *
 * This is the starter: it builds every order the shop's own web form
 * sends. It believes the rest of the world does the same: read README.md,
 * "What this kata teaches", then fix every place marked TODO:.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"

static int fail(order_error_t *err, order_error_kind_t kind, const char *path,
                const char *message) {
  err->kind = kind;
  snprintf(err->path, sizeof(err->path), "%s", path);
  snprintf(err->message, sizeof(err->message), "%s", message);
  return kind;
}

/* TODO: strcmp() of the NULL that json_string_value() gives for a missing
 * currency, or for 978, crashes. */
static int parse_currency(const char *code, currency_t *currency) {
  if (strcmp(code, "EUR") == 0)
    *currency = CURRENCY_EUR;
  else if (strcmp(code, "GBP") == 0)
    *currency = CURRENCY_GBP;
  else if (strcmp(code, "USD") == 0)
    *currency = CURRENCY_USD;
  else
    return -1;
  return 0;
}

int order_from_json(const char *body, size_t len, order_t *out,
                    order_error_t *err) {
  json_error_t parse_error;
  /* TODO: no limit on the body's size or depth before parsing, and a
   * duplicate key silently keeps its last value. */
  json_t *root = json_loadb(body, len, 0, &parse_error);

  if (root == NULL)
    return fail(err, ORDER_ESYNTAX, "$", parse_error.text);

  /* TODO: a missing customer_id, "42" or 4.2 is 0 here, and 4294967296
   * becomes 0 in 32 bits: presence, type and range, unchecked. And every
   * field goes straight into *out, checked or not. */
  out->customer_id =
      (uint32_t)json_integer_value(json_object_get(root, "customer_id"));
  const char *currency = json_string_value(json_object_get(root, "currency"));
  /* TODO: this error path leaks the whole document, and leaves *out
   * half-written. */
  if (parse_currency(currency, &out->currency) != 0)
    return fail(err, ORDER_EVALUE, "$.currency", "unknown currency");

  /* TODO: 0 items, 10000 items, or "items" that is not a list at all:
   * the length is whatever came. */
  json_t *items = json_object_get(root, "items");
  out->item_count = json_array_size(items);
  out->items = malloc(out->item_count * sizeof(order_item_t));
  for (size_t i = 0; i < out->item_count; i++) {
    json_t *item = json_array_get(items, i);
    /* TODO: a sku longer than 12 bytes overflows the field; a missing one
     * is strcpy() from NULL. A quantity of 65537 becomes 1. */
    strcpy(out->items[i].sku, json_string_value(json_object_get(item, "sku")));
    out->items[i].quantity =
        (uint16_t)json_integer_value(json_object_get(item, "quantity"));
  }

  /* TODO: a note of 5 or null is no note; a note of a megabyte is kept;
   * a field the schema does not have is ignored. */
  const char *note = json_string_value(json_object_get(root, "note"));
  out->note = note != NULL ? strdup(note) : NULL;

  json_decref(root);
  err->kind = ORDER_OK;
  return ORDER_OK;
}
