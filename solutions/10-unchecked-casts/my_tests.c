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

static int decode(const uint8_t *frame, size_t size, frame_message_t *msg) {
  size_t consumed = 0;
  int err = frame_decode(frame, size, msg, &consumed);
  if (err == FRAME_OK)
    assert_int_equal(consumed, size);
  return err;
}

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

/* A length above 255 is found before the unknown kind after it. */
static void test_my_too_long_comes_before_unknown_kind(void **state) {
  const uint8_t frame[] = {0x01, 0x00, 0x63};
  frame_message_t msg;

  (void)state;
  assert_int_equal(decode(frame, sizeof(frame), &msg), FRAME_ETOO_LONG);
}

/* The most negative reading the protocol allows, and one below it. */
static void test_my_reading_at_absolute_zero_is_the_limit(void **state) {
  uint8_t frame[] = {0x00, 0x07, FRAME_KIND_READINGS, 0, 0, 0, 1, 1,
                     0xf5, 0x55}; /* -2731 */
  frame_message_t msg;

  (void)state;
  assert_int_equal(decode(frame, sizeof(frame), &msg), FRAME_OK);
  assert_int_equal(msg.as.readings.values[0], FRAME_MIN_READING);
  frame[9] = 0x54; /* -2732 */
  assert_int_equal(decode(frame, sizeof(frame), &msg), FRAME_EREADING_RANGE);
}

/* A space is not a digit, wherever it is. */
static void test_my_setting_with_a_space_is_not_a_number(void **state) {
  const uint8_t frame[] = {
      0x00, 0x03, FRAME_KIND_SETTING, FRAME_SETTING_RATE_HZ, ' ', '7'};
  frame_message_t msg;

  (void)state;
  assert_int_equal(decode(frame, sizeof(frame), &msg), FRAME_ENOT_A_NUMBER);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_ping_decodes),
      cmocka_unit_test(test_my_too_long_comes_before_unknown_kind),
      cmocka_unit_test(test_my_reading_at_absolute_zero_is_the_limit),
      cmocka_unit_test(test_my_setting_with_a_space_is_not_a_number),
  };

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  return cmocka_run_group_tests_name("10-unchecked-casts: my tests", tests,
                                     NULL, NULL);
}
