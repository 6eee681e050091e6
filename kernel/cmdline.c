/* cmdline.c — parses the kernel command line once into struct
 * kernel_options. Grammar: tokens separated by blanks; a token is NAME or
 * NAME=VALUE; VALUE may be wrapped in double quotes to contain blanks.
 * Unknown names and invalid values are recorded for the boot log, never
 * fatal. Portable (hosted-tested). */
#include <rayos/cmdline.h>
#include <rayos/log.h>
#include <rayos/string.h>

struct kernel_options kopt = { .loglevel = LOG_INFO };

static void note(char list[][CMDLINE_VALUE_MAX], u32 *nr, const char *tok)
{
	if (*nr < CMDLINE_MAX_UNKNOWN)
		strlcpy(list[(*nr)++], tok, CMDLINE_VALUE_MAX);
}

/* Copies the next token into name/value; returns the rest, NULL at end. */
static const char *next_token(const char *p, char *tok, size_t toksz, char **value)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!*p)
		return NULL;
	size_t n = 0;
	bool quoted = false;
	*value = NULL;
	while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'))) {
		char c = *p++;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '=' && !*value && !quoted) {
			if (n + 1 < toksz)
				tok[n++] = 0;
			*value = tok + n;
			continue;
		}
		if (n + 1 < toksz)
			tok[n++] = c;
	}
	tok[n] = 0;
	return p;
}

static bool set_string(char *dst, const char *v)
{
	if (!v || !*v || strlen(v) >= CMDLINE_VALUE_MAX)
		return false;
	strlcpy(dst, v, CMDLINE_VALUE_MAX);
	return true;
}

int cpulist_parse(const char *s, u64 *mask)
{
	u64 m = 0;
	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		u32 a = 0, b;
		int digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			a = a * 10 + (u32)(*s - '0');
		if (!digits)
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			b = 0;
			digits = 0;
			for (; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
				b = b * 10 + (u32)(*s - '0');
			if (!digits)
				return -EINVAL;
		}
		if (a > b || b >= 64)
			return -EINVAL;
		for (u32 c = a; c <= b; c++)
			m |= 1ULL << c;
		if (*s == ',')
			s++;
		else if (*s)
			return -EINVAL;
		else
			break;
	}
	*mask = m;
	return 0;
}

void cmdline_parse(const char *line, struct kernel_options *o)
{
	char tok[CMDLINE_VALUE_MAX * 2];
	char *val;
	memset(o, 0, sizeof(*o));
	o->loglevel = LOG_INFO;
	const char *p = line ? line : "";
	while ((p = next_token(p, tok, sizeof(tok), &val))) {
		bool ok = true;
		if (!strcmp(tok, "loglevel")) {
			int l = val ? log_level_parse(val) : -EINVAL;
			if (l >= 0) {
				o->loglevel = l;
				o->loglevel_set = true;
			} else {
				ok = false;
			}
		} else if (!strcmp(tok, "ktest")) {
			ok = set_string(o->ktest, val);
		} else if (!strcmp(tok, "init")) {
			ok = set_string(o->init, val) && val[0] == '/';
			if (!ok)
				o->init[0] = 0;
		} else if (!strcmp(tok, "quiet")) {
			o->loglevel = LOG_WARN;
			o->loglevel_set = true;
		} else if (!strcmp(tok, "isolcpus")) {
			ok = val && cpulist_parse(val, &o->isolcpus) == 0;
		} else if (!strcmp(tok, "slab_debug") && !val) {
			o->slab_debug = true;
		} else {
			/* rebuild NAME=VALUE for the report */
			if (val)
				val[-1] = '=';
			note(o->unknown, &o->nr_unknown, tok);
			continue;
		}
		if (!ok) {
			if (val)
				val[-1] = '=';
			note(o->invalid, &o->nr_invalid, tok);
		}
	}
}
