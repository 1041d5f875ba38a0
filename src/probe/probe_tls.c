/*
 * probe_tls.c - TLS for the probe, with OpenSSL (the only file of the
 * program that includes it). The handshake runs on the probe's non-blocking
 * socket and waits with poll() until the step deadline. The certificate is
 * not checked during the handshake: its chain and name are checked after it,
 * so the report can show the certificate and say exactly what is wrong with
 * it; unless --insecure, a bad certificate then fails the TLS step.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/probe.h"

struct sc_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	int *system_file;  /* the store has the system's CA file too */
	int own_system_file;
};

static void ssl_errors(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200];
	if (e) {
		ERR_error_string_n(e, buf, sizeof buf);
		snprintf(err, errlen, "%s: %s", what, buf);
	} else {
		snprintf(err, errlen, "%s", what);
	}
	ERR_clear_error();
}

static void name_text(X509_NAME *n, char *dst, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	long got;
	char *p;
	dst[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	got = BIO_get_mem_data(b, &p);
	if (got > 0) {
		size_t k = (size_t)got < len - 1 ? (size_t)got : len - 1;
		memcpy(dst, p, k);
		dst[k] = '\0';
	}
	BIO_free(b);
}

static void time_text(const ASN1_TIME *t, char *dst, size_t len)
{
	struct tm tm;
	dst[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm))
		strftime(dst, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void cert_facts(X509 *x, struct sc_tls_info *info)
{
	GENERAL_NAMES *gens;
	EVP_PKEY *pk;
	int pday = 0, psec = 0, i;

	info->has_cert = 1;
	name_text(X509_get_subject_name(x), info->subject, sizeof info->subject);
	name_text(X509_get_issuer_name(x), info->issuer, sizeof info->issuer);
	time_text(X509_get0_notBefore(x), info->not_before, sizeof info->not_before);
	time_text(X509_get0_notAfter(x), info->not_after, sizeof info->not_after);
	if (ASN1_TIME_diff(&pday, &psec, NULL, X509_get0_notAfter(x)))
		info->days_left = pday;
	pk = X509_get0_pubkey(x);
	if (pk)
		snprintf(info->peer_key, sizeof info->peer_key, "%s %d", OBJ_nid2sn(EVP_PKEY_base_id(pk)),
		         EVP_PKEY_get_bits(pk));
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens && i < sk_GENERAL_NAME_num(gens) && info->nsans < PROBE_TLS_MAX_SANS; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char *dst = info->sans[info->nsans];
		size_t cap = sizeof info->sans[0];
		if (g->type == GEN_DNS) {
			const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
			int l = ASN1_STRING_length(g->d.dNSName);
			snprintf(dst, cap, "DNS:%.*s", l > 120 ? 120 : l, (const char *)s);
			info->nsans++;
		} else if (g->type == GEN_IPADD) {
			const unsigned char *s = ASN1_STRING_get0_data(g->d.iPAddress);
			int l = ASN1_STRING_length(g->d.iPAddress);
			char ip[64];
			if (l == 4 || l == 16) {
				inet_ntop(l == 4 ? AF_INET : AF_INET6, s, ip, sizeof ip);
				snprintf(dst, cap, "IP:%s", ip);
				info->nsans++;
			}
		}
	}
	GENERAL_NAMES_free(gens);
}

/* Verifies leaf and chain against the store for a TLS server; returns the
 * X509_V_ code. */
static long verify_chain(X509_STORE *store, STACK_OF(X509) *chain, X509 *leaf)
{
	X509_STORE_CTX *vc = X509_STORE_CTX_new();
	long code = X509_V_ERR_UNSPECIFIED;
	if (vc && X509_STORE_CTX_init(vc, store, leaf, chain) == 1) {
		X509_STORE_CTX_set_purpose(vc, X509_PURPOSE_SSL_SERVER);
		code = X509_verify_cert(vc) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(vc);
	}
	X509_STORE_CTX_free(vc);
	return code;
}

/* The system's CA file (SSL_CERT_FILE, else OpenSSL's default cert.pem)
 * and its default store, added to a store that so far has only the hashed
 * directory; returns 1 when something was added. */
static int add_system_file(X509_STORE *store)
{
	X509_LOOKUP *l = X509_STORE_add_lookup(store, X509_LOOKUP_file());
	int added = l && X509_LOOKUP_load_file(l, NULL, X509_FILETYPE_DEFAULT) == 1;
	l = X509_STORE_add_lookup(store, X509_LOOKUP_store());
	added |= l && X509_LOOKUP_add_store(l, NULL) == 1;
	ERR_clear_error();
	return added;
}

/* Checks the chain against the CAs and the name; fills the info fields.
 * Without --cafile the store starts with the hashed CA directory only,
 * which reads just the issuer's file; the system's CA bundle, which costs
 * OpenSSL 3 about 50 ms to parse, is added only when that chain does not
 * verify, and the chain is checked again, so the answer is the one the
 * whole set of system CAs gives. */
static void verify(struct sc_tls *t, STACK_OF(X509) *chain, X509 *leaf, const struct sc_tls_opts *o,
                   struct sc_tls_info *info)
{
	X509_STORE *store = SSL_CTX_get_cert_store(t->ctx);
	struct sockaddr_storage tmp;
	socklen_t tl;
	int is_ip;

	info->verify_code = verify_chain(store, chain, leaf);
	if (info->verify_code != X509_V_OK && !o->cafile && !*t->system_file) {
		*t->system_file = 1;
		if (add_system_file(store))
			info->verify_code = verify_chain(store, chain, leaf);
	}
	info->chain_ok = info->verify_code == X509_V_OK;
	snprintf(info->verify_error, sizeof info->verify_error, "%s",
	         X509_verify_cert_error_string(info->verify_code));
	if (!o->name || !*o->name)
		return;
	snprintf(info->checked_name, sizeof info->checked_name, "%s", o->name);
	is_ip = sc_addr_parse(o->name, 0, &tmp, &tl) == 0;
	if (is_ip)
		info->name_ok = X509_check_ip_asc(leaf, o->name, 0) == 1;
	else
		info->name_ok = X509_check_host(leaf, o->name, 0, 0, NULL) == 1;
}

static long tls_io(struct sc_conn *c, const char *wbuf, char *rbuf, size_t n, int64_t deadline, char *err,
                   size_t errlen)
{
	SSL *ssl = c->tls->ssl;
	for (;;) {
		size_t done = 0;
		int rc = wbuf ? SSL_write_ex(ssl, wbuf, n, &done) : SSL_read_ex(ssl, rbuf, n, &done);
		int e, w;
		if (rc == 1)
			return (long)done;
		e = SSL_get_error(ssl, rc);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = sc_wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
			sc_net_quickack(c->fd);
			if (w == 0) {
				snprintf(err, errlen, "TLS: no data within %d ms", c->timeout_ms);
				return -2;
			}
			if (w > 0)
				continue;
		}
		if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
			ERR_clear_error();
			return 0;
		}
		ssl_errors(err, errlen, "TLS error");
		return -1;
	}
}

long sc_tls_read(struct sc_conn *c, char *buf, size_t n, int64_t deadline, char *err, size_t errlen)
{
	return tls_io(c, NULL, buf, n, deadline, err, errlen);
}

long sc_tls_write(struct sc_conn *c, const char *buf, size_t n, int64_t deadline, char *err, size_t errlen)
{
	return tls_io(c, buf, NULL, n, deadline, err, errlen);
}

void sc_tls_close(struct sc_conn *c)
{
	if (!c->tls)
		return;
	SSL_free(c->tls->ssl);
	SSL_CTX_free(c->tls->ctx);
	free(c->tls);
	c->tls = NULL;
}

/* The chain is verified after the handshake (verify()), with the report's
 * wording and with the system's CA file added only when needed; OpenSSL's
 * own check during the handshake, whose result SSL_VERIFY_NONE ignores
 * anyway, would do the same work once more. */
static int verify_later(X509_STORE_CTX *x, void *arg)
{
	(void)x;
	(void)arg;
	return 1;
}

/* A client context: any protocol from TLS 1.0 up (the probe wants to see
 * what old servers do; the report shows the version), no verification during
 * the handshake (it comes after), the CAs of cafile or the system's hashed
 * CA directory (verify() adds the system's CA file when needed).
 *
 * OpenSSL is told not to clean up at exit: that freed every table of the
 * library, about a tenth of the CPU of a whole probe, just before the
 * process ends anyway. */
static enum probe_fail new_ctx(SSL_CTX **out, const char *cafile, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	*out = NULL;
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, NULL) != 1 || !(ctx = SSL_CTX_new(TLS_client_method()))) {
		ssl_errors(err, errlen, "TLS setup");
		return PROBE_FAIL_TLS;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, verify_later, NULL);
	if (cafile) {
		if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
			ssl_errors(err, errlen, "cannot load the CA file");
			SSL_CTX_free(ctx);
			return PROBE_FAIL_LOCAL;
		}
	} else {
		X509_LOOKUP *l = X509_STORE_add_lookup(SSL_CTX_get_cert_store(ctx), X509_LOOKUP_hash_dir());
		if (l)
			X509_LOOKUP_add_dir(l, NULL, X509_FILETYPE_DEFAULT); /* SSL_CERT_DIR, else OpenSSL's */
		ERR_clear_error();
	}
	*out = ctx;
	return PROBE_FAIL_NONE;
}

/*
 * Building a context costs OpenSSL 3 about as much CPU as the rest of a
 * session against a near server (it fetches every cipher and algorithm), so
 * the probe builds it in a thread while the plain-text part of the session
 * (connect, banner, EHLO, STARTTLS) runs, and every session shares it.
 */
struct sc_tls_ctx {
	pthread_t th;
	int joined;
	int system_file; /* verify() added the system's CA file to the store */
	char *cafile;
	SSL_CTX *ctx;
	enum probe_fail fail;
	char err[256];
};

static void *make_ctx(void *arg)
{
	struct sc_tls_ctx *p = arg;
	p->fail = new_ctx(&p->ctx, p->cafile, p->err, sizeof p->err);
	return NULL;
}

struct sc_tls_ctx *sc_tls_prepare(const char *cafile)
{
	struct sc_tls_ctx *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (cafile && !(p->cafile = strdup(cafile))) {
		free(p);
		return NULL;
	}
	/* The thread allocates from the main heap: a heap of its own (glibc
	 * makes one per thread) grows a page at a time, one mprotect() each,
	 * which made the build a quarter slower. The main thread mostly waits
	 * for the server meanwhile, so the shared heap's lock costs nothing. */
	mallopt(M_ARENA_MAX, 1);
	if (pthread_create(&p->th, NULL, make_ctx, p) != 0) {
		make_ctx(p); /* no thread: build it now */
		p->joined = 1;
	}
	return p;
}

static enum probe_fail ctx_get(struct sc_tls_ctx *p, SSL_CTX **out, int **system_file, char *err, size_t errlen)
{
	if (!p->joined) {
		pthread_join(p->th, NULL);
		p->joined = 1;
	}
	if (p->fail) {
		snprintf(err, errlen, "%s", p->err);
		return p->fail;
	}
	SSL_CTX_up_ref(p->ctx);
	*out = p->ctx;
	*system_file = &p->system_file;
	return PROBE_FAIL_NONE;
}

void sc_tls_ctx_free(struct sc_tls_ctx *p)
{
	if (!p)
		return;
	if (!p->joined)
		pthread_join(p->th, NULL);
	SSL_CTX_free(p->ctx);
	free(p->cafile);
	free(p);
}

enum probe_fail sc_tls_start(struct sc_conn *c, const struct sc_tls_opts *o, struct sc_tls_info *info, char *err,
                             size_t errlen)
{
	int64_t deadline = sc_conn_step_deadline(c);
	struct sc_tls *t = calloc(1, sizeof *t);
	struct sockaddr_storage tmp;
	socklen_t tl;
	const SSL_CIPHER *ciph;
	X509 *leaf;
	STACK_OF(X509) *chain;
	int i;

	memset(info, 0, sizeof *info);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return PROBE_FAIL_LOCAL;
	}
	{
		enum probe_fail f;
		t->system_file = &t->own_system_file;
		f = o->ctx ? ctx_get(o->ctx, &t->ctx, &t->system_file, err, errlen) : new_ctx(&t->ctx, o->cafile, err, errlen);
		if (f) {
			free(t);
			return f;
		}
	}
	t->ssl = SSL_new(t->ctx);
	if (!t->ssl || SSL_set_fd(t->ssl, c->fd) != 1) {
		ssl_errors(err, errlen, "TLS setup");
		SSL_free(t->ssl);
		SSL_CTX_free(t->ctx);
		free(t);
		return PROBE_FAIL_TLS;
	}
	if (o->name && *o->name && sc_addr_parse(o->name, 0, &tmp, &tl) != 0) {
		char sni[256]; /* the macro casts away const */
		snprintf(sni, sizeof sni, "%s", o->name);
		SSL_set_tlsext_host_name(t->ssl, sni);
	}
	c->tls = t;
	for (;;) {
		int rc = SSL_connect(t->ssl), e, w;
		if (rc == 1)
			break;
		e = SSL_get_error(t->ssl, rc);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = sc_wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
			sc_net_quickack(c->fd);
			if (w > 0)
				continue;
			if (w == 0) {
				snprintf(err, errlen, "TLS handshake not finished within %d ms", c->timeout_ms);
				sc_tls_close(c);
				return PROBE_FAIL_TIMEOUT;
			}
		}
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			snprintf(err, errlen, "TLS handshake failed: the server closed the connection");
		else
			ssl_errors(err, errlen, "TLS handshake failed");
		sc_tls_close(c);
		return PROBE_FAIL_TLS;
	}
	info->done = 1;
	snprintf(info->version, sizeof info->version, "%s", SSL_get_version(t->ssl));
	ciph = SSL_get_current_cipher(t->ssl);
	if (ciph) {
		snprintf(info->cipher, sizeof info->cipher, "%s", SSL_CIPHER_get_name(ciph));
		info->bits = SSL_CIPHER_get_bits(ciph, NULL);
	}
	chain = SSL_get_peer_cert_chain(t->ssl);
	for (i = 0; chain && i < sk_X509_num(chain) && info->nchain < PROBE_TLS_MAX_CHAIN; i++) {
		X509 *x = sk_X509_value(chain, i);
		name_text(X509_get_subject_name(x), info->chain[info->nchain].subject, sizeof info->chain[0].subject);
		name_text(X509_get_issuer_name(x), info->chain[info->nchain].issuer, sizeof info->chain[0].issuer);
		info->nchain++;
	}
	leaf = SSL_get1_peer_certificate(t->ssl);
	if (!leaf) {
		snprintf(info->verify_error, sizeof info->verify_error, "the server sent no certificate");
		if (!o->insecure) {
			snprintf(err, errlen, "the server sent no certificate");
			return PROBE_FAIL_TLS;
		}
		return PROBE_FAIL_NONE;
	}
	cert_facts(leaf, info);
	verify(t, chain, leaf, o, info);
	X509_free(leaf);
	if (!o->insecure && (!info->chain_ok || (info->checked_name[0] && !info->name_ok))) {
		if (!info->chain_ok)
			snprintf(err, errlen, "certificate not trusted: %s", info->verify_error);
		else
			snprintf(err, errlen, "the certificate does not name %s", info->checked_name);
		return PROBE_FAIL_TLS;
	}
	return PROBE_FAIL_NONE;
}
