// SPDX-License-Identifier: MIT
/*
 * Per-VM window identity: --tag TEXT goes in front of every toplevel's
 * title and --app-id-prefix TEXT in front of its app_id, for Wayland
 * toplevels (a hook on xdg_toplevel) and X11 ones (the window manager
 * sets its host toplevels through the same two functions).  A toplevel
 * that never sets a title shows the tag alone.
 */
#include <stdlib.h>
#include <string.h>

#include "nest.h"
#include "xdg-shell-client-protocol.h"

/* @prefix + @s, or NULL when there is no prefix (the string goes as is). */
static char *
prefixed(const char *prefix, const char *s)
{
	size_t a, b;
	char *out;

	if (!prefix || !*prefix)
		return NULL;
	a = strlen(prefix);
	b = s ? strlen(s) : 0;
	out = malloc(a + b + 1);
	if (!out)
		return NULL;
	memcpy(out, prefix, a);
	if (b)
		memcpy(out + a, s, b);
	out[a + b] = '\0';
	return out;
}

void
nest_toplevel_set_title(const struct nest *nest, struct xdg_toplevel *toplevel,
			const char *title)
{
	char *t = prefixed(nest->title_tag, title);

	if (t || title)
		xdg_toplevel_set_title(toplevel, t ? t : title);
	free(t);
}

void
nest_toplevel_set_app_id(const struct nest *nest, struct xdg_toplevel *toplevel,
			 const char *app_id)
{
	char *t = prefixed(nest->app_id_prefix, app_id);

	if (t || app_id)
		xdg_toplevel_set_app_id(toplevel, t ? t : app_id);
	free(t);
}

static bool
toplevel_request(struct nest_object *object, uint32_t opcode,
		 const struct wl_message *message, union wl_argument *args)
{
	const struct nest *nest = object->client->nest;
	const char *prefix = opcode == XDG_TOPLEVEL_SET_TITLE ? nest->title_tag :
			     opcode == XDG_TOPLEVEL_SET_APP_ID ? nest->app_id_prefix :
								 NULL;
	union wl_argument tagged;

	if (!prefix || !*prefix)
		return false;
	tagged.s = prefixed(prefix, args[0].s);
	if (!tagged.s)
		return false;	/* out of memory: the string goes as it is */
	nest_forward_request(object, opcode, message, &tagged);
	free((char *)tagged.s);
	return true;
}

/* Before the client sets any title, the host already shows the tag. */
static void
toplevel_created(struct nest_object *object)
{
	const struct nest *nest = object->client->nest;

	if (nest->title_tag && *nest->title_tag)
		xdg_toplevel_set_title((struct xdg_toplevel *)object->host.proxy,
				       nest->title_tag);
}

const struct object_hooks nest_toplevel_hooks = {
	.request = toplevel_request,
	.create = toplevel_created,
};
