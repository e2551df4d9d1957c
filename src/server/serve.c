/*
 * pgotool serve: startup, the HTTP daemon, and a clean stop. Requests go
 * through the route table (router.c) to the handlers.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <curl/curl.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "keys.h"
#include "pgo.h"
#include "purge.h"
#include "request_log.h"
#include "router.h"
#include "scrape_feed.h"

static char *read_file(const char *path, size_t limit)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(limit + 1);
	size_t n = buf ? fread(buf, 1, limit, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6, char *shown, size_t shown_size)
{
	const char *colon = strrchr(listen, ':');
	if (!colon || !colon[1])
		return -1;
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	char host[128];
	size_t hl = (size_t)(colon - listen);
	if (hl >= sizeof host)
		return -1;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -1;
		*v6 = true;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, hl ? host : "0.0.0.0", &a->sin_addr) != 1) {
			/* A host name (localhost): its first address, IPv4 first. */
			struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
			if (getaddrinfo(host, NULL, &hints, &res) != 0) {
				hints.ai_family = AF_INET6;
				if (getaddrinfo(host, NULL, &hints, &res) != 0)
					return -1;
			}
			memcpy(ss, res->ai_addr, res->ai_addrlen);
			*v6 = res->ai_family == AF_INET6;
			if (*v6)
				((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
			else
				((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
			char addr[INET6_ADDRSTRLEN];
			inet_ntop(res->ai_family,
			          *v6 ? (const void *)&((struct sockaddr_in6 *)ss)->sin6_addr
			              : (const void *)&((struct sockaddr_in *)ss)->sin_addr,
			          addr, sizeof addr);
			freeaddrinfo(res);
			snprintf(shown, shown_size, "%s", addr);
			return 0;
		}
		*v6 = false;
	}
	snprintf(shown, shown_size, "%s", host[0] == '[' ? host + 1 : (hl ? host : "0.0.0.0"));
	return 0;
}

/* The listening socket, made before anything else (the data directory, the
 * keys) so that a port in use stops serve with nothing made. -1 and errno
 * on failure. */
static int bind_listen(const struct sockaddr_storage *ss, bool v6)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	socklen_t len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, SOMAXCONN)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int serve_run(const serve_options *o)
{
	/* SIGINT and SIGTERM are taken by sigwait at the end. Every thread (the
	 * store's writer, the HTTP threads, the purge) inherits this mask, so
	 * none of them can be the one a stop signal kills. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	/* Many threads free large buffers (bodies, profiles). Buffers of 4 MiB
	 * and more go back to the kernel when freed, and a few arenas keep at
	 * most 64 MiB each of the rest for reuse: RSS follows --max-memory,
	 * while an upload's buffers do not fault in fresh pages each time (that
	 * costs a third more CPU an upload). */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_ARENA_MAX, 4);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	server srv = {.o = o};
	budget_init(&srv.memory, o->max_memory);
	session_table_init(&srv.sessions, o->ui_session_ns);
	keyless_init(&srv.keyless);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	sem_init(&srv.decoders, 0, cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus);
	struct sockaddr_storage addr;
	bool v6 = false;
	char host[128];
	if (parse_listen(o->listen, &addr, &v6, host, sizeof host)) {
		fprintf(stderr, "pgotool serve: error: --listen %s: expected ADDR:PORT or HOST:PORT, e.g. 127.0.0.1:8126, localhost:8126 or [::1]:8126\n", o->listen);
		return 2;
	}
	if (!o->tls_cert != !o->tls_key) {
		fprintf(stderr, "pgotool serve: error: --tls-cert and --tls-key go together\n");
		return 2;
	}
	char *cert = NULL, *key = NULL;
	if (o->tls_cert) {
		cert = read_file(o->tls_cert, 1 << 20);
		key = read_file(o->tls_key, 1 << 20);
		if (!cert || !key) {
			fprintf(stderr, "pgotool serve: error: cannot read %s: %s\n", cert ? o->tls_key : o->tls_cert,
			        strerror(errno));
			free(cert);
			free(key);
			return 1;
		}
	}
	char err[512];
	scrape_config targets = {0};
	if (o->scrape_file && scrape_config_load(o->scrape_file, &targets, err, sizeof err)) {
		fprintf(stderr, "pgotool serve: error: --scrape %s\n", err);
		free(cert);
		free(key);
		return 1;
	}
	int lfd = bind_listen(&addr, v6);
	if (lfd < 0) {
		int e = errno;
		fprintf(stderr, "pgotool serve: error: cannot listen on %s: %s%s\n", o->listen, strerror(e),
		        e == EADDRINUSE ? " (another process listens there, perhaps a Datadog agent or another pgotool "
		                          "serve; pick another --listen, or stop it)"
		        : e == EADDRNOTAVAIL ? " (not an address of this host)"
		                             : "");
		scrape_config_free(&targets);
		free(cert);
		free(key);
		return 1;
	}
	if (store_open(o->data_dir, &srv.store, err, sizeof err)) {
		close(lfd);
		scrape_config_free(&targets);
		fprintf(stderr, "pgotool serve: error: %s\n", err);
		free(cert);
		free(key);
		return 1;
	}
	char key_path[1024];
	bool created = false;
	if (keys_resolve(&srv, key_path, sizeof key_path, &created)) {
		close(lfd);
		scrape_config_free(&targets);
		store_close(srv.store);
		free(cert);
		free(key);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (cert)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, router_request, &srv,
		MHD_OPTION_LISTEN_SOCKET, lfd,
		MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, router_completed, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, router_uri, &srv,
		MHD_OPTION_ARRAY, cert ? tls_opts : (struct MHD_OptionItem[]){{MHD_OPTION_END, 0, NULL}},
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "pgotool serve: error: cannot start the HTTP server on %s\n", o->listen);
		close(lfd);
		scrape_config_free(&targets);
		store_close(srv.store);
		free(cert);
		free(key);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : 0;
	log_line(o, "INFO", "pgotool serve %s listening on %s://%s%s%s:%u, data in %s (%zu profiles), retention %llds",
	         PGO_VERSION, cert ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "", port, o->data_dir,
	         store_count(srv.store), (long long)(o->retention_ns / 1000000000));
	if (key_path[0])
		log_line(o, "INFO", "API and application keys %s %s", created ? "created in" : "read from", key_path);

	purger *pg = purge_start(&srv);
	if (!pg)
		log_line(o, "ERROR", "cannot start the retention purge (%s): nothing will be deleted until a restart",
		         strerror(errno));

	scrape_feed *feed = NULL;
	if (o->scrape_file) {
		size_t n = targets.n_targets;
		curl_global_init(CURL_GLOBAL_DEFAULT);
		if (!(feed = scrape_feed_start(&srv, &targets)))
			log_line(o, "ERROR", "cannot start the scraper (%s): nothing will be scraped until a restart",
			         strerror(errno));
		else
			log_line(o, "INFO", "scraping %zu targets from %s (SIGHUP reads it again)", n, o->scrape_file);
	}

	int sig = 0;
	while (sigwait(&stop, &sig) == 0 && sig == SIGHUP) {
		if (feed)
			scrape_feed_reload(feed);
		else
			log_line(o, "INFO", "SIGHUP: no --scrape file to read again; nothing to do");
	}
	log_line(o, "INFO", "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	scrape_feed_stop(feed);
	MHD_stop_daemon(d); /* waits for the requests in flight */
	purge_stop(pg);
	store_close(srv.store);
	sem_destroy(&srv.decoders);
	session_table_destroy(&srv.sessions);
	keyless_destroy(&srv.keyless);
	size_t peak = budget_peak(&srv.memory);
	budget_destroy(&srv.memory);
	if (o->scrape_file)
		curl_global_cleanup();
	free(cert);
	free(key);
	log_line(o, "INFO", "stopped (request bodies held at most %.1f MiB at once, of --max-memory %.0f MiB)",
	         (double)peak / (1 << 20), (double)o->max_memory / (1 << 20));
	return 0;
}
