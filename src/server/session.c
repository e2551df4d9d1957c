/* The web UI's sessions; see session.h. */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "store.h"

void session_table_init(session_table *t, int64_t ttl_ns)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_init(&t->lock, NULL);
	t->ttl_ns = ttl_ns;
}

void session_table_destroy(session_table *t)
{
	pthread_mutex_destroy(&t->lock);
	/* The tokens are secrets: leave none behind in freed memory. */
	memset(t->entries, 0, sizeof t->entries);
}

static int random_hex(char out[SESSION_TOKEN_HEX + 1])
{
	unsigned char raw[SESSION_TOKEN_HEX / 2];
	if (store_random(raw, sizeof raw))
		return -1;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int session_create(session_table *t, int64_t now_ns, char token[SESSION_TOKEN_HEX + 1],
                   char csrf[SESSION_TOKEN_HEX + 1], int64_t *expires_ns)
{
	if (random_hex(token) || random_hex(csrf))
		return -1;
	pthread_mutex_lock(&t->lock);
	/* A free or expired slot, else the one closest to its expiry. */
	size_t at = 0;
	for (size_t i = 0; i < SESSION_MAX; i++) {
		const session_entry *e = &t->entries[i];
		if (e->expires_ns <= now_ns) {
			at = i;
			break;
		}
		if (e->expires_ns < t->entries[at].expires_ns)
			at = i;
	}
	session_entry *e = &t->entries[at];
	memcpy(e->token, token, SESSION_TOKEN_HEX + 1);
	memcpy(e->csrf, csrf, SESSION_TOKEN_HEX + 1);
	e->expires_ns = now_ns + t->ttl_ns;
	*expires_ns = e->expires_ns;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* The live entry of token, with the lock held; NULL if none. */
static session_entry *lookup(session_table *t, const char *token, int64_t now_ns)
{
	if (strlen(token) != SESSION_TOKEN_HEX)
		return NULL;
	session_entry *found = NULL;
	/* Every slot is compared, so the time says nothing about which matched. */
	for (size_t i = 0; i < SESSION_MAX; i++) {
		session_entry *e = &t->entries[i];
		bool live = e->expires_ns > now_ns;
		if (keys_equal(e->token, token) && live)
			found = e;
	}
	return found;
}

bool session_find(session_table *t, const char *token, int64_t now_ns, char csrf[SESSION_TOKEN_HEX + 1],
                  int64_t *expires_ns)
{
	pthread_mutex_lock(&t->lock);
	session_entry *e = lookup(t, token, now_ns);
	if (e && csrf)
		memcpy(csrf, e->csrf, SESSION_TOKEN_HEX + 1);
	if (e && expires_ns)
		*expires_ns = e->expires_ns;
	pthread_mutex_unlock(&t->lock);
	return e != NULL;
}

void session_end(session_table *t, const char *token)
{
	pthread_mutex_lock(&t->lock);
	session_entry *e = lookup(t, token, INT64_MIN);
	if (e)
		memset(e, 0, sizeof *e);
	pthread_mutex_unlock(&t->lock);
}
