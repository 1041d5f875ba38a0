/*
 * report_feeder.c - a second thread for the report: the main thread reads
 * and parses the log, this one classifies and counts. Events are copied
 * (with the text their spans point at) into batches that pass through a
 * small queue in order, so the result is the same as feeding them one by
 * one; on a two-core machine reading and counting then overlap. The queue
 * holds at most FEED_BATCHES batches, so memory stays bounded. When a thread
 * cannot be started, events are fed synchronously.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "report/report.h"

#define FEED_EVENTS 2048
#define FEED_ARENA (512 * 1024)
#define FEED_BATCHES 4

struct batch {
	struct batch *next;
	size_t n, used;
	uint32_t file[FEED_EVENTS];
	struct sc_event ev[FEED_EVENTS];
	char arena[FEED_ARENA];
};

struct sc_feeder {
	struct sc_report *rep;
	const struct smtpcodes_classifier *cl;
	struct smtpcodes_scratch *scratch;
	pthread_t thread;
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *full_head, *full_tail; /* waiting to be counted, in order */
	struct batch *free_list;
	size_t allocated;
	int done;
	struct batch *cur; /* being filled by the producer */
};

static void feed_batch(struct sc_feeder *f, struct batch *b)
{
	size_t i;
	for (i = 0; i < b->n; i++)
		sc_report_feed(f->rep, b->file[i], &b->ev[i], f->cl, f->scratch);
	b->n = 0;
	b->used = 0;
}

static void *consumer(void *arg)
{
	struct sc_feeder *f = arg;
	for (;;) {
		struct batch *b;
		pthread_mutex_lock(&f->mu);
		while (!f->full_head && !f->done)
			pthread_cond_wait(&f->cv, &f->mu);
		b = f->full_head;
		if (!b) {
			pthread_mutex_unlock(&f->mu);
			return NULL;
		}
		f->full_head = b->next;
		if (!f->full_head)
			f->full_tail = NULL;
		pthread_mutex_unlock(&f->mu);

		feed_batch(f, b);

		pthread_mutex_lock(&f->mu);
		b->next = f->free_list;
		f->free_list = b;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
	}
}

struct sc_feeder *sc_feeder_new(struct sc_report *rep, const struct smtpcodes_classifier *cl,
                                struct smtpcodes_scratch *scratch, int threads)
{
	struct sc_feeder *f = xcalloc(1, sizeof *f);
	f->rep = rep;
	f->cl = cl;
	f->scratch = scratch;
	f->cur = xmalloc(sizeof *f->cur);
	f->cur->n = f->cur->used = 0;
	f->cur->next = NULL;
	f->allocated = 1;
	if (threads) {
		pthread_mutex_init(&f->mu, NULL);
		pthread_cond_init(&f->cv, NULL);
		if (pthread_create(&f->thread, NULL, consumer, f) == 0) {
			f->threaded = 1;
		} else {
			pthread_cond_destroy(&f->cv);
			pthread_mutex_destroy(&f->mu);
		}
	}
	return f;
}

/* Hands the current batch over and takes an empty one. */
static void flush(struct sc_feeder *f)
{
	struct batch *b = f->cur;
	if (!b->n)
		return;
	if (!f->threaded) {
		feed_batch(f, b);
		return;
	}
	pthread_mutex_lock(&f->mu);
	b->next = NULL;
	if (f->full_tail)
		f->full_tail->next = b;
	else
		f->full_head = b;
	f->full_tail = b;
	pthread_cond_broadcast(&f->cv);
	while (!f->free_list && f->allocated >= FEED_BATCHES)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->free_list) {
		f->cur = f->free_list;
		f->free_list = f->cur->next;
		pthread_mutex_unlock(&f->mu);
	} else {
		f->allocated++;
		pthread_mutex_unlock(&f->mu);
		f->cur = xmalloc(sizeof *f->cur);
	}
	f->cur->n = f->cur->used = 0;
	f->cur->next = NULL;
}

static size_t span_need(const struct smtpcodes_span *s)
{
	return s->ptr ? s->len : 0;
}


/* Copies ev into the next slot of the current batch, without the fields
 * the report does not read (so their text is not copied either). */
static struct sc_event *next_slot(struct sc_feeder *f, const struct sc_event *ev)
{
	struct sc_event *e = &f->cur->ev[f->cur->n];
	*e = *ev;
	e->client.ptr = NULL;
	e->client.len = 0;
	if (!f->rep->cfg.campaign) {
		e->message_id.ptr = NULL;
		e->message_id.len = 0;
	}
	return e;
}

static void span_copy(struct batch *b, struct smtpcodes_span *s, size_t cap)
{
	if (!s->ptr)
		return;
	if (s->len > cap)
		s->len = cap;
	memcpy(b->arena + b->used, s->ptr, s->len);
	s->ptr = b->arena + b->used;
	b->used += s->len;
}

void sc_feeder_push(struct sc_feeder *f, uint32_t file, const struct sc_event *ev)
{
	struct sc_event *e;
	size_t need, cap = FEED_ARENA / 9;

	if (f->cur->n == FEED_EVENTS)
		flush(f);
	e = next_slot(f, ev);
	need = span_need(&e->queue_id) + span_need(&e->sender) + span_need(&e->recipient) +
	       span_need(&e->recipient_domain) + span_need(&e->message_id) + span_need(&e->relay) +
	       span_need(&e->reply) + span_need(&e->dsn);
	if (f->cur->used + need > FEED_ARENA) {
		flush(f);
		e = next_slot(f, ev);
	}
	/* an event larger than a whole batch (it cannot be: lines are bounded
	 * far below) would have each span cut to a ninth of it */
	if (need <= FEED_ARENA)
		cap = FEED_ARENA;
	span_copy(f->cur, &e->queue_id, cap);
	span_copy(f->cur, &e->sender, cap);
	span_copy(f->cur, &e->recipient, cap);
	span_copy(f->cur, &e->recipient_domain, cap);
	span_copy(f->cur, &e->message_id, cap);
	span_copy(f->cur, &e->relay, cap);
	span_copy(f->cur, &e->reply, cap);
	span_copy(f->cur, &e->dsn, cap);
	f->cur->file[f->cur->n++] = file;
}

void sc_feeder_finish(struct sc_feeder *f)
{
	struct batch *b;
	if (!f)
		return;
	flush(f);
	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->done = 1;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		f->threaded = 0;
	}
	while ((b = f->free_list) != NULL) {
		f->free_list = b->next;
		free(b);
	}
	free(f->cur);
	free(f);
}
