/* my_tests.c: your own tests for kata 10. Optional, and yours to change.
 *
 * Built as learner_tests_cov together with your frame_decode.c; the
 * coverage gate counts the lines they run, with the suite's. Add a test
 * whenever you find a frame the suite does not try, and list it in the
 * table at the end. See README.md, "How to check it".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "frame.h"

/* An example to copy: a PING decodes to its nonce. */
static void test_my_ping_decodes(void **state) {
  const uint8_t frame[] = {0x00, 0x04, FRAME_KIND_PING, 0x00, 0x00, 0x01, 0x02};
  frame_message_t msg;
  size_t consumed = 0;

  (void)state;
  assert_int_equal(frame_decode(frame, sizeof(frame), &msg, &consumed),
                   FRAME_OK);
  assert_int_equal(msg.kind, FRAME_KIND_PING);
  assert_int_equal(msg.as.ping.nonce, 0x0102);
  assert_int_equal(consumed, sizeof(frame));
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_ping_decodes),
  };

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  return cmocka_run_group_tests_name("10-unchecked-casts: my tests", tests,
                                     NULL, NULL);
}
