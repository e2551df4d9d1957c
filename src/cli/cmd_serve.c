/* pgotool serve: the self-hosted profile store. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "server.h"

static struct {
	const char *listen, *data, *api_key, *app_key, *tls_cert, *tls_key, *retention, *max_body;
	const char *max_connections, *timeout;
	bool json, intake_key;
} opt;

static const flag_def serve_flags[] = {
	{"listen", 0, FLAG_STRING, &opt.listen, "ADDR:PORT", "listen here (default 127.0.0.1:8126, the agent's port)"},
	{"data", 0, FLAG_STRING, &opt.data, "DIR", "data directory (default $PGOTOOL_DATA, else ./pgotool-data)"},
	{"api-key", 0, FLAG_STRING, &opt.api_key, "KEY", "API key the query API requires (default $PGOTOOL_API_KEY)"},
	{"app-key", 0, FLAG_STRING, &opt.app_key, "KEY", "application key (default $PGOTOOL_APP_KEY)"},
	{"intake-key", 0, FLAG_BOOL, &opt.intake_key, NULL, "require the API key for uploads too"},
	{"tls-cert", 0, FLAG_STRING, &opt.tls_cert, "FILE", "serve HTTPS with this PEM certificate (chain)"},
	{"tls-key", 0, FLAG_STRING, &opt.tls_key, "FILE", "and this PEM private key"},
	{"retention", 0, FLAG_STRING, &opt.retention, "DURATION", "keep profiles this long (default 192h = 8 days)"},
	{"max-body", 0, FLAG_STRING, &opt.max_body, "BYTES", "largest request body (default 64M)"},
	{"max-connections", 0, FLAG_STRING, &opt.max_connections, "N", "concurrent connections (default 256)"},
	{"timeout", 0, FLAG_STRING, &opt.timeout, "DURATION", "idle time before a connection is closed (default 60s)"},
	{"json", 0, FLAG_BOOL, &opt.json, NULL, "log JSON lines"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const flag_def *flags(void)
{
	return serve_flags;
}

static int run(int argc, char **argv);

const command cmd_serve = {
	.name = "serve",
	.run = run,
	.summary = "run the self-hosted profile store (Datadog-agent intake, Datadog query API)",
	.synopsis = "pgotool serve [--listen ADDR:PORT] [--data DIR] [--tls-cert FILE --tls-key FILE] [OPTIONS]",
	.description =
		"Stores the profiles that Go services upload as if to a Datadog agent (point\n"
		"DD_TRACE_AGENT_URL at it), in SQLite under the data directory, and answers\n"
		"the Datadog query API that datadog-pgo and pgotool fetch use: profiles/list,\n"
		"profiles/gopgo and profile downloads. An upload is answered 200 only once it\n"
		"is on disk. The query API requires DD-API-KEY and DD-APPLICATION-KEY; without\n"
		"--api-key/--app-key or PGOTOOL_API_KEY/PGOTOOL_APP_KEY, keys are created in\n"
		"DIR/keys (mode 0600) on first start, and the log says where.\n\n"
		"Logs one line per request on stdout. Stops cleanly on SIGINT or SIGTERM.",
	.flags = flags,
};

/* Go-style durations: 90s, 15m, 192h, 1h30m; a bare number is seconds. */
static int parse_duration(const char *s, int64_t *ns)
{
	int64_t total = 0;
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		char *end = NULL;
		double v = strtod(p, &end);
		if (end == p || v < 0)
			return -1;
		double unit = 1e9;
		if (!strncmp(end, "ms", 2)) {
			unit = 1e6;
			end += 2;
		} else if (*end == 's') {
			end++;
		} else if (*end == 'm') {
			unit = 60e9;
			end++;
		} else if (*end == 'h') {
			unit = 3600e9;
			end++;
		} else if (*end == 'd') {
			unit = 86400e9;
			end++;
		} else if (*end) {
			return -1;
		}
		total += (int64_t)(v * unit);
		p = end;
	}
	*ns = total;
	return 0;
}

/* 64M, 512K, 1G or plain bytes. */
static int parse_size(const char *s, size_t *out)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return -1;
	unsigned long long mult = 1;
	if (*end == 'K' || *end == 'k')
		mult = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mult = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mult = 1ull << 30;
	else if (*end)
		return -1;
	if (mult > 1 && end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
		return -1;
	*out = (size_t)(v * mult);
	return 0;
}

static int run(int argc, char **argv)
{
	flag_list args = {0};
	char message[256];
	memset(&opt, 0, sizeof opt);
	int rc = 0;
	if (flags_parse(serve_flags, argc, argv, &args, message, sizeof message)) {
		rc = cli_usage_error(&cmd_serve, message);
		goto done;
	}
	if (args.n) {
		rc = cli_usage_error(&cmd_serve, "serve takes no arguments, only options");
		goto done;
	}
	serve_options o = {
		.listen = opt.listen ? opt.listen : "127.0.0.1:8126",
		.data_dir = opt.data ? opt.data : (getenv("PGOTOOL_DATA") && *getenv("PGOTOOL_DATA") ? getenv("PGOTOOL_DATA")
		                                                                                    : "./pgotool-data"),
		.api_key = opt.api_key,
		.app_key = opt.app_key,
		.intake_key = opt.intake_key,
		.tls_cert = opt.tls_cert,
		.tls_key = opt.tls_key,
		.json_logs = opt.json,
		.retention_ns = (int64_t)192 * 3600 * 1000000000,
		.max_body = (size_t)64 << 20,
		.max_connections = 256,
		.timeout_s = 60,
	};
	int64_t d;
	if (opt.retention && (parse_duration(opt.retention, &d) || d < 1000000000)) {
		rc = cli_usage_error(&cmd_serve, "--retention takes a duration of at least 1s, like 192h or 7d");
		goto done;
	} else if (opt.retention) {
		o.retention_ns = d;
	}
	if (opt.timeout && (parse_duration(opt.timeout, &d) || d < 1000000000)) {
		rc = cli_usage_error(&cmd_serve, "--timeout takes a duration of at least 1s, like 60s");
		goto done;
	} else if (opt.timeout) {
		o.timeout_s = (unsigned)(d / 1000000000);
	}
	if (opt.max_body && (parse_size(opt.max_body, &o.max_body) || o.max_body < 1024)) {
		rc = cli_usage_error(&cmd_serve, "--max-body takes a size of at least 1K, like 64M");
		goto done;
	}
	if (opt.max_connections) {
		char *end = NULL;
		long n = strtol(opt.max_connections, &end, 10);
		if (*end || n < 1 || n > 100000) {
			rc = cli_usage_error(&cmd_serve, "--max-connections takes a number from 1 to 100000");
			goto done;
		}
		o.max_connections = (unsigned)n;
	}
	rc = serve_run(&o);
done:
	flag_list_free(&args);
	return rc;
}
