// SPDX-License-Identifier: GPL-2.0
/*
 * hv.c - which hypervisor runs us.
 *
 * x86 already identified the hypervisor at boot (x86_hyper_type); Xen's own
 * guest type tells PV from PVH from HVM. A CPU with the CPUID hypervisor
 * bit that x86 did not recognise (QEMU TCG, for one) is "other".
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/hypervisor.h>
#include <xen/xen.h>

#include "xballoon.h"

static enum xb_hypervisor xb_hv __read_mostly = XB_HV_NONE;

static const char * const xb_hv_names[] = {
	[XB_HV_NONE]	= "none",
	[XB_HV_OTHER]	= "other",
	[XB_HV_KVM]	= "kvm",
	[XB_HV_XEN_PV]	= "xen-pv",
	[XB_HV_XEN_PVH]	= "xen-pvh",
	[XB_HV_XEN_HVM]	= "xen-hvm",
};

void xb_hv_detect(void)
{
	if (xen_pv_domain())
		xb_hv = XB_HV_XEN_PV;
	else if (xen_pvh_domain())
		xb_hv = XB_HV_XEN_PVH;
	else if (xen_hvm_domain())
		xb_hv = XB_HV_XEN_HVM;
	else if (hypervisor_is_type(X86_HYPER_KVM))
		xb_hv = XB_HV_KVM;
	else if (boot_cpu_has(X86_FEATURE_HYPERVISOR))
		xb_hv = XB_HV_OTHER;
	else
		xb_hv = XB_HV_NONE;
}

enum xb_hypervisor xb_hv_type(void)
{
	return xb_hv;
}

bool xb_hv_is_xen(void)
{
	return xb_hv == XB_HV_XEN_PV || xb_hv == XB_HV_XEN_PVH ||
	       xb_hv == XB_HV_XEN_HVM;
}

const char *xb_hv_name(enum xb_hypervisor hv)
{
	if ((unsigned int)hv >= ARRAY_SIZE(xb_hv_names))
		return "invalid";
	return xb_hv_names[hv];
}
