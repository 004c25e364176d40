// SPDX-License-Identifier: GPL-2.0
/*
 * info.c - xballoonctl info: what the module found.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"

static const struct {
	__u64 bit;
	const char *name;
} feature_names[] = {
	{ XB_FEATURE_CPU_STEAL, "cpu-steal" },
	{ XB_FEATURE_BALLOON, "balloon" },
	{ XB_FEATURE_VCLOCK, "vclock" },
	{ XB_FEATURE_CREDIT, "credit" },
};

void help_info(FILE *f)
{
	fprintf(f,
		"Usage: %s info [--json]\n"
		"\n"
		"What the module found: ABI and module version, hypervisor, steal\n"
		"source, CPUs, features (--json adds per-CPU steal).\n",
		prog);
	help_tail(f);
}

/* The feature bits by name, unknown ones as "bitN"; into @arr if JSON. */
static void print_features(__u64 features, struct json_object *arr)
{
	const char *sep = "";
	__u64 known = 0;
	unsigned int i;
	char buf[32];

	for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
		known |= feature_names[i].bit;
		if (!(features & feature_names[i].bit))
			continue;
		if (arr)
			json_object_array_add(arr, jstr(feature_names[i].name));
		else
			printf("%s%s", sep, feature_names[i].name);
		sep = " ";
	}
	for (i = 0; i < 64; i++) {
		if (!(features & ~known & (1ULL << i)))
			continue;
		snprintf(buf, sizeof(buf), "bit%u", i);
		if (arr)
			json_object_array_add(arr, jstr(buf));
		else
			printf("%s%s", sep, buf);
		sep = " ";
	}
	if (!arr && !*sep)
		printf("(none)");
}

static int info_json(const struct xb_info *info, const struct xb_sample *s,
		     int n)
{
	struct json_object *doc = jdoc(), *arr;
	char buf[32];
	int i;

	jadd(doc, "abi_version", json_object_new_int64(info->abi_version));
	jadd(doc, "module_version", jstr(info->module_version));
	jadd(doc, "hypervisor", jstr(hv_name(info->hypervisor, buf,
					     sizeof(buf))));
	jadd(doc, "steal_source", jstr(steal_name(info->steal_source, buf,
						  sizeof(buf))));
	jadd(doc, "nr_cpus", json_object_new_int64(info->nr_cpus));
	jadd(doc, "nr_cpu_ids", json_object_new_int64(info->nr_cpu_ids));
	arr = json_object_new_array();
	print_features(info->features, arr);
	jadd(doc, "features", arr);
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		if (s[i].valid)
			json_object_array_add(arr, jsteal(&s[i]));
	jadd(doc, "cpus", arr);
	return jprint(doc);
}

static void info_human(const struct xb_info *info, const struct xb_sample *s,
		       int n)
{
	char buf[32];
	int i, other = 0;

	printf("xballoon module %s, ABI version %u\n", info->module_version,
	       info->abi_version);
	printf("hypervisor:    %s\n", hv_name(info->hypervisor, buf,
					      sizeof(buf)));
	printf("steal source:  %s (boot CPU)\n",
	       steal_name(info->steal_source, buf, sizeof(buf)));
	for (i = 0; i < n; i++)
		if (s[i].valid && s[i].st.steal_source != info->steal_source)
			other++;
	if (other)
		printf("               %d CPU(s) use another source; see 'xballoonctl steal'\n",
		       other);
	printf("CPUs:          %u online, nr_cpu_ids %u\n", info->nr_cpus,
	       info->nr_cpu_ids);
	printf("features:      ");
	print_features(info->features, NULL);
	printf("\n");
}

int cmd_info(int argc, char **argv)
{
	struct xb_sample *s = NULL;
	struct xb_info info;
	bool json;
	int fd, n, ret;

	ret = parse_json_opts(argc, argv, "info", false, help_info, &json);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("info", "info: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_setup(&fd, &info, &s, &n);
	if (ret)
		return ret;
	if (json)
		ret = info_json(&info, s, n);
	else
		info_human(&info, s, n);
	free(s);
	close(fd);
	return ret;
}
