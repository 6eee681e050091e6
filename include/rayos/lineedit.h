/* lineedit.h — the shell's line editor (shell/lineedit.c), a byte-at-a-time
 * state machine with no I/O of its own: it is fed input bytes and writes
 * terminal output through a callback, so hosted tests drive it directly.
 *
 * Keys: printable ASCII inserts; Backspace/DEL, Delete (ESC[3~, Ctrl-D),
 * Left/Right (ESC[D/C, Ctrl-B/F), Home/End (ESC[H/F, ESC[1~/4~/7~/8~,
 * ESC OH/OF, Ctrl-A/E), Ctrl-U (kill to start), Ctrl-K (kill to end),
 * Ctrl-W (kill previous word), Up/Down (ESC[A/B, Ctrl-P/N) for history,
 * Tab completes the command name, Ctrl-C abandons the line, Ctrl-L redraws,
 * Enter (CR, LF or CRLF) ends it. Unknown escape sequences are consumed
 * whole; other control and non-ASCII bytes are ignored with a bell. */
#ifndef RAYOS_LINEEDIT_H
#define RAYOS_LINEEDIT_H
#include <rayos/types.h>

#define LE_LINE_MAX 256   /* includes the terminating NUL */
#define LE_HISTORY 32

typedef void (*le_out_fn)(void *ctx, const char *s, size_t n);
/* Returns the idx-th command name starting with prefix (any order), or NULL
 * past the last. */
typedef const char *(*le_complete_fn)(const char *prefix, size_t len, size_t idx);

enum le_status {
	LE_PENDING = 0,  /* keep feeding */
	LE_DONE,         /* a line is ready in le->line */
	LE_CANCELLED,    /* Ctrl-C: line abandoned */
	LE_TOO_LONG,     /* Enter on a line that overflowed: refused */
};

struct lineedit {
	const char *prompt;
	le_out_fn out;
	void *out_ctx;
	le_complete_fn complete;

	char line[LE_LINE_MAX];
	size_t len, cur;
	bool overflow;

	/* escape-sequence parser */
	int esc;          /* 0 none, 1 after ESC, 2 in CSI, 3 after ESC O */
	char csi[8];
	size_t csi_len;
	bool last_cr;     /* swallow the LF of a CRLF */

	/* history ring: hist[(hist_first + i) % LE_HISTORY], i < hist_n */
	char hist[LE_HISTORY][LE_LINE_MAX];
	u32 hist_first, hist_n;
	int hist_pos;     /* -1 editing a new line; else index into history */
	char saved[LE_LINE_MAX];
};

void le_init(struct lineedit *le, const char *prompt, le_out_fn out, void *ctx,
	     le_complete_fn complete);
/* Prints the prompt and starts a new empty line. */
void le_begin(struct lineedit *le);
enum le_status le_feed(struct lineedit *le, u8 c);
/* Number of history entries and the i-th (0 = oldest). */
u32 le_history_count(const struct lineedit *le);
const char *le_history_at(const struct lineedit *le, u32 i);

#endif
