/*
 * cmd_bounces.c - `smtpcodes bounces`: bounce e-mails to one record per
 * failed recipient.
 *
 * Inputs are message files, folders (a Maildir's cur/ and new/, or any
 * folder of files, read in name order, recursively, each folder once however
 * many links lead to it), mbox files (recognised
 * by their first "From " line) and standard input; LF, CRLF and CR line ends
 * alike. Each message goes through src/bounce/ (bounce_read()) and its
 * records come out in the order the message gives them: TSV by default, JSON
 * lines with --json using sisimai's field names plus ours (class, advice,
 * provider, blocklist). --suppressions FILE writes the hard-bounced
 * addresses as CSV. A file that is not a message is named on stderr and
 * skipped; the run goes on.
 *
 * The files are read by --jobs threads (one per CPU by default; the main
 * thread is one of them), a batch of consecutive files at a time, each batch
 * into its own output buffer; whichever thread finishes the batch that is
 * next in input order writes it (and the finished ones after it), so the
 * output does not depend on the number of threads. With two threads or
 * more, the second one loads the classifier while the main thread walks
 * the folders and loads the bounce phrase tables. Each thread reads its
 * files into one buffer it keeps; files of some megabytes in folders are
 * mapped rather than read, and bigger ones read like standard input (a
 * piece at a time, see below). A folder's files are opened by name
 * relative to the folder (kept open for the run), so the kernel does not
 * walk the folder's whole path again for each file, and one that fits the
 * buffer is read without asking its size first.
 *
 * A big mbox named as an argument is cut at message starts into pieces of
 * some megabytes, each a batch of its own (split_mbox()); the cuts are
 * found by reading a window of 64 KB around each with pread()
 * (src/bounce/bounce_mbox.c), not by mapping the file, and each piece is
 * read with pread() by the thread that takes it. Standard input and pipes
 * are read as they come, an mbox there a piece at a time, its records
 * written as soon as all before them are (stream()). Either way memory
 * stays bounded, and the records are those of reading it whole.
 * On a terminal, a progress line shows bytes (or files) done and messages
 * per second.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounce/bounce.h"
#include "bounce/bounce_mbox.h"
#include "cli/cli.h"
#include "common/engine.h"
#include "common/out.h"
#include "common/progress.h"
#include "common/util.h"

#define BOUNCES_MAX_FILE (128u * 1024 * 1024) /* one message from stdin or a pipe at most */
#define BOUNCES_MMAP_MIN (4u * 1024 * 1024)    /* larger regular files are mapped */
#define BOUNCES_DIRS     64                     /* folders kept open for their files */
#define BOUNCES_RBUF     (64u * 1024)           /* a thread's read buffer at least */
#define SIZE_UNKNOWN     (~0ULL)                /* struct input: a folder's file, standard input */
#define BOUNCES_PIECE    (4u * 1024 * 1024)     /* a big mbox is read in pieces of at most about this size */
#define BOUNCES_PIECE_MIN (1024u * 1024)        /* ... and at least this size (see piece_for()) */

static void help(FILE *f)
{
	fputs("usage: smtpcodes bounces [--json] [--header] [--delivered] [--vacation]\n"
	      "                         [--suppressions FILE] [--campaign-header NAME]\n"
	      "                         [--rules FILE]... [--jobs N] [FILE|DIR|MBOX|-]...\n\n"
	      "Reads bounce e-mails (RFC 3464 reports, ARF complaints and Microsoft JMRP,\n"
	      "auto-replies, and 50 formats of their own: Postfix, Exim, Sendmail, qmail,\n"
	      "Courier, Exchange/Office 365, Gmail, Google Groups, Yahoo, Outlook.com, AOL,\n"
	      "Domino/Notes, GroupWise, Mimecast, Amazon SES (mail and JSON), OpenSMTPD,\n"
	      "DragonFly, Zoho, 1&1/IONOS, GMX, Mail.Ru, Yandex, Facebook, au/KDDI, Biglobe,\n"
	      "Verizon, IMail, Oracle Messaging Server, Apache James, PowerMTA, SendGrid,\n"
	      "amavisd-new, Barracuda, MailMarshal, MessageLabs, McAfee, m-FILTER, MailFoundry,\n"
	      "Active!hunter, SurfControl, MX Logic, Trend Micro, Bigfoot, fml, and unnamed\n"
	      "ones (sisimai's X1, X2, X3, X5, X6 and a 'NOTICE: Delivery Failure' notice);\n"
	      "module in --json names the one that read a message) and writes one record\n"
	      "per failed recipient, in the order each message gives them.\n"
	      "Arguments are message files, folders (Maildir cur/ new/, or any folder), mbox\n"
	      "files, or '-' for standard input (the default). Folders are read recursively,\n"
	      "each once however many links lead to it; a pipe, socket or device in a\n"
	      "folder is named and skipped. A big mbox named here is read in pieces by all\n"
	      "threads, and one on standard input or in a folder as it comes, both in\n"
	      "bounded memory. On a terminal, a progress line shows on\n"
	      "standard error after a second.\n\n"
	      "  --json                JSON lines with sisimai's field names: origin, recipient,\n"
	      "                        addresser, reason, deliverystatus, replycode,\n"
	      "                        diagnosticcode, diagnostictype, action, hardbounce,\n"
	      "                        smtpcommand, rhost, lhost, destination, senderdomain,\n"
	      "                        messageid, subject, listid, timestamp, feedbacktype;\n"
	      "                        and class, advice, provider, blocklist, module (the\n"
	      "                        format module that read the message); action is what\n"
	      "                        the reporting MTA did: failed (gave up, also with a\n"
	      "                        4.x.x status), delayed (still trying), delivered, ...\n"
	      "  --header              TSV: print a header line first\n"
	      "  --delivered           also records of successful deliveries\n"
	      "  --vacation            also auto-replies (RFC 3834), reason vacation\n"
	      "  --suppressions FILE   write hard-bounced recipients as CSV:\n"
	      "                        address,reason,code,last_seen\n"
	      "  --campaign-header H   a header of the original message that carries a\n"
	      "                        campaign id (field \"campaign\")\n"
	      "  --rules FILE          extra classification rules (docs/RULES.md)\n"
	      "  --jobs N              read N files or pieces of an mbox at a time (default:\n"
	      "                        one per CPU); the output order is the input order\n"
	      "                        all the same\n\n"
	      "TSV columns: origin recipient addresser timestamp reason deliverystatus\n"
	      "replycode class hardbounce advice provider blocklist smtpcommand rhost\n"
	      "diagnosticcode\n"
	      "Exit: 0 done, 64 usage, 65 bad rules or an input that is not mail, 66 an\n"
	      "input could not be opened, 74 read or write error.\n",
	      f);
}

struct supp {
	char *addr;
	char reason[24];
	char code[16];
	time_t when;
};

/* One input: its path as given or found, and, for a file listed in a
 * folder, that folder's descriptor (run->dirs) and where its own name starts
 * in path; dir is -1 for an argument, standard input, or a file of a folder
 * beyond the first BOUNCES_DIRS. size is the bytes of an argument or of a
 * piece of a big mbox (see split_mbox()), which starts at off; else
 * SIZE_UNKNOWN. */
struct input {
	char *path;
	int dir;
	unsigned name;
	int piece;
	unsigned long long off, size;
};

/* A batch of consecutive inputs (files, mboxes or standard input), read by
 * one thread into one output buffer. */
struct batch {
	size_t first, n;        /* run->inputs[first .. first + n) */
	char *out;              /* their records, written in input order */
	size_t outlen;
	struct supp *supp;      /* their hard bounces */
	size_t nsupp, capsupp;
	int rc;                 /* EX_* of a failure, 0 */
	unsigned long skipped;
	int done;
	unsigned long long bytes; /* read so far, and messages: for the progress line */
	unsigned long msgs;
};

struct run {
	struct smtpcodes_classifier *cl; /* shared, read-only */
	struct bounce_opts bo;
	int json;
	int suppressions;       /* --suppressions: hard bounces are kept */
	const char *campaign;
	struct input *inputs;
	size_t ninputs, capinputs;
	int dirs[BOUNCES_DIRS]; /* folders whose files are opened relative to them */
	int ndirs;
	/* the folders read so far (struct seen_dir in a tsearch() tree): a
	 * link back to one of them is not followed again, so a link loop ends
	 * and no file is read twice */
	void *seen;
	struct batch *batches;
	size_t nbatches;
	/* the work queue: next batch to take, first batch not yet written */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next, written;
	int waiting;            /* threads waiting for the writer to catch up */
	/* what the written batches gave */
	struct supp *supp;
	size_t nsupp, capsupp;
	unsigned long skipped;
	int werr;
	int rc;
	/* start-up: a second thread loads the classifier while the main
	 * thread collects the files */
	char **rules;
	size_t nrules;
	int engine;             /* 0 loading, 1 loaded, -1 failed (engine_rc) */
	int engine_rc;
	int go;                 /* the batches are made */
	size_t piece;           /* a big mbox is cut into pieces of at most this size */
	int piece_fixed;        /* ... and of exactly this size (a test asked) */
	int jobs;               /* threads asked for (--jobs) */
	/* the progress line: bytes of inputs of known size, else files */
	struct sc_progress prog;
	unsigned long long pdone;
	unsigned long pmsgs;
	int pfiles;
};

/* One thread: its classifier scratch and the buffer it reads files into. */
struct worker {
	struct run *run;
	struct sc_engine eng;
	char *rbuf;
	size_t rcap;
};

/* What a thread works with for one batch. */
struct ctx {
	const struct run *run;
	struct worker *wk;
	struct sc_engine *eng;
	struct sc_out out;
	struct batch *job;
};

#define BOUNCES_WINDOW 16  /* batches a thread may run ahead of the writer */
#define BOUNCES_BATCH  16  /* files per batch at most */

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : "";
}

/* "<id@host>" -> "id@host" into dst */
static const char *strip_angle(const char *s, char *dst, size_t cap)
{
	size_t n;
	dst[0] = '\0';
	if (!s)
		return dst;
	while (*s == ' ' || *s == '<')
		s++;
	n = strcspn(s, "> \t");
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return dst;
}

static void addresser_of(const struct bounce_msg *m, const struct bounce_list *l, char *dst, size_t cap)
{
	/* what a module knew, the original's From or Return-Path, and last
	 * the bounce's own recipient (a bounce goes back to the sender) */
	const char *cands[4];
	size_t i, s, n;
	cands[0] = l->addresser[0] ? l->addresser : NULL;
	cands[1] = m->has_orig ? bounce_hdr(&m->orig, "From") : NULL;
	cands[2] = m->has_orig ? bounce_hdr(&m->orig, "Return-Path") : NULL;
	cands[3] = bounce_hdr(&m->top, "To");
	dst[0] = '\0';
	for (i = 0; i < 4; i++) {
		if (cands[i] && bounce_find_addr(cands[i], strlen(cands[i]), &s, &n)) {
			bounce_rec_set(dst, cap, cands[i] + s, n);
			return;
		}
	}
}

static const char *action_name(const struct bounce_rec *r)
{
	if (r->v.reason == SMTPCODES_REASON_FEEDBACK || r->v.reason == SMTPCODES_REASON_VACATION)
		return "";
	/* what the MTA says it did: a temporary trouble it gave up on is
	 * "failed" (RFC 3464), though its status stays 4.x.x */
	if (r->action[0] && (strcmp(r->action, "delayed") || r->v.klass == SMTPCODES_CLASS_TEMPORARY))
		return r->action;
	switch (r->v.klass) {
	case SMTPCODES_CLASS_SUCCESS: return "delivered";
	case SMTPCODES_CLASS_TEMPORARY: return "delayed";
	default: return "failed";
	}
}

/* ,"name": and the value as a JSON string ("" for NULL); the key is one
 * literal, written in one piece */
#define json_field(o, name, v) json_value((o), ",\"" name "\":", sizeof(",\"" name "\":") - 1, (v))

static void json_value(struct sc_out *o, const char *key, size_t klen, const char *v)
{
	sc_out_put(o, key, klen);
	sc_out_json_cstr(o, v ? v : "");
}

static void tsv_field(struct sc_out *o, const char *v, int last)
{
	sc_out_tsv(o, v && *v ? v : "-", v && *v ? strlen(v) : 1);
	sc_out_char(o, last ? '\n' : '\t');
}

static void emit(struct ctx *c, const struct bounce_msg *m, const struct bounce_list *l, const struct bounce_rec *r)
{
	const struct run *run = c->run;
	struct sc_out *o = &c->out;
	char addresser[BOUNCE_ADDR_MAX], mid[BOUNCE_FIELD_MAX], code[16] = "", ts[32];
	const char *subject = l->subject[0] ? l->subject : m->has_orig ? bounce_hdr(&m->orig, "Subject") : NULL;
	const char *listid = m->has_orig ? bounce_hdr(&m->orig, "List-Id") : NULL;
	char lid[BOUNCE_FIELD_MAX];
	const char *msgid = l->messageid[0] ? l->messageid : m->has_orig ? bounce_hdr(&m->orig, "Message-ID") : NULL;
	const char *status = r->finalstatus;

	addresser_of(m, l, addresser, sizeof addresser);
	if (listid && strchr(listid, '<')) /* RFC 2919: the id is in <> */
		listid = strip_angle(strchr(listid, '<'), lid, sizeof lid);
	strip_angle(msgid, mid, sizeof mid);
	if (r->finalcode && (!run->json || (r->v.hard && run->suppressions && !status[0])))
		snprintf(code, sizeof code, "%d", r->finalcode);
	if (run->json) {
		sc_out_str(o, "{\"origin\":");
		sc_out_json_cstr(o, m->origin);
		json_field(o, "recipient", r->recipient);
		json_field(o, "addresser", addresser);
		json_field(o, "reason", smtpcodes_reason_name(r->v.reason));
		json_field(o, "deliverystatus", status);
		sc_out_str(o, ",\"replycode\":");
		if (r->finalcode)
			sc_out_int(o, r->finalcode);
		else
			sc_out_str(o, "null");
		json_field(o, "diagnosticcode", r->diag);
		json_field(o, "diagnostictype", r->diagtype[0] ? r->diagtype : r->diag[0] ? "SMTP" : "");
		json_field(o, "action", action_name(r));
		sc_out_str(o, r->v.hard ? ",\"hardbounce\":1" : ",\"hardbounce\":0");
		json_field(o, "smtpcommand", r->command);
		json_field(o, "rhost", r->rhost);
		json_field(o, "lhost", r->lhost);
		json_field(o, "destination", domain_of(r->recipient));
		json_field(o, "senderdomain", domain_of(addresser));
		json_field(o, "messageid", mid);
		json_field(o, "subject", subject);
		json_field(o, "listid", listid);
		sc_out_str(o, ",\"timestamp\":");
		sc_out_int(o, (long long)r->time);
		json_field(o, "feedbacktype", r->feedbacktype);
		if (run->campaign)
			json_field(o, "campaign", m->has_orig ? bounce_hdr(&m->orig, run->campaign) : NULL);
		json_field(o, "class", smtpcodes_class_name(r->v.klass));
		json_field(o, "advice", smtpcodes_action_name(r->v.action));
		sc_out_str(o, ",\"provider\":");
		sc_out_json_cstr(o, r->v.provider);
		sc_out_str(o, ",\"blocklist\":");
		sc_out_json_cstr(o, r->v.blocklist);
		json_field(o, "module", l->module);
		sc_out_str(o, "}\n");
	} else {
		tsv_field(o, m->origin, 0);
		tsv_field(o, r->recipient, 0);
		tsv_field(o, addresser, 0);
		snprintf(ts, sizeof ts, "%lld", (long long)r->time);
		tsv_field(o, ts, 0);
		tsv_field(o, smtpcodes_reason_name(r->v.reason), 0);
		tsv_field(o, status, 0);
		tsv_field(o, code, 0);
		tsv_field(o, smtpcodes_class_name(r->v.klass), 0);
		tsv_field(o, r->v.hard ? "1" : "0", 0);
		tsv_field(o, smtpcodes_action_name(r->v.action), 0);
		tsv_field(o, r->v.provider, 0);
		tsv_field(o, r->v.blocklist, 0);
		tsv_field(o, r->command, 0);
		tsv_field(o, r->rhost, 0);
		tsv_field(o, r->diag, 1);
	}
	if (r->v.hard && run->suppressions) {
		struct batch *j = c->job;
		struct supp *s;
		if (j->nsupp == j->capsupp) {
			j->capsupp = j->capsupp ? j->capsupp * 2 : 16;
			j->supp = xrealloc(j->supp, j->capsupp * sizeof *j->supp);
		}
		s = &j->supp[j->nsupp++];
		s->addr = xstrdup(r->recipient);
		snprintf(s->reason, sizeof s->reason, "%s", smtpcodes_reason_name(r->v.reason));
		snprintf(s->code, sizeof s->code, "%s", status[0] ? status : code);
		s->when = r->time;
	}
}

/* CRLF and lone CR become LF, in place; returns the new length. */
static size_t normalize_eol(char *b, size_t n)
{
	char *r = memchr(b, '\r', n), *w, *e = b + n;
	if (!r)
		return n;
	/* from CR to CR: the text between moves down in one copy */
	for (w = r; r;) {
		char *next;
		if (r + 1 < e && r[1] == '\n') {
			r++; /* CR LF: the LF stays */
		} else {
			*r = '\n'; /* a lone CR */
		}
		next = memchr(r + 1, '\r', (size_t)(e - r - 1));
		memmove(w, r, (size_t)((next ? next : e) - r));
		w += (next ? next : e) - r;
		r = next;
	}
	*w = '\0';
	return (size_t)(w - b);
}

/* 1 when the first 4 KB of len bytes at buf hold no ':', so no header:
 * no mail message. */
static int no_header(const char *buf, size_t len)
{
	return memchr(buf, ':', len < 4096 ? len : 4096) == NULL;
}

static void skip_no_mail(struct ctx *c, const char *path)
{
	sc_warn("bounces: %s: not a mail message, skipped", path);
	c->job->skipped++;
}

static void one_message(struct ctx *c, const char *origin, const char *buf, size_t len)
{
	struct bounce_msg m;
	struct bounce_list l;
	size_t i;
	c->job->msgs++;
	if (bounce_read(c->eng, &c->run->bo, origin, buf, len, &m, &l)) {
		skip_no_mail(c, origin);
		bounce_msg_free(&m);
		bounce_list_free(&l);
		return;
	}
	if (l.truncated)
		sc_warn("bounces: %s: more than %d recipients in one message, the rest left out", origin,
		        BOUNCE_MAX_RCPTS);
	else if (m.dsn_cut)
		sc_warn("bounces: %s: delivery report larger than %u MB, the recipients after its first %zu left out",
		        origin, BOUNCE_DSN_MAX >> 20, l.n);
	if (m.too_deep)
		sc_warn("bounces: %s: parts nested more than %d multiparts deep, not read", origin, BOUNCE_WALK_DEPTH);
	for (i = 0; i < l.n; i++)
		emit(c, &m, &l, &l.v[i]);
	bounce_msg_free(&m);
	bounce_list_free(&l);
}

/* An mbox: messages start at lines "From " after a blank line (or at the
 * very start), or at any line that is a whole separator with its date
 * (messages glued together without the blank line); the "From " line
 * itself is not part of the message. Line ends may still be CRLF here:
 * each message is copied and normalised on its own, so a mapped mbox of
 * any size costs one message of memory. */
static void mbox(struct ctx *c, const char *origin, const char *buf, size_t len)
{
	const char *p = buf, *e = buf + len;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *start = nl ? nl + 1 : e, *f = start;
		while ((f = memchr(f, '\n', (size_t)(e - f))) != NULL && !bounce_mbox_break(f, start, e))
			f++;
		f = f ? f + 1 : e;
		if (f > start) {
			size_t n = (size_t)(f - start);
			if (memchr(start, '\r', n)) {
				char *copy = xmalloc(n + 1);
				memcpy(copy, start, n);
				copy[n] = '\0';
				one_message(c, origin, copy, normalize_eol(copy, n));
				free(copy);
			} else {
				one_message(c, origin, start, n);
			}
		}
		p = f;
	}
}

/* Where read_input() put an input, and so how it is let go. */
enum input_home {
	IN_THREAD_BUF, /* the thread's reused buffer: nothing to do */
	IN_STREAM,     /* standard input, a pipe: read as it comes, by stream() */
	IN_MAPPING,    /* a private mapping: munmap() */
};

/* Grows the thread's read buffer to hold n bytes and a NUL at least. */
static void rbuf_fit(struct worker *wk, size_t n)
{
	if (n + 1 > wk->rcap || wk->rcap < BOUNCES_RBUF) {
		wk->rcap = n + 1 > BOUNCES_RBUF ? n + 1 : BOUNCES_RBUF;
		wk->rbuf = xrealloc(wk->rbuf, wk->rcap); /* keeps what was read */
	}
}

/* Reads a piece of a big mbox (in->size bytes from in->off) into the
 * thread's buffer. When the file has become shorter since it was cut, what
 * was read is given all the same (*len), with the error. */
static int read_piece(struct worker *wk, const struct input *in, char **data, size_t *len, char *err, size_t errlen)
{
	size_t want = (size_t)in->size, got = 0;
	int fd = open(in->path, O_RDONLY | O_CLOEXEC), rc = 0;
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", in->path, strerror(errno));
		return EX_NOINPUT;
	}
	rbuf_fit(wk, want);
	while (got < want) {
		ssize_t r = pread(fd, wk->rbuf + got, want - got, (off_t)(in->off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: %s at byte %llu, which it held when the run began", in->path,
			         r ? strerror(errno) : "ends", in->off + got);
			rc = EX_IOERR;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	/* a cut piece ends before a "From " line; a short one may end inside a
	 * message, which then goes as far as it was read */
	wk->rbuf[got] = '\0';
	*data = wk->rbuf;
	*len = got;
	return rc;
}

/* Reads a whole regular file at its size into the thread's buffer, or
 * leaves standard input, pipes and files of more than two pieces (a big
 * mbox in a folder) to stream() (*sfd); files of BOUNCES_MMAP_MIN and more
 * below that are mapped privately instead: pages are only copied where the
 * line ends are rewritten. A file its folder listed as regular is read at
 * once and its size asked only when it fills the buffer: a read of a
 * regular file that returns less than it asked for has reached the end. */
static int read_input(struct worker *wk, const struct input *in, char **data, size_t *len, enum input_home *home,
                      int *sfd, char *err, size_t errlen)
{
	const char *path = in->path;
	struct stat st;
	int fd;
	size_t got = 0, size;
	*home = IN_STREAM;
	*len = 0;
	*sfd = 0;
	if (in->dir < 0 && !strcmp(path, "-"))
		return 0;
	if (in->piece) {
		*home = IN_THREAD_BUF;
		return read_piece(wk, in, data, len, err, errlen);
	}
	fd = in->dir >= 0 ? openat(in->dir, path + in->name, O_RDONLY | O_CLOEXEC) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	rbuf_fit(wk, 0);
	if (in->dir >= 0) {
		ssize_t r;
		do
			r = read(fd, wk->rbuf, wk->rcap - 1);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			close(fd);
			return EX_IOERR;
		}
		got = (size_t)r;
		if (got < wk->rcap - 1) {
			close(fd);
			goto done;
		}
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (got) {
			snprintf(err, errlen, "%s: not a regular file", path);
			close(fd);
			return EX_NOINPUT;
		}
		*sfd = fd;
		return 0;
	}
	/* a big file a folder listed (one named as an argument was cut into
	 * pieces already): read from its start as it comes, an mbox a piece
	 * at a time, so memory stays bounded however big it is */
	if ((unsigned long long)st.st_size > 2ull * wk->run->piece) {
		if (lseek(fd, 0, SEEK_SET) != 0) {
			snprintf(err, errlen, "%s: cannot seek: %s", path, strerror(errno));
			close(fd);
			return EX_IOERR;
		}
		*sfd = fd;
		return 0;
	}
	if ((unsigned long long)st.st_size >= BOUNCES_MMAP_MIN && (unsigned long long)st.st_size < SIZE_MAX) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		close(fd);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "%s: cannot map: %s", path, strerror(errno));
			return EX_IOERR;
		}
		*data = p;
		*len = (size_t)st.st_size;
		*home = IN_MAPPING;
		return 0;
	}
	size = (size_t)st.st_size > got ? (size_t)st.st_size : got;
	rbuf_fit(wk, size);
	while (got < size) {
		ssize_t r = read(fd, wk->rbuf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
				close(fd);
				return EX_IOERR;
			}
			break;
		}
		got += (size_t)r;
	}
	close(fd);
done:
	wk->rbuf[got] = '\0';
	*data = wk->rbuf;
	*len = got;
	*home = IN_THREAD_BUF;
	return 0;
}

/* A whole input in memory: an mbox, or one message. */
static void whole(struct ctx *c, const char *path, char *buf, size_t len)
{
	if (bounce_mbox_from_at(buf, buf + len)) {
		mbox(c, path, buf, len);
	} else if ((len = normalize_eol(buf, len)) == 0 || no_header(buf, len)) {
		skip_no_mail(c, path);
	} else {
		one_message(c, path, buf, len);
	}
}

/* Writes the records so far of a batch still being read, if all batches
 * before it have been written: a long stream then needs no memory for its
 * records. */
static void pass_on(struct ctx *c)
{
	struct run *run = c->wk->run;
	struct batch *b = c->job;
	sc_out_flush(&c->out);
	if (fflush(c->out.f))
		return; /* kept for the end */
	pthread_mutex_lock(&run->mu);
	if (run->written == (size_t)(b - run->batches) && b->outlen) {
		if (fwrite(b->out, 1, b->outlen, stdout) != b->outlen)
			run->werr = 1;
		rewind(c->out.f);
	}
	sc_progress_update(&run->prog, run->pdone + b->bytes, run->pmsgs + b->msgs);
	pthread_mutex_unlock(&run->mu);
}

/*
 * Standard input, a pipe or a big file in a folder (fd), read as it comes
 * from where fd stands. An mbox goes on a piece at a time: once
 * 2 * run->piece bytes are in, the messages up to the first cut
 * bounce_mbox_next_cut() finds after run->piece are read and their records
 * passed on, so a stream of any length needs memory for a piece and its
 * largest message. Anything else is one message of BOUNCES_MAX_FILE at
 * most, and skipped as soon as its first 4 KB show that it is no mail.
 */
static void stream(struct ctx *c, const char *path, int fd)
{
	struct worker *wk = c->wk;
	size_t have = 0, look = c->run->piece, piece = c->run->piece;
	int is_mbox = -1;
	for (;;) {
		ssize_t r;
		if (wk->rcap < have + BOUNCES_RBUF + 1)
			rbuf_fit(wk, wk->rcap * 2);
		r = read(fd, wk->rbuf + have, wk->rcap - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sc_warn("bounces: %s: read error after %zu bytes: %s", path, have, strerror(errno));
			c->job->rc = EX_IOERR;
		}
		if (r <= 0)
			break;
		have += (size_t)r;
		c->job->bytes += (size_t)r;
		if (is_mbox < 0 && have >= 5)
			is_mbox = bounce_mbox_from_at(wk->rbuf, wk->rbuf + have);
		/* as whole() decides, but before the rest is read */
		if (!is_mbox && have >= 4096 && no_header(wk->rbuf, have)) {
			skip_no_mail(c, path);
			return;
		}
		if (!is_mbox && have > BOUNCES_MAX_FILE) {
			sc_warn("bounces: %s: a message larger than %u bytes, skipped", path, BOUNCES_MAX_FILE);
			c->job->rc = EX_DATAERR;
			return;
		}
		if (is_mbox == 1 && have >= 2 * piece) {
			/* only whole lines: a separator is known by its whole line */
			const char *m = wk->rbuf, *e = memrchr(m, '\n', have), *cut;
			e = e ? e + 1 : m;
			cut = e - m > (ptrdiff_t)look ? bounce_mbox_next_cut(m + look, m, e) : e;
			if (cut == e) {
				look = (size_t)(e - m); /* a big message: read on */
				continue;
			}
			mbox(c, path, wk->rbuf, (size_t)(cut - m));
			have -= (size_t)(cut - m);
			memmove(wk->rbuf, cut, have);
			look = piece;
			pass_on(c);
		}
	}
	wk->rbuf[have] = '\0';
	whole(c, path, wk->rbuf, have);
}

static void one_file(struct ctx *c, const struct input *in)
{
	const char *path = in->path;
	char *buf;
	size_t len;
	char err[1024];
	enum input_home home;
	int sfd, rc = read_input(c->wk, in, &buf, &len, &home, &sfd, err, sizeof err);
	if (rc) {
		sc_warn("bounces: %s", err);
		c->job->rc = rc;
		if (!len) /* else the part of a piece that was read */
			return;
	}
	if (home == IN_STREAM) {
		stream(c, path, sfd);
		if (sfd)
			close(sfd);
		return;
	}
	c->job->bytes += len;
	whole(c, path, buf, len);
	if (home == IN_MAPPING)
		munmap(buf, len);
}

/* Adds path (taken, not copied) to the inputs; dir and name as in struct
 * input. Returns the new input. */
static struct input *add_input(struct run *run, char *path, int dir, size_t name)
{
	struct input *in;
	if (run->ninputs == run->capinputs) {
		run->capinputs = run->capinputs ? run->capinputs * 2 : 256;
		run->inputs = xrealloc(run->inputs, run->capinputs * sizeof *run->inputs);
	}
	in = &run->inputs[run->ninputs++];
	in->path = path;
	in->dir = dir;
	in->name = (unsigned)name;
	in->piece = 0;
	in->off = 0;
	in->size = SIZE_UNKNOWN;
	return in;
}

static struct input *add_job(struct run *run, const char *path)
{
	return add_input(run, xstrdup(path), -1, 0);
}

/* Adds the piece from .. to of the mbox path. */
static void add_piece(struct run *run, const char *path, unsigned long long from, unsigned long long to)
{
	struct input *in = add_job(run, path);
	in->piece = 1;
	in->off = from;
	in->size = to - from;
}

/*
 * A big mbox named as an argument becomes pieces of about piece bytes
 * (piece_for(); the tests set SMTPCODES_BOUNCES_PIECE), cut at message
 * starts, each an input of its own: the threads read them side by side, and
 * a thread holds one piece at a time, so memory stays bounded however big
 * the file. The cuts are looked for in a window of BOUNCE_MBOX_WINDOW bytes
 * read with pread() (bounce_mbox_win_cut(), src/bounce/bounce_mbox.c), so
 * cutting costs no more memory than that, and they give the records of the
 * whole file. A file that cannot be read here, or is no mbox, is one input
 * as before. When a read fails or finds the file shorter, that is said
 * with the offset, and what was read is kept: the pieces cut so far and
 * the rest up to where the reading stopped.
 */
static void split_mbox(struct run *run, const char *path, unsigned long long size, size_t piece)
{
	struct bounce_mbox_win w;
	unsigned long long from = 0;
	char head[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
	    !bounce_mbox_from_at(head, head + sizeof head)) {
		if (fd >= 0)
			close(fd);
		add_job(run, path);
		return;
	}
	bounce_mbox_win_init(&w, fd, size, BOUNCE_MBOX_WINDOW);
	while (from < size) {
		unsigned long long to = size - from > 2 * piece ? bounce_mbox_win_cut(&w, from + piece) : size;
		if (w.failed) {
			sc_warn("bounces: %s: %s at byte %llu, which it held when the run began", path,
			        w.err ? strerror(w.err) : "ends", w.erroff);
			if (!run->rc)
				run->rc = EX_IOERR;
			if (w.erroff > from)
				add_piece(run, path, from, w.erroff);
			break;
		}
		add_piece(run, path, from, to);
		from = to;
	}
	bounce_mbox_win_free(&w);
	close(fd);
}

/* The size of the pieces a file of size bytes is cut into, if it is an
 * mbox: about an eighth of a thread's share, so that the threads end close
 * together (an 11 MB mbox in 4 MB pieces kept one of two threads busy for
 * 7 MB of it), but no less than BOUNCES_PIECE_MIN, so that a piece's own
 * cost stays small, and no more than run->piece, which bounds the memory. */
static size_t piece_for(const struct run *run, unsigned long long size)
{
	unsigned long long p = size / (8ull * (unsigned)run->jobs);
	if (run->piece_fixed || p > run->piece)
		return run->piece;
	return p < BOUNCES_PIECE_MIN ? BOUNCES_PIECE_MIN : (size_t)p;
}

/* The size of the pieces the file st describes is cut into, or 0 when it
 * is read whole (not a regular file, or no more than two pieces). */
static size_t split_piece(const struct run *run, const struct stat *st)
{
	size_t piece;
	if (!S_ISREG(st->st_mode))
		return 0;
	piece = piece_for(run, (unsigned long long)st->st_size);
	return (unsigned long long)st->st_size > 2ull * piece ? piece : 0;
}

/* A folder entry: its path (the folder's, then its name) and what
 * readdir() says it is. */
struct folder_entry {
	char *path;
	unsigned char type;
};

/* All entries share their folder's path: comparing the paths orders the
 * names. */
static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct folder_entry *)a)->path, ((const struct folder_entry *)b)->path);
}

/* A folder by its device and inode. */
struct seen_dir {
	dev_t dev;
	ino_t ino;
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen_dir *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* 1 when the folder open at fd was read already (by another name, through
 * a link); else remembers it and gives 0. */
static int folder_seen(struct run *run, int fd)
{
	struct stat st;
	struct seen_dir *d, **found;
	if (fstat(fd, &st))
		return 0;
	d = xmalloc(sizeof *d);
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	found = tsearch(d, &run->seen, cmp_seen);
	if (!found || *found != d) {
		free(d);
		return found != NULL; /* without memory for the tree: read it (16 deep at most) */
	}
	return 0;
}

/* Collects the files under path (a file, "-", or a folder read in name
 * order, recursively; a Maildir's tmp/ is left out). type is what the
 * parent folder's entry said (DT_REG, DT_DIR), or DT_UNKNOWN: then stat()
 * tells. */
static void collect(struct run *run, const char *path, int depth, unsigned char type)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	struct folder_entry *names = NULL;
	size_t n = 0, cap = 0, i, pl = strlen(path);
	int has_cur = 0, slash = pl && path[pl - 1] == '/', fd, dir = -1, files = 0;

	if (type == DT_REG || !strcmp(path, "-")) {
		add_job(run, path);
		return;
	}
	if (type != DT_DIR) {
		int missing = stat(path, &st) != 0;
		/* a file, or a named input that is not there: its worker
		 * reports it */
		size_t piece = missing ? 0 : split_piece(run, &st);
		if (piece) {
			split_mbox(run, path, (unsigned long long)st.st_size, piece);
			return;
		}
		/* in a folder: a link to nothing, or a pipe, socket or device
		 * (opening a pipe would wait for a writer forever) */
		if (depth > 0 && (missing || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))) {
			sc_warn("bounces: %s: %s, skipped", path, missing ? strerror(errno) : "not a regular file");
			run->skipped++;
			return;
		}
		if ((!missing && !S_ISDIR(st.st_mode)) || (missing && depth == 0)) {
			struct input *in = add_job(run, path);
			if (!missing && S_ISREG(st.st_mode))
				in->size = (unsigned long long)st.st_size;
			return;
		}
	}
	fd = depth > 16 ? -1 : open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && folder_seen(run, fd)) {
		sc_warn("bounces: %s: a link to a folder read already, skipped", path);
		close(fd);
		return;
	}
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (depth > 16)
			sc_warn("bounces: %s: cannot read folder: more than 16 folders deep", path);
		else
			sc_warn("bounces: %s: cannot read folder: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (!run->rc)
			run->rc = EX_NOINPUT;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t nl;
		char *full;
		if (de->d_name[0] == '.')
			continue;
		/* a Maildir's tmp/ holds deliveries still being written */
		if (!strcmp(de->d_name, "cur"))
			has_cur = 1;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		nl = strlen(de->d_name);
		full = xmalloc(pl + nl + 2);
		memcpy(full, path, pl);
		if (!slash)
			full[pl] = '/';
		memcpy(full + pl + !slash, de->d_name, nl + 1);
		names[n].path = full;
		/* links and file systems without d_type: stat() decides */
		names[n++].type = de->d_type == DT_REG || de->d_type == DT_DIR ? de->d_type : DT_UNKNOWN;
		files += de->d_type == DT_REG;
	}
	/* the folder stays open for its files (closedir() closes fd) */
	if (files && run->ndirs < BOUNCES_DIRS && (dir = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0)
		run->dirs[run->ndirs++] = dir;
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_entry);
	for (i = 0; i < n; i++) {
		if (has_cur && !strcmp(names[i].path + pl + !slash, "tmp")) {
			free(names[i].path);
		} else if (names[i].type == DT_REG) {
			add_input(run, names[i].path, dir, pl + !slash);
		} else {
			collect(run, names[i].path, depth + 1, names[i].type);
			free(names[i].path);
		}
	}
	free(names);
}

/* Runs one batch into its own output buffer. */
static void run_batch(struct worker *wk, struct batch *b)
{
	struct run *run = wk->run;
	struct ctx c;
	size_t i;
	FILE *mem = open_memstream(&b->out, &b->outlen);
	if (!mem) {
		b->rc = EX_OSERR;
		return;
	}
	c.run = run;
	c.wk = wk;
	c.eng = &wk->eng;
	c.job = b;
	sc_out_init(&c.out, mem);
	for (i = 0; i < b->n; i++)
		one_file(&c, &run->inputs[b->first + i]);
	sc_out_free(&c.out);
	if (c.out.error && !b->rc)
		b->rc = EX_IOERR;
	fclose(mem);
}

/* Writes the finished batches that are next in input order, and takes in
 * their hard bounces and exit codes; with run->mu held. */
static void write_done(struct run *run)
{
	while (run->written < run->nbatches && run->batches[run->written].done) {
		struct batch *b = &run->batches[run->written];
		size_t i;
		if (b->outlen && fwrite(b->out, 1, b->outlen, stdout) != b->outlen)
			run->werr = 1;
		free(b->out);
		b->out = NULL;
		if (b->rc && !run->rc)
			run->rc = b->rc;
		run->skipped += b->skipped;
		run->pdone += run->pfiles ? b->n : b->bytes;
		run->pmsgs += b->msgs;
		sc_progress_update(&run->prog, run->pdone, run->pmsgs);
		if (b->nsupp) {
			if (run->nsupp + b->nsupp > run->capsupp) {
				run->capsupp = (run->nsupp + b->nsupp) * 2;
				run->supp = xrealloc(run->supp, run->capsupp * sizeof *run->supp);
			}
			memcpy(run->supp + run->nsupp, b->supp, b->nsupp * sizeof *run->supp);
			run->nsupp += b->nsupp;
		}
		free(b->supp);
		for (i = 0; i < b->n; i++)
			free(run->inputs[b->first + i].path);
		run->written++;
	}
}

/* Takes batches until none is left; the main thread runs this too. */
static void work(struct worker *wk)
{
	struct run *run = wk->run;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&run->mu);
		while (run->next < run->nbatches && run->next >= run->written + BOUNCES_WINDOW) {
			run->waiting++;
			pthread_cond_wait(&run->cv, &run->mu);
			run->waiting--;
		}
		if (run->next >= run->nbatches) {
			pthread_mutex_unlock(&run->mu);
			break;
		}
		i = run->next++;
		pthread_mutex_unlock(&run->mu);
		run_batch(wk, &run->batches[i]);
		pthread_mutex_lock(&run->mu);
		run->batches[i].done = 1;
		write_done(run);
		if (run->waiting)
			pthread_cond_broadcast(&run->cv);
		pthread_mutex_unlock(&run->mu);
	}
}

static void *worker(void *arg)
{
	struct worker *wk = arg;
	wk->eng.cl = wk->run->cl;
	if (smtpcodes_scratch_new(wk->run->cl, &wk->eng.scratch) == 0)
		work(wk);
	smtpcodes_scratch_free(wk->eng.scratch);
	bounce_needles_thread_done();
	free(wk->rbuf);
	return NULL;
}

/* The second thread: loads the classifier while the main thread collects
 * the files and loads the bounce phrase tables, then works like the others;
 * its engine holds the classifier the main thread frees at the end. */
static void *loader(void *arg)
{
	struct worker *wk = arg;
	struct run *run = wk->run;
	int rc = sc_engine_open(&wk->eng, run->rules, run->nrules);
	pthread_mutex_lock(&run->mu);
	run->engine_rc = rc;
	run->engine = rc ? -1 : 1;
	if (!rc)
		run->cl = wk->eng.cl;
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	if (rc)
		return NULL;
	pthread_mutex_lock(&run->mu);
	while (!run->go)
		pthread_cond_wait(&run->cv, &run->mu);
	pthread_mutex_unlock(&run->mu);
	work(wk);
	bounce_needles_thread_done();
	free(wk->rbuf);
	return NULL;
}

/* Cuts the inputs into batches: enough of them for every thread to get
 * several, and with two threads or more the last files (a full batch per
 * thread) in batches of a quarter of that size, so that the threads end
 * close together rather than one waiting for the other's last big batch.
 * A piece of a big mbox is a batch of its own. */
static void cut_batches(struct run *run, size_t from, size_t to, size_t size)
{
	while (from < to) {
		struct batch *b = &run->batches[run->nbatches++];
		b->first = from;
		b->n = 1;
		if (!run->inputs[from++].piece)
			while (b->n < size && from < to && !run->inputs[from].piece) {
				b->n++;
				from++;
			}
	}
}

static void make_batches(struct run *run, int nthreads)
{
	size_t per, small, tail, head;
	per = run->ninputs / ((size_t)(nthreads ? nthreads : 1) * 8);
	per = per < 1 ? 1 : per > BOUNCES_BATCH ? BOUNCES_BATCH : per;
	small = per / 4 ? per / 4 : 1;
	tail = nthreads > 1 ? (size_t)nthreads * per : 0;
	tail = tail > run->ninputs ? run->ninputs : tail;
	head = run->ninputs - tail;
	run->batches = xcalloc(run->ninputs + 1, sizeof *run->batches);
	run->nbatches = 0;
	cut_batches(run, 0, head, per);
	cut_batches(run, head, run->ninputs, small);
}

/* The progress line (on a terminal, after a second): bytes of all inputs
 * when each one's size is known (arguments, pieces of an mbox; standard
 * input has none, so no total), else a count of files (a folder's files
 * are not asked their size). */
static void progress_begin(struct run *run)
{
	unsigned long long total = 0;
	size_t i;
	int stdin_too = 0;
	for (i = 0; i < run->ninputs; i++) {
		if (run->inputs[i].size != SIZE_UNKNOWN)
			total += run->inputs[i].size;
		else if (strcmp(run->inputs[i].path, "-"))
			run->pfiles = 1;
		else
			stdin_too = 1;
	}
	if (stdin_too)
		total = 0;
	sc_progress_begin(&run->prog, stderr, "bounces", run->pfiles ? run->ninputs : total, 0);
	sc_progress_units(&run->prog, run->pfiles ? "files" : NULL, "messages");
}

static int cmp_supp(const void *a, const void *b)
{
	const struct supp *x = a, *y = b;
	int c = strcasecmp(x->addr, y->addr);
	if (c)
		return c;
	return x->when < y->when ? -1 : x->when > y->when;
}

static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

/* Writes the hard-bounced addresses to f (sc_late_open()ed for path before
 * the run) and closes it. */
static int write_suppressions(struct supp *supp, size_t nsupp, FILE *f, const char *path)
{
	size_t i;
	if (sc_late_start(f)) {
		sc_warn("bounces: %s: cannot write: %s", path, strerror(errno));
		fclose(f);
		return EX_CANTCREAT;
	}
	if (nsupp)
		qsort(supp, nsupp, sizeof *supp, cmp_supp);
	fputs("address,reason,code,last_seen\n", f);
	for (i = 0; i < nsupp; i++) {
		char when[32] = "";
		struct tm tm;
		if (i + 1 < nsupp && !strcasecmp(supp[i].addr, supp[i + 1].addr))
			continue; /* the latest record of an address wins */
		if (supp[i].when && gmtime_r(&supp[i].when, &tm))
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		csv_field(f, supp[i].addr);
		fputc(',', f);
		csv_field(f, supp[i].reason);
		fputc(',', f);
		csv_field(f, supp[i].code);
		fputc(',', f);
		fputs(when, f);
		fputc('\n', f);
	}
	if (fclose(f)) {
		sc_warn("bounces: %s: write error: %s", path, strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

/* 1 when the arguments name a single input that is no folder and is not
 * cut into pieces (or none: standard input). */
static int one_input(const struct run *run, int n, char **args)
{
	struct stat st;
	if (n == 0)
		return 1;
	if (n > 1 || !strcmp(args[0], "-"))
		return n == 1;
	return stat(args[0], &st) == 0 && !S_ISDIR(st.st_mode) && !split_piece(run, &st);
}

static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

int cmd_bounces(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "header", no_argument, NULL, 'H' },
		{ "delivered", no_argument, NULL, 'd' },
		{ "vacation", no_argument, NULL, 'v' },
		{ "suppressions", required_argument, NULL, 's' },
		{ "campaign-header", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run run;
	struct worker *wk;
	char **rules = xcalloc((size_t)argc, sizeof *rules);
	size_t nrules = 0, i;
	const char *supfile = NULL;
	FILE *supf = NULL; /* --suppressions, open from the start */
	int header = 0, c, rc, njobs = default_jobs(), nthreads, started, loading;
	pthread_t *th;

	memset(&run, 0, sizeof run);
	/* the tests cut small mboxes into many pieces */
	if (getenv("SMTPCODES_BOUNCES_PIECE"))
		run.piece = strtoul(getenv("SMTPCODES_BOUNCES_PIECE"), NULL, 10);
	run.piece_fixed = run.piece != 0;
	if (!run.piece)
		run.piece = BOUNCES_PIECE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jHdvs:c:r:J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': run.json = 1; break;
		case 'H': header = 1; break;
		case 'd': run.bo.delivered = 1; break;
		case 'v': run.bo.vacation = 1; break;
		case 's': supfile = optarg; run.suppressions = 1; break;
		case 'c': run.campaign = optarg; break;
		case 'r': rules[nrules++] = optarg; break;
		case 'J':
			njobs = atoi(optarg);
			if (njobs < 1 || njobs > 256) {
				sc_warn("bounces: --jobs wants a number from 1 to 256");
				free(rules);
				return EX_USAGE;
			}
			break;
		case 'h': help(stdout); free(rules); return 0;
		default: help(stderr); free(rules); return EX_USAGE;
		}
	}
	if (supfile && !(supf = sc_late_open(supfile))) {
		sc_warn("bounces: %s: cannot write: %s", supfile, strerror(errno));
		free(rules);
		return EX_CANTCREAT;
	}
	run.jobs = njobs;
	wk = xcalloc((size_t)njobs, sizeof *wk);
	th = xcalloc((size_t)njobs, sizeof *th);
	for (c = 0; c < njobs; c++)
		wk[c].run = &run;
	run.rules = rules;
	run.nrules = nrules;
	pthread_mutex_init(&run.mu, NULL);
	pthread_cond_init(&run.cv, NULL);
	bounce_mime_init();
	/* with two threads or more, the second loads the classifier while
	 * this one collects the files (one file or standard input: nothing
	 * to collect, no second thread to wait for) */
	loading = njobs > 1 && !one_input(&run, argc - optind, argv + optind) &&
	          !pthread_create(&th[1], NULL, loader, &wk[1]);
	if (!loading) {
		rc = sc_engine_open(&wk[0].eng, rules, nrules);
		if (rc)
			goto early;
		run.cl = wk[0].eng.cl;
	}
	if (optind >= argc)
		collect(&run, "-", 0, DT_UNKNOWN);
	for (c = optind; c < argc; c++)
		collect(&run, argv[c], 0, DT_UNKNOWN);
	if (loading) {
		/* the phrase tables while the classifier is still loading */
		bounce_needles_init();
		pthread_mutex_lock(&run.mu);
		while (!run.engine)
			pthread_cond_wait(&run.cv, &run.mu);
		pthread_mutex_unlock(&run.mu);
		if (run.engine < 0) {
			rc = run.engine_rc;
			pthread_join(th[1], NULL);
			loading = 0;
			goto early;
		}
		wk[0].eng.cl = run.cl;
		if (smtpcodes_scratch_new(run.cl, &wk[0].eng.scratch)) {
			sc_warn("cannot allocate classifier scratch space");
			rc = EX_OSERR;
			goto early;
		}
	}

	if (header && !run.json)
		fputs("origin\trecipient\taddresser\ttimestamp\treason\tdeliverystatus\treplycode\tclass\t"
		      "hardbounce\tadvice\tprovider\tblocklist\tsmtpcommand\trhost\tdiagnosticcode\n",
		      stdout);
	nthreads = (size_t)njobs > run.ninputs ? (int)run.ninputs : njobs;
	make_batches(&run, nthreads);
	progress_begin(&run);
	/* the main thread is worker 0, the loader worker 1; the others start
	 * their own */
	for (started = loading ? 2 : 1; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, &wk[started]))
			break;
	pthread_mutex_lock(&run.mu);
	run.go = 1;
	pthread_cond_broadcast(&run.cv);
	pthread_mutex_unlock(&run.mu);
	work(&wk[0]);
	if (loading)
		pthread_join(th[1], NULL);
	for (c = loading ? 2 : 1; c < started; c++)
		pthread_join(th[c], NULL);
	free(wk[0].rbuf);
	free(run.batches);
	free(run.inputs); /* each path went with its batch */
	sc_progress_end(&run.prog);
	if (fflush(stdout) || run.werr) {
		sc_warn("bounces: write error on standard output");
		run.rc = EX_IOERR;
	}
	if (supfile) {
		int src = write_suppressions(run.supp, run.nsupp, supf, supfile);
		supf = NULL;
		if (src && !run.rc)
			run.rc = src;
	}
	for (i = 0; i < run.nsupp; i++)
		free(run.supp[i].addr);
	free(run.supp);
	rc = run.rc;
	if (!rc && run.skipped)
		rc = EX_DATAERR;
	goto out;
early:
	if (loading) {
		/* the loader waits for batches that never come */
		pthread_mutex_lock(&run.mu);
		run.go = 1;
		pthread_cond_broadcast(&run.cv);
		pthread_mutex_unlock(&run.mu);
		pthread_join(th[1], NULL);
	}
	for (i = 0; i < run.ninputs; i++)
		free(run.inputs[i].path);
	free(run.inputs);
out:
	if (supf)
		fclose(supf);
	tdestroy(run.seen, free);
	pthread_cond_destroy(&run.cv);
	pthread_mutex_destroy(&run.mu);
	bounce_mime_shutdown();
	for (c = 0; c < run.ndirs; c++)
		close(run.dirs[c]);
	if (run.engine) {
		/* the loader's engine holds the classifier */
		smtpcodes_scratch_free(wk[0].eng.scratch);
		sc_engine_close(&wk[1].eng);
	} else {
		sc_engine_close(&wk[0].eng);
	}
	free(th);
	free(wk);
	free(rules);
	return rc;
}
