/*
 * args.c - a tool's arguments, described once in its table (tools.c): the
 * inputSchema the client sees, the check of a call against it (nothing
 * else allowed), and the vault's own checks of IDs, names and stages.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

json_t *args_schema(const struct arg *a)
{
	json_t *props = json_object(), *req = json_array(), *p;

	for (; a->name; a++) {
		if (a->type == A_INT)
			p = json_pack("{s:s, s:s, s:I, s:I}", "type", "integer",
			    "description", a->desc, "minimum", (json_int_t)a->min,
			    "maximum", (json_int_t)a->max);
		else
			p = json_pack("{s:s, s:s, s:I, s:I}", "type", "string",
			    "description", a->desc, "minLength", (json_int_t)a->min,
			    "maxLength", (json_int_t)a->max);
		if (p && a->pattern)
			json_object_set_new(p, "pattern", json_string(a->pattern));
		json_object_set_new(props, a->name, p);
		if (a->required)
			json_array_append_new(req, json_string(a->name));
	}
	return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties",
	    props, "required", req, "additionalProperties", 0);
}

/* A string's length as JSON Schema counts it, in characters (jansson's
 * strings are valid UTF-8: every byte but a continuation byte starts one). */
static size_t chars(json_t *v)
{
	const char *p = json_string_value(v);
	size_t n = 0, i, len = json_string_length(v);

	for (i = 0; i < len; i++)
		n += ((unsigned char)p[i] & 0xc0) != 0x80;
	return n;
}

/* Check args against the table: 0, or -1 with the reason. The patterns
 * are checked by the vault's own name checks below, in the tools. */
int args_check(const struct tool *t, json_t *args)
{
	const struct arg *a;
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		for (a = t->args; a->name && strcmp(a->name, key) != 0; a++)
			;
		if (!a->name)
			return aie_fail(0, "%s: unknown argument %s", t->name, key);
		if (a->type == A_INT && (!json_is_integer(v) ||
		    json_integer_value(v) < a->min || json_integer_value(v) > a->max))
			return aie_fail(0, "%s: %s is not an integer from %ld to %ld",
			    t->name, key, a->min, a->max);
		if (a->type == A_STR && (!json_is_string(v) ||
		    chars(v) < (size_t)a->min || chars(v) > (size_t)a->max ||
		    strlen(json_string_value(v)) != json_string_length(v)))
			return aie_fail(0, "%s: %s is not a string of %ld to %ld "
			    "characters", t->name, key, a->min, a->max);
	}
	for (a = t->args; a->name; a++)
		if (a->required && !json_object_get(args, a->name))
			return aie_fail(0, "%s: %s is required", t->name, a->name);
	return 0;
}

/* A string argument, or NULL when absent, not a string, or holding a NUL
 * (which a C string would silently cut). */
const char *str_arg(json_t *args, const char *key)
{
	json_t *v = json_object_get(args, key);
	const char *s = json_string_value(v);

	return s && strlen(s) == json_string_length(v) ? s : NULL;
}

/* An ID argument: an ID of vault(5), never a path (no "/", no ".."). */
int id_arg(json_t *args, const char *key, const char **id)
{
	*id = str_arg(args, key);
	if (*id && !id_valid(*id))
		return aie_fail(0, "%s: not an item ID (IDs are names, not paths)",
		    *id);
	return 0;
}

int stage_arg(json_t *args, enum stage fallback, enum stage *st)
{
	const char *s = str_arg(args, "stage");
	int i;

	*st = fallback;
	if (!s)
		return 0;
	for (i = 0; i < ST_COUNT; i++)
		if (strcmp(s, stage_dir[i]) == 0) {
			*st = (enum stage)i;
			return 0;
		}
	return aie_fail(0, "%s: not a stage of the vault", s);
}

int name_arg(json_t *args, const char *key, const char **name)
{
	*name = str_arg(args, key);
	if (*name && !name_valid(*name))
		return aie_fail(0, "%s: not a %s name", *name, key);
	return 0;
}

long limit_arg(json_t *args)
{
	json_t *v = json_object_get(args, "limit");

	return v ? (long)json_integer_value(v) : LIST_DEFAULT;
}

