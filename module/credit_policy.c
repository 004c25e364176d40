// SPDX-License-Identifier: GPL-2.0
/*
 * credit_policy.c - fair credit decisions, pure: no kernel headers, so the
 * unit tests build this very file in user space (tests/unit/).
 */
#include "credit_policy.h"

/* vruntimes wrap: compare them as the scheduler does, by signed distance. */
static bool xb_vruntime_before(u64 a, u64 b)
{
	return (long long)(a - b) < 0;
}

/**
 * xb_credit_target() - where a waking set member's vruntime should be
 * @slept_vruntime: its vruntime when it went to sleep
 * @placed_vruntime: where the scheduler's wake-up placement put it
 * @bound: the most credit a wake-up may keep, in virtual ns
 *
 * The scheduler re-places a sleeper near the runqueue's minimum, which
 * throws away the credit a light task earned by running less than its
 * share. Keep the old vruntime instead, but never more than @bound below
 * the placement, so the task cannot monopolise the CPU; and never move a
 * task later than the scheduler put it.
 *
 * Return: the vruntime to give the task.
 */
u64 xb_credit_target(u64 slept_vruntime, u64 placed_vruntime, u64 bound)
{
	u64 floor = placed_vruntime - bound;

	if (!xb_vruntime_before(slept_vruntime, placed_vruntime))
		return placed_vruntime;
	if (xb_vruntime_before(slept_vruntime, floor))
		return floor;
	return slept_vruntime;
}

/**
 * xb_credit_comm_valid() - is @comm a command name a task can have
 * @comm: the name, NUL-terminated within @len
 * @len: the size of the buffer holding it
 *
 * Return: true for 1 to @len - 1 printable characters without '/'.
 */
bool xb_credit_comm_valid(const char *comm, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len && comm[i]; i++)
		if (comm[i] < 0x20 || comm[i] > 0x7e || comm[i] == '/')
			return false;
	return i > 0 && i < len;
}
