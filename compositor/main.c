// SPDX-License-Identifier: MIT
/*
 * wlnest: command line, set-up, the event loop and the optional child
 * program.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nest.h"
#include "tables.h"
#include "activation.h"
#include "xwayland.h"

#include "virtwl_version.h"	/* VIRTWL_VERSION (generated) */

int nest_verbose;

double
nest_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
vlog(const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "wlnest: %s\n", line);
}

void
nest_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
nest_debug(const char *fmt, ...)
{
	va_list ap;

	if (!nest_verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

/* libwayland's own messages: worth seeing only when debugging. */
static void
libwayland_log(const char *fmt, va_list ap)
{
	if (!nest_verbose)
		return;
	fputs("wlnest: libwayland: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static void
usage(FILE *out)
{
	fputs("Usage: wlnest [OPTION]... [--] [PROGRAM [ARG]...]\n"
	      "A nested Wayland compositor: each client that connects to it\n"
	      "gets its own connection to the host compositor.\n"
	      "\n"
	      "      --virtwl[=DEVICE]  reach the host compositor through a\n"
	      "                         virtio_wl device (default /dev/wl0; the\n"
	      "                         default mode when /dev/wl0 exists)\n"
	      "      --virtwl-socket NAME  connect each context to the host\n"
	      "                         socket the VM operator named NAME\n"
	      "  -d, --display HOST     reach the host compositor on a socket: a\n"
	      "                         name in $XDG_RUNTIME_DIR or a path\n"
	      "                         (default: $WAYLAND_DISPLAY, else wayland-0)\n"
	      "  -s, --socket NAME      listen on $XDG_RUNTIME_DIR/NAME\n"
	      "                         (default: the first free wayland-N)\n"
	      "      --shm MODE         passthrough (default with a socket): hand\n"
	      "                         client shm pools to the host, zero copy;\n"
	      "                         copy (always with virtwl): copy damaged\n"
	      "                         pixels into wlnest's own host buffers\n"
	      "  -X, --xwayland         serve X11 clients: listen on the first\n"
	      "                         free X11 display and start Xwayland on\n"
	      "                         the first connection\n"
	      "      --x-display N      like -X, on display :N\n"
	      "      --xwayland-path P  the Xwayland binary (default: Xwayland)\n"
	      "      --no-x-decorations draw no frames for X windows (where\n"
	      "                         the host does not decorate them)\n"
	      "      --reconnect        on losing the host compositor, keep the\n"
	      "                         sockets and wait for it to come back\n"
	      "                         (the default with virtwl)\n"
	      "      --no-reconnect     on losing it, exit 1 (the default\n"
	      "                         with a socket)\n"
	      "      --tag TEXT         put TEXT in front of every window title\n"
	      "                         (Wayland and X11), e.g. \"[work] \"\n"
	      "      --app-id-prefix TEXT  put TEXT in front of every app id\n"
	      "      --stats            print copy statistics on exit\n"
	      "      --list-interfaces  print the interfaces wlnest can forward\n"
	      "                         (name and version) and exit\n"
	      "  -v, --verbose          log what happens\n"
	      "  -h, --help             show this help and exit\n"
	      "      --version          show the version and exit\n"
	      "\n"
	      "With PROGRAM, wlnest runs it with WAYLAND_DISPLAY set to its\n"
	      "socket (and DISPLAY with -X) and exits with its exit status;\n"
	      "otherwise it runs until SIGINT or SIGTERM.\n"
	      "\n"
	      "Given listening sockets by systemd (socket activation: the user\n"
	      "units wlnest.socket and wlnest-x11.socket), it serves those:\n"
	      "Wayland clients on the one, X11 clients on /tmp/.X11-unix/X<n>\n"
	      "ones.  systemctl --user enable --now wlnest.socket sets it up;\n"
	      "see wlnest(1).\n",
	      out);
}

static void
list_interfaces(void)
{
	for (size_t i = 0; i < nest_interface_count; i++) {
		if (nest_interface_offerable(&nest_interfaces[i]))
			printf("%s %d\n", nest_interfaces[i].interface->name,
			       nest_interfaces[i].interface->version);
	}
}

struct options {
	const char *display;
	const char *socket;
	const char *virtwl;		/* device, NULL for a socket */
	const char *virtwl_socket;
	bool shm_given;
	enum nest_shm_mode shm_mode;
	bool stats;
	bool x11;
	int x_display;
	const char *tag;
	const char *app_id_prefix;
	int reconnect;			/* -1: the mode's default */
	char **program;
};

enum {
	OPT_SHM = 256,
	OPT_STATS,
	OPT_LIST,
	OPT_VERSION,
	OPT_X_DISPLAY,
	OPT_XWAYLAND_PATH,
	OPT_VIRTWL,
	OPT_VIRTWL_SOCKET,
	OPT_TAG,
	OPT_RECONNECT,
	OPT_NO_RECONNECT,
	OPT_APP_ID_PREFIX,
	OPT_NO_X_DECORATIONS,
};

/* Returns -1 to go on, else an exit status. */
static int
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "display", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "shm", required_argument, NULL, OPT_SHM },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "virtwl", optional_argument, NULL, OPT_VIRTWL },
		{ "virtwl-socket", required_argument, NULL, OPT_VIRTWL_SOCKET },
		{ "xwayland", no_argument, NULL, 'X' },
		{ "x-display", required_argument, NULL, OPT_X_DISPLAY },
		{ "xwayland-path", required_argument, NULL, OPT_XWAYLAND_PATH },
		{ "no-x-decorations", no_argument, NULL, OPT_NO_X_DECORATIONS },
		{ "list-interfaces", no_argument, NULL, OPT_LIST },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "reconnect", no_argument, NULL, OPT_RECONNECT },
		{ "no-reconnect", no_argument, NULL, OPT_NO_RECONNECT },
		{ "app-id-prefix", required_argument, NULL, OPT_APP_ID_PREFIX },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	char *end;
	long n;
	int c;

	opts->x_display = -1;
	opts->reconnect = -1;
	while ((c = getopt_long(argc, argv, "+d:s:vhX", long_options, NULL)) !=
	       -1) {
		switch (c) {
		case 'd':
			opts->display = optarg;
			break;
		case 's':
			opts->socket = optarg;
			break;
		case OPT_VIRTWL:
			opts->virtwl = optarg;
			/* "--virtwl /dev/wlN" works as well as "=" */
			if (!optarg && optind < argc &&
			    strncmp(argv[optind], "/dev/", 5) == 0)
				opts->virtwl = argv[optind++];
			if (!opts->virtwl)
				opts->virtwl = "/dev/wl0";
			break;
		case OPT_VIRTWL_SOCKET:
			opts->virtwl_socket = optarg;
			break;
		case OPT_SHM:
			opts->shm_given = true;
			if (strcmp(optarg, "passthrough") == 0) {
				opts->shm_mode = NEST_SHM_PASSTHROUGH;
			} else if (strcmp(optarg, "copy") == 0) {
				opts->shm_mode = NEST_SHM_COPY;
			} else {
				nest_log("--shm must be passthrough or copy, "
					 "not '%s'",
					 optarg);
				return 2;
			}
			break;
		case OPT_STATS:
			opts->stats = true;
			break;
		case 'X':
			opts->x11 = true;
			break;
		case OPT_X_DISPLAY:
			errno = 0;
			n = strtol(optarg[0] == ':' ? optarg + 1 : optarg, &end,
				   10);
			if (errno || *end || n < 0 || n > 32767 ||
			    end == optarg) {
				nest_log("--x-display needs a display number, "
					 "not '%s'",
					 optarg);
				return 2;
			}
			opts->x11 = true;
			opts->x_display = (int)n;
			break;
		case OPT_RECONNECT:
		case OPT_NO_RECONNECT:
			opts->reconnect = c == OPT_RECONNECT ? 1 : 0;
			break;
		case OPT_TAG:
		case OPT_APP_ID_PREFIX:
			if (strlen(optarg) > 64) {
				fprintf(stderr, "wlnest: --%s: at most 64 bytes\n",
					c == OPT_TAG ? "tag" : "app-id-prefix");
				return 2;
			}
			if (c == OPT_TAG)
				opts->tag = optarg;
			else
				opts->app_id_prefix = optarg;
			break;
		case OPT_XWAYLAND_PATH:
			nest_xwayland_path = optarg;
			break;
		case OPT_NO_X_DECORATIONS:
			nest_x_decorations = false;
			break;
		case OPT_LIST:
			list_interfaces();
			return 0;
		case 'v':
			nest_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("wlnest %s\n", VIRTWL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		opts->program = argv + optind;
	if (opts->virtwl && opts->display) {
		nest_log("--virtwl and --display are two ways to the host: "
			 "give one");
		return 2;
	}
	if (!opts->virtwl && !opts->display && opts->virtwl_socket)
		opts->virtwl = "/dev/wl0";
	if (!opts->virtwl && !opts->display &&
	    access("/dev/wl0", R_OK | W_OK) == 0)
		opts->virtwl = "/dev/wl0";
	if (opts->virtwl_socket && !opts->virtwl) {
		nest_log("--virtwl-socket needs --virtwl");
		return 2;
	}
	if (opts->virtwl) {
		if (opts->shm_given && opts->shm_mode != NEST_SHM_COPY) {
			nest_log("--shm passthrough cannot work through "
				 "virtwl: the host cannot see guest memory");
			return 2;
		}
		opts->shm_mode = NEST_SHM_COPY;
	}
	return -1;
}

static bool
resolve_host(struct nest *nest, const char *runtime_dir)
{
	int n;

	if (strchr(nest->host_name, '/'))
		n = snprintf(nest->host_path, sizeof(nest->host_path), "%s",
			     nest->host_name);
	else
		n = snprintf(nest->host_path, sizeof(nest->host_path), "%s/%s",
			     runtime_dir, nest->host_name);
	if (n < 0 || (size_t)n >= sizeof(nest->host_path)) {
		nest_log("host socket path too long: %s", nest->host_name);
		return false;
	}
	return true;
}

/* Why a socket name cannot be used, or NULL. */
static const char *
add_named_socket(struct nest *nest, const char *runtime_dir, const char *name)
{
	static char why[256];
	char path[sizeof(nest->host_path)];
	struct stat st;

	if (!*name || strchr(name, '/'))
		return "a socket name must not be empty or contain '/'";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", runtime_dir, name) >=
	    sizeof(path))
		return "the socket path is too long";
	if (nest->channel == &nest_direct_channel &&
	    strcmp(path, nest->host_path) == 0)
		return "it is the host compositor's own socket";
	if (wl_display_add_socket(nest->display, name) == 0)
		return NULL;
	if (stat(path, &st) == 0)
		snprintf(why, sizeof(why),
			 "%s is taken: another compositor listens on it", path);
	else
		snprintf(why, sizeof(why), "cannot listen on %s: %s", path,
			 strerror(errno));
	return why;
}

static pid_t child_pid;

static int
handle_sigchld(int sig, void *data)
{
	struct nest *nest = data;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != child_pid) {
			nest_xwayland_child_exited(nest->xwayland, pid, status);
			continue;
		}
		child_pid = 0;
		if (WIFEXITED(status)) {
			nest->exit_status = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			nest_log("%s", strsignal(WTERMSIG(status)));
			nest->exit_status = 128 + WTERMSIG(status);
		}
		nest->quit = true;
	}
	return 0;
}

static int
handle_quit_signal(int sig, void *data)
{
	struct nest *nest = data;

	nest_debug("%s: quitting", strsignal(sig));
	nest->quit = true;
	return 0;
}

static bool
spawn(char **program, const char *socket, const char *x_display)
{
	sigset_t none;
	pid_t pid = fork();

	if (pid < 0) {
		nest_log("fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setenv("WAYLAND_DISPLAY", socket, 1);
		unsetenv("WAYLAND_SOCKET");
		if (x_display)
			setenv("DISPLAY", x_display, 1);
		execvp(program[0], program);
		fprintf(stderr, "wlnest: cannot run %s: %s\n", program[0],
			strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	return true;
}

int
main(int argc, char **argv)
{
	struct options opts = { 0 };
	struct nest_activation activation;
	struct nest nest = { 0 };
	const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
	const char *socket, *why;
	struct wl_event_source *signals[3] = { 0 };
	int status;

	status = parse_options(argc, argv, &opts);
	if (status >= 0)
		return status;
	wl_log_set_handler_server(libwayland_log);
	wl_log_set_handler_client(libwayland_log);

	if (!runtime_dir || !*runtime_dir) {
		nest_log("XDG_RUNTIME_DIR is not set; wlnest listens on a "
			 "socket there");
		return 1;
	}
	nest.shm_mode = opts.shm_mode;
	nest.time_copies = opts.stats;
	nest.title_tag = opts.tag;
	/* In a VM the host may restart under us; without one, quit by default. */
	nest.reconnect = opts.reconnect < 0 ? opts.virtwl != NULL : opts.reconnect;
	nest.app_id_prefix = opts.app_id_prefix;
	if (opts.virtwl) {
		nest.host_name = opts.virtwl;
		snprintf(nest.host_path, sizeof(nest.host_path), "%s%s%s",
			 opts.virtwl, opts.virtwl_socket ? " socket " : "",
			 opts.virtwl_socket ? opts.virtwl_socket : "");
		if (!nest_virtwl_open(&nest, opts.virtwl, opts.virtwl_socket))
			return 1;
	} else {
		nest.channel = &nest_direct_channel;
		nest.host_name = opts.display ? opts.display :
						getenv("WAYLAND_DISPLAY");
		if (!nest.host_name || !*nest.host_name)
			nest.host_name = "wayland-0";
		if (!resolve_host(&nest, runtime_dir))
			return 1;
	}
	wl_list_init(&nest.globals);
	wl_list_init(&nest.clients);
	nest_hooks_init();

	nest.display = wl_display_create();
	if (!nest.display) {
		nest_log("cannot create a Wayland display");
		return 1;
	}
	nest.loop = wl_display_get_event_loop(nest.display);
	if (!nest_host_init(&nest)) {
		status = 1;
		goto out;
	}
	if (!nest_take_activation(&nest, runtime_dir, &activation)) {
		status = 1;
		goto out;
	}
	if (activation.n_wayland && !opts.socket) {
		/* systemd made our socket (wlnest.socket): serve that one only. */
		socket = activation.wayland_display;
	} else if (opts.socket) {
		why = add_named_socket(&nest, runtime_dir, opts.socket);
		if (why) {
			nest_log("cannot use socket '%s': %s", opts.socket, why);
			status = 1;
			goto out;
		}
		socket = opts.socket;
	} else {
		socket = wl_display_add_socket_auto(nest.display);
		if (!socket) {
			nest_log("no free wayland-N socket in %s", runtime_dir);
			status = 1;
			goto out;
		}
	}
	nest_debug("listening on %s/%s, host %s, shm %s", runtime_dir, socket,
		   nest.host_path,
		   nest.shm_mode == NEST_SHM_COPY ? "copy" : "passthrough");

	nest.client_created.notify = nest_client_created;
	wl_display_add_client_created_listener(nest.display,
					       &nest.client_created);
	signals[0] = wl_event_loop_add_signal(nest.loop, SIGCHLD,
					      handle_sigchld, &nest);
	signals[1] = wl_event_loop_add_signal(nest.loop, SIGTERM,
					      handle_quit_signal, &nest);
	signals[2] = wl_event_loop_add_signal(nest.loop, SIGINT,
					      handle_quit_signal, &nest);
	signal(SIGPIPE, SIG_IGN);

	if (activation.n_x11) {
		/* An X11 socket from systemd asks for X11 (wlnest-x11.socket). */
		nest.xwayland = nest_xwayland_create_from_fds(&nest, activation.x11_fds,
							      activation.n_x11);
		if (!nest.xwayland) {
			status = 1;
			goto out;
		}
	} else if (opts.x11) {
		nest.xwayland = nest_xwayland_create(&nest, opts.x_display);
		if (!nest.xwayland) {
			status = 1;
			goto out;
		}
	}

	if (opts.program &&
	    !spawn(opts.program, socket,
		   nest.xwayland ? nest_xwayland_display_name(nest.xwayland) :
				   NULL)) {
		status = 1;
		goto out;
	}

	while (!nest.quit) {
		nest_flush_hosts(&nest);
		wl_display_flush_clients(nest.display);
		if (wl_event_loop_dispatch(nest.loop, -1) < 0 && errno != EINTR) {
			nest_log("event loop: %s", strerror(errno));
			nest.exit_status = 1;
			break;
		}
	}
	status = nest.exit_status;

out:
	nest_xwayland_destroy(nest.xwayland);
	nest.xwayland = NULL;
	wl_display_flush_clients(nest.display);
	wl_display_destroy_clients(nest.display);
	wl_event_loop_dispatch_idle(nest.loop);
	for (int i = 0; i < 3; i++) {
		if (signals[i])
			wl_event_source_remove(signals[i]);
	}
	nest_host_finish(&nest);
	wl_display_destroy(nest.display);
	nest_virtwl_close(&nest);
	if (opts.stats)
		fprintf(stderr,
			"wlnest-stats: commits=%llu copied_bytes=%llu "
			"host_buffers=%llu frames=%llu dropped=%llu "
			"big_copies=%llu big_copy_bytes=%llu big_copy_us=%llu\n",
			(unsigned long long)nest.stats.commits,
			(unsigned long long)nest.stats.copied_bytes,
			(unsigned long long)nest.stats.host_buffers,
			(unsigned long long)nest.stats.frames,
			(unsigned long long)nest.stats.dropped,
			(unsigned long long)nest.stats.big_copies,
			(unsigned long long)nest.stats.big_copy_bytes,
			(unsigned long long)(nest.stats.big_copy_ns / 1000));
	return status;
}
