// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/hostpoll_policy.c, the very file the module builds,
 * compiled in user space under ASan and UBSan. The kernel side (the MSR
 * itself) needs a KVM host with KVM_FEATURE_POLL_CONTROL, which the test
 * machines do not have (TCG): these tests are what checks the decision.
 */
#include "../../module/hostpoll_policy.h"
#include "../selftests/kselftest_harness.h"

#define POLL_CONTROL	(1U << XB_KVM_FEATURE_POLL_CONTROL)
/* KVM_FEATURE_CLOCKSOURCE2, _STEAL_TIME, _PV_EOI, ...: not ours. */
#define OTHER_FEATURES	((1U << 3) | (1U << 5) | (1U << 6))

TEST(offered_only_by_kvm_with_the_feature_bit)
{
	EXPECT_TRUE(xb_hostpoll_offered(true, POLL_CONTROL));
	EXPECT_TRUE(xb_hostpoll_offered(true, POLL_CONTROL | OTHER_FEATURES));
	/* An older host: steal time and the rest, no poll control. */
	EXPECT_FALSE(xb_hostpoll_offered(true, OTHER_FEATURES));
	EXPECT_FALSE(xb_hostpoll_offered(true, 0));
	/* The bit means nothing outside KVM's CPUID leaves. */
	EXPECT_FALSE(xb_hostpoll_offered(false, POLL_CONTROL));
	EXPECT_FALSE(xb_hostpoll_offered(false, ~0U));
}

TEST(a_halt_clears_the_hosts_polling_and_gives_it_back)
{
	EXPECT_TRUE(xb_hostpoll_clear_for_halt(true, true, 1));
	/* Reserved bits read back as they are: only bit 0 counts. */
	EXPECT_TRUE(xb_hostpoll_clear_for_halt(true, true, 0x3));
	EXPECT_FALSE(xb_hostpoll_clear_for_halt(true, true, 0x2));
}

TEST(the_guests_own_haltpoll_keeps_its_setting)
{
	/* cpuidle-haltpoll cleared it: nothing to clear, nothing to set. */
	EXPECT_FALSE(xb_hostpoll_clear_for_halt(true, true, 0));
}

TEST(nothing_without_the_feature_or_against_the_parameter)
{
	EXPECT_FALSE(xb_hostpoll_clear_for_halt(false, true, 1));
	EXPECT_FALSE(xb_hostpoll_clear_for_halt(true, false, 1));
	EXPECT_FALSE(xb_hostpoll_clear_for_halt(false, false, 1));
}

TEST_HARNESS_MAIN
