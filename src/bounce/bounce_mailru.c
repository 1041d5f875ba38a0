/*
 * bounce_mailru.c - Mail.Ru, the Russian mail provider, bounces through
 * Exim (Message-IDs such as <E1XsaNj-0006ay-9N@smtp23.mail.ru>) from
 * mailer-daemon@corp.mail.ru with a Russian preface of its own ("Это письмо
 * создано автоматически сервером Mail.Ru ...", the failed addresses and
 * their reasons, "**********************") before Exim's English text with
 * the same addresses and reasons. The records are read from Exim's part
 * (bounce_exim.c); this module only knows the message for Mail.Ru's. The
 * Postfix fallback MX of Mail.Ru sends Postfix's plain bounce without the
 * preface, which stays Postfix's.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return (bounce_hdr_has(m, "From", "@corp.mail.ru") ||
	        bounce_has(m, "\xd1\x81\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5\xd1\x80\xd0\xbe\xd0\xbc Mail.Ru")) &&
	       bounce_mod_exim.detect(m);
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_mod_exim.parse(m, l);
}

const struct bounce_module bounce_mod_mailru = { "mailru", detect, parse, 0 };
