/*
 * bounce_amazonses.c - Amazon SES: its JSON notifications (Bounce,
 * Complaint, Delivery; bare or wrapped in an SNS envelope whose "Message" is
 * the notification as a string), read with jansson; and the mail SES sends
 * from MAILER-DAEMON@amazonses.com, whose prose ("An error occurred while
 * trying to deliver the mail to the following recipients:") comes with an
 * RFC 3464 report.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return (m->json && (strstr(m->json, "notificationType") || strstr(m->json, "eventType"))) ||
	       bounce_hdr_has(m, "From", "amazonses.com") || bounce_hdr(&m->top, "X-SES-Outgoing") != NULL;
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void set(char *dst, size_t cap, const char *s)
{
	if (s)
		bounce_rec_set(dst, cap, s, strlen(s));
}

static int from_json(json_t *root, struct bounce_list *l)
{
	const char *type = str(root, "notificationType");
	json_t *mail = json_object_get(root, "mail"), *o, *arr, *it;
	const char *ts = NULL;
	size_t i, before = l->n;
	int kind;

	if (!type)
		type = str(root, "eventType");
	if (!type)
		return 0;
	kind = !strcmp(type, "Bounce") ? 1 : !strcmp(type, "Complaint") ? 2 : !strcmp(type, "Delivery") ? 3 : 0;
	if (!kind)
		return 0;
	if (json_is_object(mail)) {
		json_t *ch = json_object_get(mail, "commonHeaders");
		set(l->addresser, sizeof l->addresser, str(mail, "source"));
		set(l->messageid, sizeof l->messageid, str(mail, "messageId"));
		if (json_is_object(ch))
			set(l->subject, sizeof l->subject, str(ch, "subject"));
	}
	o = json_object_get(root, kind == 1 ? "bounce" : kind == 2 ? "complaint" : "delivery");
	if (!json_is_object(o))
		return 0;
	ts = str(o, "timestamp");
	arr = json_object_get(o, kind == 1 ? "bouncedRecipients" : kind == 2 ? "complainedRecipients" : "recipients");
	json_array_foreach(arr, i, it) {
		struct bounce_rec *r = bounce_list_add(l);
		const char *addr = json_is_string(it) ? json_string_value(it) : str(it, "emailAddress");
		if (!r)
			break;
		set(r->recipient, sizeof r->recipient, addr);
		set(r->lhost, sizeof r->lhost, str(o, "reportingMTA"));
		set(r->rhost, sizeof r->rhost, str(o, "remoteMtaIp"));
		(void)ts;
		if (kind == 1) {
			const char *dc = str(it, "diagnosticCode");
			set(r->action, sizeof r->action, str(it, "action"));
			set(r->status, sizeof r->status, str(it, "status"));
			if (dc) {
				const char *semi = strchr(dc, ';');
				if (semi && semi - dc < 12) {
					bounce_rec_set(r->diagtype, sizeof r->diagtype, dc, (size_t)(semi - dc));
					dc = semi + 1;
				}
				bounce_rec_diag_append(r, dc, strlen(dc));
			}
			if (!r->action[0])
				set(r->action, sizeof r->action,
				    str(o, "bounceType") && !strcmp(str(o, "bounceType"), "Transient") ? "delayed" : "failed");
		} else if (kind == 2) {
			const char *ft = str(o, "complaintFeedbackType");
			set(r->feedbacktype, sizeof r->feedbacktype, ft ? ft : "abuse");
			r->reason_hint = SMTPCODES_REASON_FEEDBACK;
		} else {
			const char *resp = str(o, "smtpResponse");
			set(r->action, sizeof r->action, "delivered");
			if (resp)
				bounce_rec_diag_append(r, resp, strlen(resp));
		}
	}
	return (int)(l->n - before);
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	json_error_t err;
	json_t *root;
	int n = 0;
	if (!m->json)
		return bounce_prose(m, l, "to the following recipients");
	{
		/* SNS mail wraps long lines as "!\n " : undo that first */
		char *j = strdup(m->json), *w = j;
		const char *r = m->json;
		if (!j)
			return 0;
		while (*r) {
			if (r[0] == '!' && r[1] == '\n' && r[2] == ' ')
				r += 3;
			else if (r[0] == '\n' && r[1] == ' ')
				r += 2;
			else
				*w++ = *r++;
		}
		*w = '\0';
		root = json_loadb(j, strlen(j), JSON_DISABLE_EOF_CHECK, &err);
		free(j);
	}
	if (!root)
		return bounce_prose(m, l, NULL);
	if (str(root, "Message") && !json_object_get(root, "notificationType")) {
		const char *inner = str(root, "Message");
		json_t *r2 = json_loads(inner, JSON_DISABLE_EOF_CHECK, &err);
		if (r2) {
			n = from_json(r2, l);
			json_decref(r2);
		}
	} else {
		n = from_json(root, l);
	}
	json_decref(root);
	return n;
}

const struct bounce_module bounce_mod_amazonses = { "amazonses", detect, parse, 0 };
