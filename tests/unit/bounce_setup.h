/*
 * bounce_setup.h - the cmocka group set-up and tear-down of the bounce unit
 * tests (test_bounce.c, test_bounce_mime.c): GMime once per test program.
 */
#ifndef SC_TEST_BOUNCE_SETUP_H
#define SC_TEST_BOUNCE_SETUP_H

#include "bounce/bounce.h"

static int group_setup(void **state)
{
	(void)state;
	bounce_mime_init();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	bounce_mime_shutdown();
	return 0;
}

#endif
