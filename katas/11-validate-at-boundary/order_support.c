/* order_support.c: the trusted half of kata 11. Not yours to change. */
#include <stdlib.h>
#include <string.h>

#include "order.h"

void order_free(order_t *order) {
  if (order == NULL)
    return;
  free(order->items);
  free(order->note);
  memset(order, 0, sizeof(*order));
}

const char *order_error_name(int kind) {
  switch (kind) {
  case ORDER_OK:
    return "ORDER_OK";
  case ORDER_ETOO_LARGE:
    return "ORDER_ETOO_LARGE";
  case ORDER_ETOO_DEEP:
    return "ORDER_ETOO_DEEP";
  case ORDER_ESYNTAX:
    return "ORDER_ESYNTAX";
  case ORDER_EDUPLICATE_KEY:
    return "ORDER_EDUPLICATE_KEY";
  case ORDER_EMISSING:
    return "ORDER_EMISSING";
  case ORDER_ETYPE:
    return "ORDER_ETYPE";
  case ORDER_ERANGE:
    return "ORDER_ERANGE";
  case ORDER_ELENGTH:
    return "ORDER_ELENGTH";
  case ORDER_EVALUE:
    return "ORDER_EVALUE";
  case ORDER_EUNKNOWN_FIELD:
    return "ORDER_EUNKNOWN_FIELD";
  case ORDER_ENOMEM:
    return "ORDER_ENOMEM";
  default:
    return "(not an order error)";
  }
}

const char *currency_code(currency_t currency) {
  switch (currency) {
  case CURRENCY_EUR:
    return "EUR";
  case CURRENCY_GBP:
    return "GBP";
  case CURRENCY_USD:
    return "USD";
  }
  return NULL;
}
