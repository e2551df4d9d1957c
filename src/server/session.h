/*
 * The web UI's sessions: a signed-in browser holds a random token in an
 * HttpOnly cookie; the server keeps the token's hash, its CSRF token and
 * its expiry in memory. Sessions end with the process, on sign-out, or at
 * their expiry. At most SESSION_MAX live at once: signing in beyond that
 * ends the session closest to its expiry.
 */
#ifndef PGO_SESSION_H
#define PGO_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SESSION_MAX 1024
#define SESSION_TOKEN_HEX 64 /* 32 random bytes */

typedef struct session_entry {
	char token[SESSION_TOKEN_HEX + 1];
	char csrf[SESSION_TOKEN_HEX + 1];
	int64_t expires_ns;        /* wall clock */
} session_entry;

typedef struct session_table {
	pthread_mutex_t lock;
	session_entry entries[SESSION_MAX];
	int64_t ttl_ns;
} session_table;

void session_table_init(session_table *t, int64_t ttl_ns);
void session_table_destroy(session_table *t);

/* A new session: its cookie token and CSRF token (each SESSION_TOKEN_HEX
 * hex digits) and its expiry. Returns 0, or -1 when the kernel gives no
 * randomness. */
int session_create(session_table *t, int64_t now_ns, char token[SESSION_TOKEN_HEX + 1],
                   char csrf[SESSION_TOKEN_HEX + 1], int64_t *expires_ns);

/* Whether token names a live session; if so, csrf (may be NULL) gets its
 * CSRF token and expires_ns (may be NULL) its expiry. */
bool session_find(session_table *t, const char *token, int64_t now_ns, char csrf[SESSION_TOKEN_HEX + 1],
                  int64_t *expires_ns);

/* Ends the session of token, if live. */
void session_end(session_table *t, const char *token);

#endif
