/*
 * bounce_mbox.h - where messages start in an mbox, for `smtpcodes bounces`
 * (src/cli/cmd_bounces.c): the separator tests its mbox reader uses, and
 * the places where an mbox may be cut into pieces that, read one by one,
 * give the same messages as the whole file. The cuts are found in memory
 * (a stream read as it comes) or in a file read through a window of 64 KB
 * with pread(), so finding them in a file of any size takes bounded
 * memory.
 *
 * Ownership: the functions on memory borrow it for the call. struct
 * bounce_mbox_win borrows its descriptor (the caller closes it) and owns
 * its window, freed by bounce_mbox_win_free().
 */
#ifndef SC_BOUNCE_MBOX_H
#define SC_BOUNCE_MBOX_H

#include <stddef.h>

/* Does the line that starts at b (up to e) start with "From "? */
int bounce_mbox_from_at(const char *b, const char *e);

/* Does the line that ends at the newline f close the message whose text
 * began at start (up to e), because a new one starts after it: a "From "
 * line after a blank line of the message, or a whole separator with its
 * date ("From MAILER-DAEMON Thu Jul  2 12:05:05 2020") after any line? */
int bounce_mbox_break(const char *f, const char *start, const char *e);

/* Where the first "From " line at or after p in the mbox m..e starts that a
 * reader of the whole mbox (messages end where bounce_mbox_break() says)
 * would also take as a message start, and after which the messages are
 * those of the whole file; e when there is none. */
const char *bounce_mbox_next_cut(const char *p, const char *m, const char *e);

/* An mbox file read through a window: bytes lo .. lo + len of the file are
 * in buf. size is the file's size when the caller asked it, the end of the
 * mbox for the cuts. After a failed read, failed is set, err holds its errno
 * (0: the file ended early) and erroff the first byte that could not be
 * read (for a file that has become shorter, its new size). */
struct bounce_mbox_win {
	int fd;
	unsigned long long size;
	char *buf;
	size_t cap;
	unsigned long long lo;
	size_t len;
	int failed, err;
	unsigned long long erroff;
};

#define BOUNCE_MBOX_WINDOW (64u * 1024) /* the window for a file of any size */
#define BOUNCE_MBOX_WINDOW_MIN 16u      /* a smaller one is made this big */

/* Starts reading the mbox file fd of size bytes through a window of cap
 * bytes (at least BOUNCE_MBOX_WINDOW_MIN). */
void bounce_mbox_win_init(struct bounce_mbox_win *w, int fd, unsigned long long size, size_t cap);

/* The offset of the first cut at or after p (1 <= p) in the file, the one
 * bounce_mbox_next_cut() would give on the whole file in memory; w->size
 * when there is none. After a read error (w->failed) the value means
 * nothing. */
unsigned long long bounce_mbox_win_cut(struct bounce_mbox_win *w, unsigned long long p);

/* Frees the window (not the descriptor). */
void bounce_mbox_win_free(struct bounce_mbox_win *w);

#endif
