/*
 * event.c - names of the delivery statuses of struct sc_event (event.h), as
 * reports and JSON print them.
 */
#include "ingest/event.h"

const char *sc_status_name(enum sc_status s)
{
	switch (s) {
	case SC_STATUS_SENT: return "sent";
	case SC_STATUS_DEFERRED: return "deferred";
	case SC_STATUS_BOUNCED: return "bounced";
	case SC_STATUS_EXPIRED: return "expired";
	case SC_STATUS_REJECTED: return "rejected";
	case SC_STATUS_NONE:
	default: return "none";
	}
}
