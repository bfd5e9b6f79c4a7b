/* my_tests.c: your own tests for kata 11. Optional, and yours to change.
 *
 * Built as learner_tests_cov together with your order_from_json.c; the
 * coverage gate counts the lines they run, with the suite's. Add a test
 * whenever you find a body the suite does not try, and list it in the
 * table at the end. See README.md, "How to check it".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "order.h"

/* An example to copy: a one-item order builds. */
static void test_my_one_item_order_builds(void **state) {
  const char body[] = "{\"customer_id\": 7, \"currency\": \"GBP\", "
                      "\"items\": [{\"sku\": \"TEA-1\", \"quantity\": 3}]}";
  order_t order;
  order_error_t err;

  (void)state;
  assert_int_equal(order_from_json(body, strlen(body), &order, &err), ORDER_OK);
  assert_int_equal(order.customer_id, 7);
  assert_int_equal(order.currency, CURRENCY_GBP);
  assert_int_equal(order.item_count, 1);
  assert_string_equal(order.items[0].sku, "TEA-1");
  assert_int_equal(order.items[0].quantity, 3);
  assert_null(order.note);
  order_free(&order);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_one_item_order_builds),
  };

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  return cmocka_run_group_tests_name("11-validate-at-boundary: my tests", tests,
                                     NULL, NULL);
}
