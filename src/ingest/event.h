/*
 * event.h - one delivery event from a mail log, as every log parser in
 * src/ingest/ produces it and every consumer (report, suppression, metrics)
 * takes it. Records flow one way: parser -> event -> verdict -> consumer.
 *
 * Ownership: every span borrows from the line being parsed (or from the
 * parser's per-message state for fields joined by queue id, such as the
 * sender and message-id); an event is valid only until the parser's next
 * call. Consumers copy what they keep.
 */
#ifndef SC_INGEST_EVENT_H
#define SC_INGEST_EVENT_H

#include <stddef.h>
#include <time.h>

#include "smtpcodes/smtpcodes.h"

/* What a log line reported. */
enum sc_status {
	SC_STATUS_NONE = 0, /* not a delivery result (message arrived, connection info) */
	SC_STATUS_SENT,
	SC_STATUS_DEFERRED,
	SC_STATUS_BOUNCED,
	SC_STATUS_EXPIRED,   /* gave up after the queue lifetime */
	SC_STATUS_REJECTED   /* refused during the SMTP session (NOQUEUE reject, postscreen) */
};

struct sc_event {
	time_t time;                  /* 0 when the line had no parsable time */
	enum sc_status status;
	struct smtpcodes_span queue_id;
	struct smtpcodes_span sender;       /* envelope sender, "" for <> */
	struct smtpcodes_span recipient;
	struct smtpcodes_span recipient_domain;
	struct smtpcodes_span message_id;
	struct smtpcodes_span relay;        /* remote host name (or [ip]) */
	struct smtpcodes_span reply;        /* the remote reply text (or the MTA's own reason) */
	struct smtpcodes_span dsn;          /* the enhanced status the MTA logged (dsn=5.1.1), may be empty */
	struct smtpcodes_span client;       /* for rejects: the client host [ip] */
	enum smtpcodes_stage stage;         /* "(in reply to RCPT TO command)" */
	long long size;                     /* message size in bytes, -1 unknown */
	int nrcpt;                          /* recipients of the message, -1 unknown */
	unsigned long long line;            /* line number in the input */
};

/* The names used in reports and JSON: "sent", "deferred", ... */
const char *sc_status_name(enum sc_status s);

#endif
