/* The web UI's static files, embedded at build time from src/server/ui/
 * (cmake/embed_assets.cmake). */
#ifndef PGO_UI_ASSETS_H
#define PGO_UI_ASSETS_H

#include <stddef.h>

typedef struct ui_asset {
	const char *name;          /* "app.js": the file name under /ui/ */
	const char *media_type;
	const char *etag;          /* quoted, from the content's SHA-256 */
	const unsigned char *data;
	size_t size;
} ui_asset;

/* Ends with an entry whose name is NULL. */
extern const ui_asset ui_assets[];

#endif
