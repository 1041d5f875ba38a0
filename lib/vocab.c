/*
 * vocab.c - the names of the verdict vocabulary (classes, reasons, actions,
 * SMTP stages) as they appear in JSON output and rules files, and the
 * library's error strings. Static tables; a unit test checks that every enum
 * value has exactly one name and that every name maps back.
 */
#include <stdio.h>
#include <string.h>

#include "smtpcodes/smtpcodes.h"
#include "internal.h"

static const char *const class_names[] = {
	"unknown", "success", "intermediate", "temporary", "permanent",
};

static const char *const reason_names[SMTPCODES_REASON_COUNT] = {
	"undefined", "userunknown", "hostunknown", "hasmoved", "suspend", "mailboxfull",
	"exceedlimit", "notaccept", "blocked", "badreputation", "requireptr", "authfailure",
	"rejected", "norelaying", "securityerror", "failedstarttls", "speeding", "toomanyconn",
	"policyviolation", "spamdetected", "virusdetected", "contenterror", "notcompliantrfc",
	"mesgtoobig", "filtered", "networkerror", "expired", "systemerror", "systemfull",
	"mailererror", "syntaxerror", "suppressed", "delivered", "feedback", "vacation", "onhold",
};

static const char *const action_names[SMTPCODES_ACTION_COUNT] = {
	"none", "retry", "slow_down", "suppress", "fix_authentication", "check_reputation",
	"fix_content", "fix_configuration", "contact_postmaster", "investigate",
};

static const char *const stage_names[SMTPCODES_STAGE_COUNT] = {
	"unknown", "connect", "helo", "starttls", "auth", "mail", "rcpt", "data", "eod", "quit",
};

static const char *const error_texts[] = {
	"success",
	"out of memory",
	"invalid argument",
	"empty reply",
	"no reply code found",
	"malformed reply code",
	"line too long",
	"too many lines",
	"binary data (control characters) in reply",
	"error in rules",
	"pattern engine error",
	"not found",
};

const char *smtpcodes_strerror(int err)
{
	if (err < 0 || (size_t)err >= sizeof error_texts / sizeof error_texts[0])
		return "unknown error";
	return error_texts[err];
}

const char *smtpcodes_version(void)
{
	return SMTPCODES_VERSION;
}

const char *smtpcodes_class_name(enum smtpcodes_class c)
{
	if ((unsigned)c >= sizeof class_names / sizeof class_names[0])
		return "unknown";
	return class_names[c];
}

const char *smtpcodes_reason_name(enum smtpcodes_reason r)
{
	if ((unsigned)r >= SMTPCODES_REASON_COUNT)
		return "undefined";
	return reason_names[r];
}

const char *smtpcodes_action_name(enum smtpcodes_action a)
{
	if ((unsigned)a >= SMTPCODES_ACTION_COUNT)
		return "investigate";
	return action_names[a];
}

const char *smtpcodes_stage_name(enum smtpcodes_stage s)
{
	if ((unsigned)s >= SMTPCODES_STAGE_COUNT)
		return "unknown";
	return stage_names[s];
}

static int lookup(const char *const *names, int n, const char *name, size_t len)
{
	int i;
	if (!name)
		return -1;
	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return i;
	return -1;
}

int smtpcodes_reason_from_name(const char *name, size_t len)
{
	return lookup(reason_names, SMTPCODES_REASON_COUNT, name, len);
}

int smtpcodes_action_from_name(const char *name, size_t len)
{
	return lookup(action_names, SMTPCODES_ACTION_COUNT, name, len);
}

int sc_eq_nocase(const char *s, size_t len, const char *word)
{
	size_t i;
	for (i = 0; i < len; i++) {
		unsigned char a = (unsigned char)s[i], b = (unsigned char)word[i];
		if (!b)
			return 0;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return word[len] == '\0';
}

/* Does the lower-cased s contain word? (s is short: a stage phrase) */
static int contains_nocase(const char *s, size_t len, const char *word)
{
	size_t w = strlen(word), i;
	for (i = 0; i + w <= len; i++)
		if (sc_eq_nocase(s + i, w, word))
			return 1;
	return 0;
}

int smtpcodes_stage_from_text(const char *s, size_t len)
{
	int i;
	if (!s)
		return -1;
	i = lookup(stage_names, SMTPCODES_STAGE_COUNT, s, len);
	if (i >= 0)
		return i;
	/* MTA wordings: "RCPT TO", "MAIL FROM", "end of data", "DATA", "EHLO" ... */
	if (contains_nocase(s, len, "rcpt"))
		return SMTPCODES_STAGE_RCPT;
	if (contains_nocase(s, len, "mail from") || sc_eq_nocase(s, len, "mail"))
		return SMTPCODES_STAGE_MAIL;
	if (contains_nocase(s, len, "end of data") || contains_nocase(s, len, "data end") ||
	    contains_nocase(s, len, "message data") || contains_nocase(s, len, "bdat"))
		return SMTPCODES_STAGE_EOD;
	if (contains_nocase(s, len, "data"))
		return SMTPCODES_STAGE_DATA;
	if (contains_nocase(s, len, "starttls"))
		return SMTPCODES_STAGE_STARTTLS;
	if (contains_nocase(s, len, "ehlo") || contains_nocase(s, len, "helo") || contains_nocase(s, len, "lhlo"))
		return SMTPCODES_STAGE_HELO;
	if (contains_nocase(s, len, "auth"))
		return SMTPCODES_STAGE_AUTH;
	if (contains_nocase(s, len, "quit"))
		return SMTPCODES_STAGE_QUIT;
	if (contains_nocase(s, len, "connect") || contains_nocase(s, len, "greeting") ||
	    contains_nocase(s, len, "banner") || contains_nocase(s, len, "initial"))
		return SMTPCODES_STAGE_CONNECT;
	return -1;
}

enum smtpcodes_class smtpcodes_class_of_code(int code)
{
	switch (code / 100) {
	case 2: return SMTPCODES_CLASS_SUCCESS;
	case 3: return SMTPCODES_CLASS_INTERMEDIATE;
	case 4: return SMTPCODES_CLASS_TEMPORARY;
	case 5: return SMTPCODES_CLASS_PERMANENT;
	default: return SMTPCODES_CLASS_UNKNOWN;
	}
}

/* Appends v (0..999) in decimal at dst[*n], within dstlen - 1 bytes. */
static void put_small(char *dst, size_t dstlen, size_t *n, int v)
{
	char tmp[4];
	int k = 0;
	if (v < 0 || v > 999)
		v = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k && *n + 1 < dstlen)
		dst[(*n)++] = tmp[--k];
}

void sc_fmt_int3(char *dst, size_t dstlen, int a, int b, int c)
{
	size_t n = 0;
	if (!dstlen)
		return;
	put_small(dst, dstlen, &n, a);
	if (n + 1 < dstlen)
		dst[n++] = '.';
	put_small(dst, dstlen, &n, b);
	if (n + 1 < dstlen)
		dst[n++] = '.';
	put_small(dst, dstlen, &n, c);
	dst[n] = '\0';
}
