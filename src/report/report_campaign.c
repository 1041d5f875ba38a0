/*
 * report_campaign.c - campaign attribution for `report --campaign REGEX`:
 * a PCRE2 pattern (JIT-compiled when the platform allows) applied to the
 * envelope sender (VERP) or the message-id; the first capture group names
 * the campaign. Only this file includes PCRE2.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "report/report.h"

struct sc_campaign {
	pcre2_code *re;
	pcre2_match_data *md;
	int groups;
};

int sc_campaign_new(struct sc_campaign **out, const char *pattern, char *err, size_t errlen)
{
	struct sc_campaign *c;
	int ecode;
	PCRE2_SIZE eoff;
	uint32_t ncap = 0;

	*out = NULL;
	c = xcalloc(1, sizeof *c);
	c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &ecode, &eoff, NULL);
	if (!c->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ecode, msg, sizeof msg);
		snprintf(err, errlen, "--campaign: %s at offset %zu", (const char *)msg, (size_t)eoff);
		free(c);
		return EX_USAGE;
	}
	(void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE); /* the interpreter works too */
	pcre2_pattern_info(c->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	c->groups = (int)ncap;
	c->md = pcre2_match_data_create_from_pattern(c->re, NULL);
	if (!c->md) {
		pcre2_code_free(c->re);
		free(c);
		snprintf(err, errlen, "--campaign: out of memory");
		return EX_OSERR;
	}
	*out = c;
	return 0;
}

int sc_campaign_match(struct sc_campaign *c, const char *s, size_t n, const char **cap, size_t *caplen)
{
	PCRE2_SIZE *ov;
	int rc = pcre2_match(c->re, (PCRE2_SPTR)s, n, 0, 0, c->md, NULL);
	int g;
	if (rc <= 0)
		return 0;
	ov = pcre2_get_ovector_pointer(c->md);
	/* the first group that took part in the match (alternatives such as
	 * "bounce\+(\w+)-|^(\w+)\." each bring their own); the whole match
	 * when the pattern has no group */
	for (g = c->groups >= 1 ? 1 : 0; g < rc; g++)
		if (ov[2 * g] != PCRE2_UNSET)
			break;
	if (g >= rc) {
		if (c->groups >= 1)
			return 0;
		g = 0;
	}
	*cap = s + ov[2 * g];
	*caplen = ov[2 * g + 1] - ov[2 * g];
	return 1;
}

void sc_campaign_free(struct sc_campaign *c)
{
	if (!c)
		return;
	pcre2_match_data_free(c->md);
	pcre2_code_free(c->re);
	free(c);
}
