/* pgotool serve: the self-hosted profile store. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "server.h"

#define NS_PER_S 1000000000LL

static struct {
	const char *listen, *data, *api_key, *app_key, *tls_cert, *tls_key, *scrape, *keep;
	int64_t retention_ns, max_connections, timeout_ns, downsample_after_ns, downsample_keep, ui_session_ns;
	size_t max_body, max_memory, max_disk;
	bool json, intake_key, ui;
} opt;

static const flag_def serve_flags[] = {
	{"listen", 0, FLAG_STRING, &opt.listen, "ADDR:PORT", "listen here (default 127.0.0.1:8126, the agent's port)", 0, 0, NULL},
	{"data", 0, FLAG_STRING, &opt.data, "DIR", "data directory (default $PGOTOOL_DATA, else ./pgotool-data)", 0, 0, NULL},
	{"api-key", 0, FLAG_STRING, &opt.api_key, "KEY", "API key the query API requires (default $PGOTOOL_API_KEY)", 0, 0, NULL},
	{"app-key", 0, FLAG_STRING, &opt.app_key, "KEY", "application key (default $PGOTOOL_APP_KEY)", 0, 0, NULL},
	{"intake-key", 0, FLAG_BOOL, &opt.intake_key, NULL,
	 "require the API key for uploads too (DD-API-KEY, or a Pyroscope push's bearer token or password)", 0, 0, NULL},
	{"tls-cert", 0, FLAG_STRING, &opt.tls_cert, "FILE", "serve HTTPS with this PEM certificate (chain)", 0, 0, NULL},
	{"tls-key", 0, FLAG_STRING, &opt.tls_key, "FILE", "and this PEM private key", 0, 0, NULL},
	{"retention", 0, FLAG_DURATION, &opt.retention_ns, "DURATION", "keep profiles this long, from 1s to 100 years (default 192h = 8 days)",
	 .min = NS_PER_S, .max = 876000LL * 3600 * NS_PER_S},
	{"max-body", 0, FLAG_SIZE, &opt.max_body, "BYTES", "largest request body, from 1K to 1G (default 64M)", .min = 1 << 10,
	 .max = 1 << 30},
	{"max-memory", 0, FLAG_SIZE, &opt.max_memory, "BYTES",
	 "request bodies held at once, from 1M to 64G (default 512M); past it, 503",
	 .min = 1 << 20, .max = (size_t)64 << 30},
	{"max-connections", 0, FLAG_INT, &opt.max_connections, "N", "concurrent connections, from 1 to 100000 (default 1024)",
	 .min = 1, .max = 100000},
	{"timeout", 0, FLAG_DURATION, &opt.timeout_ns, "DURATION",
	 "idle time before a connection is closed, from 1s to 24h (default 60s)", .min = NS_PER_S, .max = 24 * 3600 * NS_PER_S},
	{"keep", 0, FLAG_STRING, &opt.keep, "NAMES",
	 "store only these attachments of an upload, comma-separated, e.g. cpu.pprof (default: all)", 0, 0, NULL},
	{"max-disk", 0, FLAG_SIZE, &opt.max_disk, "BYTES",
	 "bound the database: past it the oldest profiles are deleted, from 1M to 16T (default: no bound)",
	 .min = 1 << 20, .max = (size_t)16 << 40},
	{"downsample-after", 0, FLAG_DURATION, &opt.downsample_after_ns, "DURATION",
	 "profiles older than this are downsampled, from 1s to 100 years (default 24h)", .min = NS_PER_S,
	 .max = 876000LL * 3600 * NS_PER_S},
	{"downsample-keep", 0, FLAG_INT, &opt.downsample_keep, "K",
	 "of those, keep the K with the most CPU per service, env, version and hour; 0 keeps all (default 5)", .min = 0,
	 .max = 1000000},
	{"scrape", 0, FLAG_STRING, &opt.scrape, "FILE",
	 "also scrape CPU profiles from the Go services' /debug/pprof listed in FILE (YAML; SIGHUP reads it again)", 0, 0,
	 NULL},
	{"ui", 0, FLAG_BOOL, &opt.ui, NULL, "serve the web UI at /ui/ (default true; --ui=false turns it off)", 0, 0, NULL},
	{"ui-session", 0, FLAG_DURATION, &opt.ui_session_ns, "DURATION",
	 "how long a web UI sign-in lasts, from 1s to 30 days (default 12h)", .min = NS_PER_S,
	 .max = 30LL * 24 * 3600 * NS_PER_S},
	{"json", 0, FLAG_BOOL, &opt.json, NULL, "log JSON lines", 0, 0, NULL},
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const flag_def *flags(void)
{
	return serve_flags;
}

static int run(int argc, char **argv);

const command cmd_serve = {
	.name = "serve",
	.run = run,
	.summary = "run the self-hosted profile store (Datadog-agent and Pyroscope intake, Datadog query API)",
	.synopsis = "pgotool serve [--listen ADDR:PORT] [--data DIR] [--tls-cert FILE --tls-key FILE] [OPTIONS]",
	.description =
		"Stores the CPU profiles of Go services: uploads as if to a Datadog agent\n"
		"(point DD_TRACE_AGENT_URL at it), pushes as if to a Pyroscope server (point\n"
		"pyroscope-go's ServerAddress at it), and scrapes of net/http/pprof (--scrape).\n"
		"It keeps them in SQLite under the data directory and answers the Datadog\n"
		"query API that datadog-pgo and pgotool fetch use: profiles/list,\n"
		"profiles/gopgo and profile downloads, and serves a web UI at /ui/ (sign in\n"
		"with the application key). An upload is answered 200 only once it\n"
		"is on disk. The query API requires DD-API-KEY and DD-APPLICATION-KEY; without\n"
		"--api-key/--app-key or PGOTOOL_API_KEY/PGOTOOL_APP_KEY, keys are created in\n"
		"DIR/keys (mode 0600) on first start, and the log says where.\n\n"
		"Only --retention, --downsample-after/--downsample-keep and --max-disk delete\n"
		"profiles, in the background, and the log says what each deleted.\n\n"
		"Logs one line per request on stdout. Stops cleanly on SIGINT or SIGTERM;\n"
		"SIGHUP reads the --scrape file again.",
	.flags = flags,
	.server = true,
};

static int run(int argc, char **argv)
{
	flag_list args = {0};
	char message[256];
	memset(&opt, 0, sizeof opt);
	opt.retention_ns = (int64_t)192 * 3600 * NS_PER_S;
	opt.max_body = (size_t)64 << 20;
	opt.max_memory = (size_t)512 << 20;
	opt.max_connections = 1024;
	opt.downsample_after_ns = (int64_t)24 * 3600 * NS_PER_S;
	opt.downsample_keep = 5;
	opt.timeout_ns = 60 * NS_PER_S;
	opt.ui = true;
	opt.ui_session_ns = (int64_t)12 * 3600 * NS_PER_S;
	int rc = 0;
	int parsed = flags_parse(serve_flags, argc, argv, &args, message, sizeof message);
	if (parsed > 0) {
		cli_print_help(&cmd_serve, stdout);
		rc = EXIT_OK;
		goto done;
	}
	if (parsed < 0) {
		rc = cli_usage_error(&cmd_serve, message);
		goto done;
	}
	if (args.n) {
		rc = cli_usage_error(&cmd_serve, "serve takes no arguments, only options");
		goto done;
	}
	/* Options that go in pairs: usage errors, found before anything is made. */
	const char *api = opt.api_key ? opt.api_key : getenv("PGOTOOL_API_KEY");
	const char *app = opt.app_key ? opt.app_key : getenv("PGOTOOL_APP_KEY");
	if ((api && *api) != (app && *app)) {
		rc = cli_usage_error(&cmd_serve, api && *api ? "an API key without an application key: give --app-key (or "
		                                              "PGOTOOL_APP_KEY) too, or neither to use DIR/keys"
		                                            : "an application key without an API key: give --api-key (or "
		                                              "PGOTOOL_API_KEY) too, or neither to use DIR/keys");
		goto done;
	}
	if (!opt.tls_cert != !opt.tls_key) {
		rc = cli_usage_error(&cmd_serve, opt.tls_cert ? "--tls-cert without --tls-key: give the certificate's private key too"
		                                              : "--tls-key without --tls-cert: give the certificate too");
		goto done;
	}
	if (opt.keep) {
		/* Names as an upload's parts give them: plain file names, comma-separated. */
		bool ok = *opt.keep && opt.keep[strlen(opt.keep) - 1] != ',';
		for (const char *p = opt.keep; ok && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
			ok = strcspn(p, ",") > 0 && strcspn(p, "/\\ ") >= strcspn(p, ",");
		if (!ok) {
			rc = cli_usage_error(&cmd_serve, "--keep wants attachment names separated by commas, e.g. cpu.pprof or "
			                                 "cpu.pprof,metrics.json");
			goto done;
		}
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
		.retention_ns = opt.retention_ns,
		.max_body = opt.max_body,
		.max_memory = opt.max_memory,
		.max_connections = (unsigned)opt.max_connections,
		.timeout_s = (unsigned)(opt.timeout_ns / NS_PER_S),
		.scrape_file = opt.scrape,
		.keep = opt.keep,
		.max_disk = opt.max_disk,
		.downsample_after_ns = opt.downsample_after_ns,
		.downsample_keep = (size_t)opt.downsample_keep,
		.ui = opt.ui,
		.ui_session_ns = opt.ui_session_ns,
	};
	rc = serve_run(&o);
done:
	flag_list_free(&args);
	return rc;
}
