/* lineedit.c — the line editor state machine (see lineedit.h for keys).
 *
 * Invariants after every le_feed(): len < LE_LINE_MAX, cur <= len,
 * line[len] == 0, hist_n <= LE_HISTORY, -1 <= hist_pos < hist_n.
 * Display: after an edit the whole line is redrawn as
 * "\r" prompt line ESC[K, then the cursor is moved back (len - cur) columns,
 * which keeps the terminal right whatever the edit was. Portable. */
#include <rayos/lineedit.h>
#include <rayos/printf.h>
#include <rayos/string.h>

static void out(struct lineedit *le, const char *s)
{
	le->out(le->out_ctx, s, strlen(s));
}

static void redraw(struct lineedit *le)
{
	char buf[32];
	out(le, "\r");
	out(le, le->prompt);
	le->out(le->out_ctx, le->line, le->len);
	out(le, "\x1b[K");
	if (le->len > le->cur) {
		snprintf(buf, sizeof(buf), "\x1b[%zuD", le->len - le->cur);
		out(le, buf);
	}
}

static void set_line(struct lineedit *le, const char *s)
{
	le->len = strlcpy(le->line, s, sizeof(le->line));
	if (le->len >= sizeof(le->line))
		le->len = sizeof(le->line) - 1;
	le->cur = le->len;
	le->overflow = false;
}

void le_init(struct lineedit *le, const char *prompt, le_out_fn o, void *ctx,
	     le_complete_fn complete)
{
	memset(le, 0, sizeof(*le));
	le->prompt = prompt;
	le->out = o;
	le->out_ctx = ctx;
	le->complete = complete;
	le->hist_pos = -1;
}

void le_begin(struct lineedit *le)
{
	le->len = le->cur = 0;
	le->line[0] = 0;
	le->overflow = false;
	le->hist_pos = -1;
	le->esc = 0;
	out(le, le->prompt);
}

u32 le_history_count(const struct lineedit *le) { return le->hist_n; }

const char *le_history_at(const struct lineedit *le, u32 i)
{
	return i < le->hist_n ? le->hist[(le->hist_first + i) % LE_HISTORY] : NULL;
}

static void history_add(struct lineedit *le, const char *s)
{
	const char *p = s;
	while (*p == ' ')
		p++;
	if (!*p)
		return;
	if (le->hist_n && !strcmp(le_history_at(le, le->hist_n - 1), s))
		return;
	if (le->hist_n == LE_HISTORY) {
		le->hist_first = (le->hist_first + 1) % LE_HISTORY;
		le->hist_n--;
	}
	strlcpy(le->hist[(le->hist_first + le->hist_n) % LE_HISTORY], s, LE_LINE_MAX);
	le->hist_n++;
}

static void history_move(struct lineedit *le, int dir)
{
	if (!le->hist_n)
		return;
	if (le->hist_pos == -1) {
		if (dir > 0)
			return;
		strlcpy(le->saved, le->line, sizeof(le->saved));
		le->hist_pos = (int)le->hist_n - 1;
	} else if (dir < 0) {
		if (le->hist_pos == 0)
			return;
		le->hist_pos--;
	} else if (le->hist_pos + 1 < (int)le->hist_n) {
		le->hist_pos++;
	} else {
		le->hist_pos = -1;
		set_line(le, le->saved);
		redraw(le);
		return;
	}
	set_line(le, le_history_at(le, (u32)le->hist_pos));
	redraw(le);
}

static void insert(struct lineedit *le, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (le->len + 1 >= LE_LINE_MAX) {
			if (!le->overflow)
				out(le, "\a");
			le->overflow = true;
			return;
		}
		memmove(le->line + le->cur + 1, le->line + le->cur, le->len - le->cur + 1);
		le->line[le->cur++] = s[i];
		le->len++;
	}
}

static void delete_range(struct lineedit *le, size_t from, size_t to)
{
	if (from >= to)
		return;
	memmove(le->line + from, le->line + to, le->len - to + 1);
	le->len -= to - from;
	if (le->cur > to)
		le->cur -= to - from;
	else if (le->cur > from)
		le->cur = from;
}

static void complete(struct lineedit *le)
{
	if (!le->complete)
		return;
	/* only the command name (the first word) is completed */
	size_t start = 0;
	while (start < le->cur && le->line[start] == ' ')
		start++;
	for (size_t i = start; i < le->cur; i++)
		if (le->line[i] == ' ') {
			out(le, "\a");
			return;
		}
	const char *prefix = le->line + start;
	size_t plen = le->cur - start;
	char word[LE_LINE_MAX];
	memcpy(word, prefix, plen);
	word[plen] = 0;

	const char *first = le->complete(word, plen, 0);
	if (!first) {
		out(le, "\a");
		return;
	}
	size_t common = strlen(first), count = 1;
	for (const char *c; (c = le->complete(word, plen, count)); count++) {
		size_t k = 0;
		while (k < common && c[k] == first[k])
			k++;
		common = k;
	}
	if (common > plen) {
		insert(le, first + plen, common - plen);
		if (count == 1 && le->cur == le->len)
			insert(le, " ", 1);
		redraw(le);
		return;
	}
	if (count == 1) {
		if (le->cur == le->len)
			insert(le, " ", 1);
		redraw(le);
		return;
	}
	/* ambiguous: list the candidates, then redraw the line */
	out(le, "\r\n");
	for (size_t i = 0; i < count; i++) {
		out(le, le->complete(word, plen, i));
		out(le, i + 1 < count ? "  " : "\r\n");
	}
	redraw(le);
}

static enum le_status finish(struct lineedit *le)
{
	out(le, "\r\n");
	if (le->overflow) {
		le->len = le->cur = 0;
		le->line[0] = 0;
		return LE_TOO_LONG;
	}
	history_add(le, le->line);
	le->hist_pos = -1;
	return LE_DONE;
}

static void word_back(struct lineedit *le)
{
	size_t p = le->cur;
	while (p > 0 && le->line[p - 1] == ' ')
		p--;
	while (p > 0 && le->line[p - 1] != ' ')
		p--;
	delete_range(le, p, le->cur);
}

/* Handle a complete CSI or SS3 sequence. */
static void escape_done(struct lineedit *le, char final)
{
	const char *param = le->csi;
	bool ss3 = le->esc == 3;
	le->esc = 0;
	if (!ss3 && le->csi_len && final == '~') {
		if (!strcmp(param, "1") || !strcmp(param, "7"))
			final = 'H';
		else if (!strcmp(param, "4") || !strcmp(param, "8"))
			final = 'F';
		else if (!strcmp(param, "3")) {
			if (le->cur < le->len)
				delete_range(le, le->cur, le->cur + 1);
			redraw(le);
			return;
		} else
			return;
	} else if (le->csi_len && !ss3) {
		return; /* modifiers (ESC[1;5C ...): ignore */
	}
	switch (final) {
	case 'A': history_move(le, -1); return;
	case 'B': history_move(le, +1); return;
	case 'C': if (le->cur < le->len) le->cur++; break;
	case 'D': if (le->cur > 0) le->cur--; break;
	case 'H': le->cur = 0; break;
	case 'F': le->cur = le->len; break;
	default: return;
	}
	redraw(le);
}

enum le_status le_feed(struct lineedit *le, u8 c)
{
	bool was_cr = le->last_cr;
	le->last_cr = false;

	if (le->esc == 1) {
		if (c == '[') {
			le->esc = 2;
			le->csi_len = 0;
			le->csi[0] = 0;
		} else if (c == 'O') {
			le->esc = 3;
			le->csi_len = 0;
			le->csi[0] = 0;
		} else {
			le->esc = 0; /* ESC + key: drop both */
		}
		return LE_PENDING;
	}
	if (le->esc == 2 || le->esc == 3) {
		if (c >= 0x40 && c <= 0x7e) {
			escape_done(le, (char)c);
		} else if (c >= 0x20 && c <= 0x3f) {
			if (le->csi_len + 1 < sizeof(le->csi)) {
				le->csi[le->csi_len++] = (char)c;
				le->csi[le->csi_len] = 0;
			}
		} else {
			le->esc = 0; /* malformed: abandon the sequence */
		}
		return LE_PENDING;
	}

	switch (c) {
	case '\r':
		le->last_cr = true;
		return finish(le);
	case '\n':
		if (was_cr)
			return LE_PENDING;
		return finish(le);
	case 0x1b:
		le->esc = 1;
		return LE_PENDING;
	case 0x7f:
	case 0x08:
		if (le->cur > 0)
			delete_range(le, le->cur - 1, le->cur);
		break;
	case 0x04: /* Ctrl-D */
		if (le->cur < le->len)
			delete_range(le, le->cur, le->cur + 1);
		break;
	case 0x01: le->cur = 0; break;                 /* Ctrl-A */
	case 0x05: le->cur = le->len; break;           /* Ctrl-E */
	case 0x02: if (le->cur) le->cur--; break;      /* Ctrl-B */
	case 0x06: if (le->cur < le->len) le->cur++; break; /* Ctrl-F */
	case 0x0b: delete_range(le, le->cur, le->len); break; /* Ctrl-K */
	case 0x15: delete_range(le, 0, le->cur); break; /* Ctrl-U */
	case 0x17: word_back(le); break;               /* Ctrl-W */
	case 0x10: history_move(le, -1); return LE_PENDING; /* Ctrl-P */
	case 0x0e: history_move(le, +1); return LE_PENDING; /* Ctrl-N */
	case 0x0c: out(le, "\x1b[2J\x1b[H"); break;   /* Ctrl-L */
	case '\t':
		complete(le);
		return LE_PENDING;
	case 0x03: /* Ctrl-C */
		out(le, "^C\r\n");
		le->len = le->cur = 0;
		le->line[0] = 0;
		le->overflow = false;
		le->hist_pos = -1;
		return LE_CANCELLED;
	default:
		if (c >= 0x20 && c < 0x7f) {
			char ch = (char)c;
			bool at_end = le->cur == le->len;
			size_t before = le->len;
			insert(le, &ch, 1);
			if (at_end) { /* common case: plain echo, no redraw */
				if (le->len != before)
					le->out(le->out_ctx, &ch, 1);
				return LE_PENDING;
			}
		} else {
			out(le, "\a");
			return LE_PENDING;
		}
	}
	redraw(le);
	return LE_PENDING;
}
