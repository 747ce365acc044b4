// SPDX-License-Identifier: MIT
/*
 * The device's configuration: which sockets the guest may reach, limits,
 * the window, and what they cost in host fds.
 */
#include <stdio.h>
#include <string.h>

#include "wl_internal.h"

void
wl_config_init(struct wl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->limits.max_vfds = WL_DEFAULT_MAX_VFDS;
	cfg->limits.max_contexts = WL_DEFAULT_MAX_CONTEXTS;
	cfg->limits.max_mapped_bytes = WL_DEFAULT_MAX_MAPPED_BYTES;
	cfg->limits.max_send_bytes = WL_DEFAULT_MAX_SEND_BYTES;
	cfg->limits.io_timeout_ms = WL_DEFAULT_IO_TIMEOUT_MS;
	cfg->limits.max_pending_msgs = WL_DEFAULT_MAX_PENDING_MSGS;
	cfg->limits.vfd_queue_bytes = WL_DEFAULT_VFD_QUEUE_BYTES;
	cfg->limits.dev_queue_bytes = WL_DEFAULT_DEV_QUEUE_BYTES;
	cfg->limits.max_queued_fds = WL_DEFAULT_MAX_QUEUED_FDS;
	cfg->window_size = WL_DEFAULT_WINDOW_SIZE;
	cfg->offer_use_shmem = true;
}

static bool
valid_name(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > WL_SOCKET_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

const struct wl_socket_cfg *
wl_config_find_socket(const struct wl_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_sockets; i++)
		if (!strcmp(cfg->sockets[i].name, name))
			return &cfg->sockets[i];
	return NULL;
}

int
wl_config_add_socket(struct wl_config *cfg, const char *name, const char *path,
		     char *err, size_t errlen)
{
	struct wl_socket_cfg *sock;
	size_t name_len = name ? strlen(name) : 0;

	if (name_len && !valid_name(name, name_len)) {
		snprintf(err, errlen, "bad socket name '%s' (1-%u of A-Z a-z 0-9 . _ -)",
			 name, WL_SOCKET_NAME_MAX);
		return -1;
	}
	if (!path[0]) {
		snprintf(err, errlen, "empty socket path");
		return -1;
	}
	if (strlen(path) >= sizeof(sock->path)) {
		snprintf(err, errlen, "socket path too long (max %zu bytes): %s",
			 sizeof(sock->path) - 1, path);
		return -1;
	}
	if (wl_config_find_socket(cfg, name_len ? name : "")) {
		if (name_len)
			snprintf(err, errlen, "socket name '%s' given twice", name);
		else
			snprintf(err, errlen, "more than one unnamed socket");
		return -1;
	}
	if (cfg->n_sockets >= sizeof(cfg->sockets) / sizeof(cfg->sockets[0])) {
		snprintf(err, errlen, "too many sockets (max %u named + 1)",
			 WL_MAX_NAMED_SOCKETS);
		return -1;
	}
	sock = &cfg->sockets[cfg->n_sockets++];
	memset(sock, 0, sizeof(*sock));
	if (name_len)
		memcpy(sock->name, name, name_len);
	memcpy(sock->path, path, strlen(path) + 1);
	return 0;
}

int
wl_config_parse_socket(struct wl_config *cfg, const char *spec, char *err,
		       size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char name[WL_SOCKET_NAME_MAX + 1];
	size_t name_len;

	if (!eq || spec[0] == '/' || spec[0] == '.')
		return wl_config_add_socket(cfg, "", spec, err, errlen);
	name_len = (size_t)(eq - spec);
	if (name_len == 0 || name_len > WL_SOCKET_NAME_MAX) {
		snprintf(err, errlen, "bad socket name in '%s' (1-%u bytes)",
			 spec, WL_SOCKET_NAME_MAX);
		return -1;
	}
	memcpy(name, spec, name_len);
	name[name_len] = '\0';
	return wl_config_add_socket(cfg, name, eq + 1, err, errlen);
}

int
wl_config_check(const struct wl_config *cfg, char *err, size_t errlen)
{
	const struct wl_limits *l = &cfg->limits;

	if (cfg->window_size < WL_MIN_WINDOW_SIZE ||
	    (cfg->window_size & (cfg->window_size - 1))) {
		snprintf(err, errlen, "window size must be a power of two of at least %llu bytes",
			 (unsigned long long)WL_MIN_WINDOW_SIZE);
		return -1;
	}
	if (l->max_vfds == 0 || l->max_vfds > 0x100000) {
		snprintf(err, errlen, "max vfds must be 1..1048576");
		return -1;
	}
	if (l->max_contexts == 0 || l->max_contexts > 0x100000) {
		snprintf(err, errlen, "max contexts must be 1..1048576");
		return -1;
	}
	if (l->io_timeout_ms == 0 || l->io_timeout_ms > 600000) {
		snprintf(err, errlen, "the i/o timeout must be 1..600000 ms");
		return -1;
	}
	if (l->vfd_queue_bytes == 0 || l->vfd_queue_bytes > l->dev_queue_bytes ||
	    l->dev_queue_bytes > (1u << 30) || l->max_queued_fds > 4096) {
		snprintf(err, errlen, "queue limits must be 1 <= per vfd <= per device <= 1 GiB, "
			 "queued fds <= 4096");
		return -1;
	}
	if (cfg->alloc_dir[0] != '\0' && cfg->alloc_dir[0] != '/') {
		snprintf(err, errlen, "the allocation directory must be an absolute path");
		return -1;
	}
	if (l->max_mapped_bytes > cfg->window_size) {
		snprintf(err, errlen, "max mapped memory exceeds the window size");
		return -1;
	}
	if (l->max_send_bytes > (64u << 20)) {
		snprintf(err, errlen, "max send bytes must be at most 64 MiB");
		return -1;
	}
	if (cfg->memfd_server && wl_config_find_socket(cfg, WL_MEMFD_CTX_NAME)) {
		snprintf(err, errlen, "socket name '%s' is the memfd server's",
			 WL_MEMFD_CTX_NAME);
		return -1;
	}
	return 0;
}

uint64_t
wl_config_max_fds(const struct wl_config *cfg)
{
	/*
	 * A guest-made pipe holds both ends until one is sent; a read from
	 * a host socket holds up to WL_MAX_VFDS_PER_MSG fds before they
	 * become vfds (or are closed).
	 */
	return 2ull * cfg->limits.max_vfds + cfg->limits.max_queued_fds +
	       WL_MAX_VFDS_PER_MSG + WL_OWN_FDS;
}
