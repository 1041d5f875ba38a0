/*
 * gmime_nogio.c - linked into the statically linked program only: stands in
 * for GMime's g_mime_stream_gio_get_type(), so that GIO stays out of it.
 *
 * g_mime_init() registers every GMime type up front, the stream over GIO
 * files (GMimeStreamGIO) among them, and ignores what the calls return.
 * smtpcodes never makes such a stream, but that one call pulls all of GIO
 * into a static link, and with GIO libmount, libblkid and libselinux, which
 * the loader then maps and binds at every start and whose constructors read
 * /proc/filesystems: about a fifth of the program's start-up. The Makefile
 * links the program with --wrap=g_mime_stream_gio_get_type, which sends
 * GMime's call here, where no type is registered. GIO is not among the
 * program's libraries any more, so should anything we call ever need the
 * GIO stream for real, the link fails instead of the program.
 */
#include <glib-object.h>

GType __wrap_g_mime_stream_gio_get_type(void);

GType __wrap_g_mime_stream_gio_get_type(void)
{
	return G_TYPE_INVALID;
}
