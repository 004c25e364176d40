// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/xb_utf8.c, which makes command names and paths valid
 * UTF-8 before xballoonctl puts them in JSON or metrics labels.
 */
#include "../../tools/xb_tool.h"
#include "../selftests/kselftest_harness.h"

#define FFFD "\xef\xbf\xbd"

static void expect(struct __test_metadata *_metadata, const char *in,
		   const char *want)
{
	char *out = xb_utf8_dup(in);

	ASSERT_NE(NULL, out);
	EXPECT_STREQ(want, out);
	EXPECT_TRUE(xb_utf8_valid(out));
	EXPECT_EQ(!strcmp(in, want), xb_utf8_valid(in));
	free(out);
}

TEST(valid_text_is_kept)
{
	expect(_metadata, "", "");
	expect(_metadata, "sshd", "sshd");
	expect(_metadata, "caf\xc3\xa9", "caf\xc3\xa9");		/* U+00E9 */
	expect(_metadata, "\xe2\x82\xac", "\xe2\x82\xac");		/* U+20AC */
	expect(_metadata, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");	/* U+1F600 */
	expect(_metadata, "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
	expect(_metadata, "\xef\xbf\xbd", "\xef\xbf\xbd");		/* U+FFFD */
}

TEST(stray_bytes_are_replaced)
{
	expect(_metadata, "\xff", FFFD);
	expect(_metadata, "a\377\376b", "a\357\277\275\357\277\275b");
	expect(_metadata, "\x80", FFFD);				/* lone continuation */
	expect(_metadata, "\xc3", FFFD);				/* truncated */
	expect(_metadata, "\xe2\x82", FFFD FFFD);
	expect(_metadata, "\xc3x", FFFD "x");
}

TEST(overlong_surrogate_and_too_high_are_replaced)
{
	expect(_metadata, "\xc0\xaf", FFFD FFFD);			/* overlong '/' */
	expect(_metadata, "\xc1\xbf", FFFD FFFD);
	expect(_metadata, "\xe0\x80\xaf", FFFD FFFD FFFD);
	expect(_metadata, "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD);
	expect(_metadata, "\xed\xa0\x80", FFFD FFFD FFFD);		/* U+D800 */
	expect(_metadata, "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);	/* U+110000 */
	expect(_metadata, "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD);
}

TEST_HARNESS_MAIN
