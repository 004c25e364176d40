// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/credit_policy.c, the very file the module builds,
 * compiled in user space under ASan and UBSan.
 */
#include <string.h>

#include "../../module/credit_policy.h"
#include "../selftests/kselftest_harness.h"

#define MS 1000000ULL

TEST(keeps_the_credit_it_earned)
{
	/* Slept at 100 ms, placed at 130 ms: back to 100, within a 50 bound. */
	EXPECT_EQ(100 * MS, xb_credit_target(100 * MS, 130 * MS, 50 * MS));
}

TEST(bounded_below_the_placement)
{
	/* Slept long ago: only 10 ms of credit is kept. */
	EXPECT_EQ(120 * MS, xb_credit_target(5 * MS, 130 * MS, 10 * MS));
	EXPECT_EQ(130 * MS, xb_credit_target(5 * MS, 130 * MS, 0));
}

TEST(never_later_than_the_scheduler_put_it)
{
	/* A task that overran its share keeps the scheduler's placement. */
	EXPECT_EQ(130 * MS, xb_credit_target(140 * MS, 130 * MS, 10 * MS));
	EXPECT_EQ(130 * MS, xb_credit_target(130 * MS, 130 * MS, 10 * MS));
}

TEST(vruntime_wraps)
{
	unsigned long long placed = 5 * MS;	/* just past the wrap */
	unsigned long long slept = -3 * MS;	/* 8 ms earlier, before it */

	EXPECT_EQ(slept, xb_credit_target(slept, placed, 10 * MS));
	EXPECT_EQ(placed - 4 * MS, xb_credit_target(slept, placed, 4 * MS));
}

TEST(command_names)
{
	char full[16];

	EXPECT_TRUE(xb_credit_comm_valid("memcached", 16));
	EXPECT_TRUE(xb_credit_comm_valid("kworker:0", 16));
	EXPECT_FALSE(xb_credit_comm_valid("", 16));
	EXPECT_FALSE(xb_credit_comm_valid("a/b", 16));
	EXPECT_FALSE(xb_credit_comm_valid("tab\there", 16));
	EXPECT_FALSE(xb_credit_comm_valid("\x80high", 16));
	memset(full, 'x', sizeof(full));	/* no NUL in 16 bytes */
	EXPECT_FALSE(xb_credit_comm_valid(full, 16));
	full[15] = 0;				/* 15 characters: fine */
	EXPECT_TRUE(xb_credit_comm_valid(full, 16));
}

TEST_HARNESS_MAIN
