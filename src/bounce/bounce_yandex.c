/*
 * bounce_yandex.c - Yandex Mail (yandex.ru, the Russian provider) bounces
 * through Postfix: from mailer-daemon@yandex.ru, a Russian preface between
 * two "**********" lines ("Это письмо отправлено почтовым сервером
 * yandex.ru."), then Postfix's own text ("This is the mail system at host
 * yandex.ru.", "<a@example.org>: host mx.example.org[192.0.2.1] said: 550
 * ... (in reply to RCPT TO command)") and an RFC 3464 report whose
 * per-message fields are X-Yandex-Queue-ID and X-Yandex-Sender where
 * Postfix writes X-Postfix-*. The records are Postfix's (bounce_postfix.c).
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	if (m->dsn && bounce_memcasemem(m->dsn, m->dsnlen, "X-Yandex-Queue-ID"))
		return 1;
	return bounce_hdr_has(m, "From", "mailer-daemon@yandex.") && bounce_mod_postfix.detect(m);
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_mod_postfix.parse(m, l);
}

const struct bounce_module bounce_mod_yandex = { "yandex", detect, parse, 0 };
