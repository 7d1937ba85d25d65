/* testutil — shared includes for the cmocka unit tests. */
#ifndef NPUSIM_TESTUTIL_H
#define NPUSIM_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#endif
