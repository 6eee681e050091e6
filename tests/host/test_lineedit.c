/* test_lineedit.c — tests shell/lineedit.c by feeding byte sequences:
 * insertion, cursor keys in every encoding lineedit.h lists, deletion and
 * kill keys, history (recall, restoring the edited line, duplicates, the
 * 32-entry ring), Tab completion, Ctrl-C, CR/LF/CRLF, over-long lines,
 * swallowed unknown escapes, the terminal output of a redraw, and a fuzz
 * run (fixed seed) checking the invariants stated at the top of lineedit.c
 * after every byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/lineedit.h>
#include <rayos/string.h>

static struct lineedit le;
static char term[1 << 16]; /* everything the editor wrote */
static size_t term_len;

static void out(void *ctx, const char *s, size_t n)
{
	assert_ptr_equal(ctx, &le);
	if (term_len + n >= sizeof(term))
		term_len = 0; /* the fuzz writes a lot; only recent output matters */
	memcpy(term + term_len, s, n);
	term_len += n;
	term[term_len] = 0;
}

static const char *const commands[] = { "help", "halt", "uptime", "uptime_ns", "dmesg", "metrics", "mem",
					"cpuinfo" };

static const char *complete(const char *prefix, size_t len, size_t idx)
{
	assert_int_equal(strlen(prefix), len);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strncmp(commands[i], prefix, len) && idx-- == 0)
			return commands[i];
	return NULL;
}

static void check_invariants(void)
{
	assert_true(le.len < LE_LINE_MAX);
	assert_true(le.cur <= le.len);
	assert_int_equal(le.line[le.len], 0);
	assert_int_equal(strlen(le.line), le.len); /* no NUL inside the line */
	assert_true(le.hist_n <= LE_HISTORY);
	assert_true(le.hist_first < LE_HISTORY);
	assert_true(le.hist_pos >= -1 && le.hist_pos < (int)le.hist_n);
	assert_true(le.esc >= 0 && le.esc <= 3);
	assert_true(le.csi_len < sizeof(le.csi));
	for (u32 i = 0; i < le.hist_n; i++)
		assert_true(strlen(le_history_at(&le, i)) < LE_LINE_MAX);
	assert_null(le_history_at(&le, le.hist_n));
}

static int setup(void **state)
{
	(void)state;
	le_init(&le, "> ", out, &le, complete);
	le_begin(&le);
	term_len = 0;
	term[0] = 0;
	return 0;
}

/* Feeds bytes; returns the status after the last one. Every byte before the
 * last must leave the editor pending. */
static enum le_status feedn(const char *s, size_t n)
{
	enum le_status st = LE_PENDING;
	for (size_t i = 0; i < n; i++) {
		if (st != LE_PENDING)
			fail_msg("status %d before byte %zu of the input", st, i);
		st = le_feed(&le, (u8)s[i]);
		check_invariants();
	}
	return st;
}

static enum le_status feed(const char *s) { return feedn(s, strlen(s)); }

/* Types a line and Enter; checks it completes as `want`; starts the next. */
static void enter(const char *keys, const char *want)
{
	char buf[LE_LINE_MAX + 8];
	snprintf(buf, sizeof(buf), "%s\r", keys);
	assert_int_equal(feed(buf), LE_DONE);
	assert_string_equal(le.line, want);
	le_begin(&le);
}

#define ASSERT_LINE(s, cursor) do { assert_string_equal(le.line, (s)); \
	assert_int_equal(le.cur, (cursor)); } while (0)

static void test_insert_and_echo(void **state)
{
	(void)state;
	assert_int_equal(feed("echo hi"), LE_PENDING);
	ASSERT_LINE("echo hi", 7);
	assert_string_equal(term, "echo hi"); /* typing at the end just echoes */
	assert_int_equal(feed("\r"), LE_DONE);
	assert_string_equal(le.line, "echo hi");
	assert_string_equal(term, "echo hi\r\n");
}

static void test_cursor_keys_all_encodings(void **state)
{
	(void)state;
	feed("abcd");
	/* Left: ESC[D and Ctrl-B; Right: ESC[C and Ctrl-F */
	feed("\x1b[D");
	ASSERT_LINE("abcd", 3);
	feed("\x02");
	ASSERT_LINE("abcd", 2);
	feed("X");
	ASSERT_LINE("abXcd", 3);
	feed("\x1b[C");
	ASSERT_LINE("abXcd", 4);
	feed("\x06");
	ASSERT_LINE("abXcd", 5);
	feed("\x06\x1b[C"); /* at the end: stays */
	ASSERT_LINE("abXcd", 5);

	/* Home and End in every encoding */
	static const char *const home[] = { "\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01" };
	static const char *const end[] = { "\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05" };
	for (size_t i = 0; i < ARRAY_SIZE(home); i++) {
		feed(home[i]);
		ASSERT_LINE("abXcd", 0);
		feed("\x1b[D\x02"); /* left at the start: stays */
		ASSERT_LINE("abXcd", 0);
		feed(end[i]);
		ASSERT_LINE("abXcd", 5);
	}
	/* inserting at the start, after Home */
	feed("\x01>");
	ASSERT_LINE(">abXcd", 1);
	assert_int_equal(feed("\n"), LE_DONE);
	assert_string_equal(le.line, ">abXcd");
}

static void test_redraw_output(void **state)
{
	(void)state;
	feed("abc\x1b[D\x1b[D");
	term_len = 0;
	feed("Z");
	/* "\r" prompt line ESC[K, then back to the cursor */
	assert_string_equal(term, "\r> aZbc\x1b[K\x1b[2D");
	term_len = 0;
	feed("\x05");
	assert_string_equal(term, "\r> aZbc\x1b[K");
}

static void test_delete_keys(void **state)
{
	(void)state;
	feed("hello");
	feed("\x7f"); /* DEL as Backspace */
	ASSERT_LINE("hell", 4);
	feed("\x08"); /* BS */
	ASSERT_LINE("hel", 3);
	feed("\x01\x7f\x08"); /* Backspace at the start: nothing */
	ASSERT_LINE("hel", 0);
	feed("\x1b[3~"); /* Delete under the cursor */
	ASSERT_LINE("el", 0);
	feed("\x04"); /* Ctrl-D deletes too */
	ASSERT_LINE("l", 0);
	feed("\x05\x1b[3~\x04"); /* at the end: nothing */
	ASSERT_LINE("l", 1);
	feed("\x7f");
	ASSERT_LINE("", 0);
	feed("\x7f\x1b[3~\x04"); /* empty line: nothing, no crash */
	ASSERT_LINE("", 0);
}

static void test_kill_keys(void **state)
{
	(void)state;
	feed("one two three");
	feed("\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D"); /* before "three" */
	ASSERT_LINE("one two three", 8);
	feed("\x0b"); /* Ctrl-K: kill to end */
	ASSERT_LINE("one two ", 8);
	feed("\x17"); /* Ctrl-W: previous word and the blanks after it */
	ASSERT_LINE("one ", 4);
	feed("\x17");
	ASSERT_LINE("", 0);
	feed("\x17"); /* nothing left */
	ASSERT_LINE("", 0);

	feed("alpha  beta gamma");
	feed("\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D"); /* on the blank before gamma */
	feed("\x15"); /* Ctrl-U: kill to start */
	ASSERT_LINE(" gamma", 0);
	feed("\x05\x17");
	ASSERT_LINE(" ", 1);
	feed("\x15");
	ASSERT_LINE("", 0);
	feed("a b  \x17"); /* word before trailing blanks */
	ASSERT_LINE("a ", 2);
}

static void test_history(void **state)
{
	(void)state;
	enter("first", "first");
	enter("second", "second");
	enter("third", "third");
	assert_int_equal(le_history_count(&le), 3);
	assert_string_equal(le_history_at(&le, 0), "first");
	assert_string_equal(le_history_at(&le, 2), "third");

	feed("draft");
	feed("\x1b[A"); /* Up: newest */
	ASSERT_LINE("third", 5);
	feed("\x10"); /* Ctrl-P */
	ASSERT_LINE("second", 6);
	feed("\x1b[A\x1b[A\x1b[A"); /* past the oldest: stays */
	ASSERT_LINE("first", 5);
	feed("\x1b[B"); /* Down */
	ASSERT_LINE("second", 6);
	feed("\x0e\x1b[B"); /* Ctrl-N, then Down past the newest: the draft is back */
	ASSERT_LINE("draft", 5);
	feed("\x1b[B"); /* Down on the edited line: nothing */
	ASSERT_LINE("draft", 5);
	/* the recalled line can be edited and entered */
	feed("\x1b[A\x1b[A");
	assert_int_equal(feed("!\r"), LE_DONE);
	assert_string_equal(le.line, "second!");
	le_begin(&le);
	assert_int_equal(le_history_count(&le), 4);
	assert_string_equal(le_history_at(&le, 3), "second!");
	assert_string_equal(le_history_at(&le, 1), "second"); /* the entry itself is unchanged */

	/* consecutive duplicates and blank lines are not recorded */
	enter("second!", "second!");
	enter("", "");
	enter("   ", "   ");
	assert_int_equal(le_history_count(&le), 4);
	enter("first", "first"); /* not consecutive: recorded again */
	assert_int_equal(le_history_count(&le), 5);
	/* Ctrl-C leaves history browsing */
	feed("\x1b[A");
	assert_int_equal(feed("\x03"), LE_CANCELLED);
	assert_int_equal(le.hist_pos, -1);
}

static void test_history_empty_and_ring(void **state)
{
	(void)state;
	feed("x\x1b[A\x1b[B\x10\x0e"); /* no history: keys do nothing */
	ASSERT_LINE("x", 1);
	feed("\x15");
	char cmd[32];
	for (int i = 0; i < LE_HISTORY + 10; i++) {
		snprintf(cmd, sizeof(cmd), "cmd%d", i);
		enter(cmd, cmd);
	}
	assert_int_equal(le_history_count(&le), LE_HISTORY);
	assert_string_equal(le_history_at(&le, 0), "cmd10"); /* the oldest ten fell out */
	assert_string_equal(le_history_at(&le, LE_HISTORY - 1), "cmd41");
	/* walk the whole ring up and back down */
	for (int i = LE_HISTORY - 1; i >= 0; i--) {
		feed("\x1b[A");
		snprintf(cmd, sizeof(cmd), "cmd%d", i + 10);
		assert_string_equal(le.line, cmd);
	}
	feed("\x1b[A");
	assert_string_equal(le.line, "cmd10");
	for (int i = 1; i < LE_HISTORY; i++) {
		feed("\x1b[B");
		snprintf(cmd, sizeof(cmd), "cmd%d", i + 10);
		assert_string_equal(le.line, cmd);
	}
	feed("\x1b[B");
	ASSERT_LINE("", 0);
}

static void test_tab_completion(void **state)
{
	(void)state;
	/* unique: completed with a blank */
	feed("dm\t");
	ASSERT_LINE("dmesg ", 6);
	feed("\x15");
	/* unique and already complete: a blank */
	feed("dmesg\t");
	ASSERT_LINE("dmesg ", 6);
	feed("\x15");
	/* ambiguous with a longer common prefix: extended, no blank; a second
	 * Tab lists the candidates */
	feed("up\t");
	ASSERT_LINE("uptime", 6);
	term_len = 0;
	feed("\t");
	ASSERT_LINE("uptime", 6);
	assert_non_null(strstr(term, "\r\nuptime  uptime_ns\r\n"));
	feed("\x15");
	/* ambiguous, nothing to add: listed */
	feed("me\t");
	ASSERT_LINE("me", 2);
	assert_non_null(strstr(term, "metrics  mem\r\n"));
	feed("\x15");
	term_len = 0;
	feed("h\t");
	ASSERT_LINE("h", 1);
	assert_non_null(strstr(term, "\r\nhelp  halt\r\n")); /* the candidates are listed */
	assert_non_null(strstr(term, "\r> h\x1b[K"));           /* then the line is redrawn */
	feed("e\t");
	ASSERT_LINE("help ", 5);
	feed("\x15");
	/* none: a bell, nothing changes */
	term_len = 0;
	feed("zz\t");
	ASSERT_LINE("zz", 2);
	assert_string_equal(term, "zz\a");
	feed("\x15");
	/* only the first word completes */
	term_len = 0;
	feed("help up\t");
	ASSERT_LINE("help up", 7);
	assert_string_equal(term, "help up\a");
	feed("\x15");
	/* leading blanks are skipped; the cursor's position is the prefix end */
	feed("  cpu\t");
	ASSERT_LINE("  cpuinfo ", 10);
	feed("\x15");
	feed("dmXYZ\x1b[D\x1b[D\x1b[D\t");
	ASSERT_LINE("dmesgXYZ", 5); /* completed in the middle: no blank */
	feed("\x15\x0b");
	/* empty prefix: every command is a candidate */
	term_len = 0;
	feed("\t");
	ASSERT_LINE("", 0);
	assert_non_null(strstr(term, "help  halt  uptime  uptime_ns  dmesg  metrics  mem  cpuinfo\r\n"));
	/* no completion function: Tab does nothing */
	le.complete = NULL;
	feed("up\t");
	ASSERT_LINE("up", 2);
}

static void test_ctrl_c(void **state)
{
	(void)state;
	feed("some text\x1b[D");
	term_len = 0;
	assert_int_equal(feed("\x03"), LE_CANCELLED);
	ASSERT_LINE("", 0);
	assert_string_equal(term, "^C\r\n");
	assert_int_equal(le_history_count(&le), 0);
	le_begin(&le);
	enter("next", "next");
}

static void test_cr_lf_crlf(void **state)
{
	(void)state;
	assert_int_equal(feed("a\r"), LE_DONE);
	assert_string_equal(le.line, "a");
	le_begin(&le);
	/* the LF of a CRLF is swallowed, not an empty second line */
	assert_int_equal(feed("\n"), LE_PENDING);
	assert_int_equal(feed("b\n"), LE_DONE);
	assert_string_equal(le.line, "b");
	le_begin(&le);
	assert_int_equal(feed("c\r"), LE_DONE);
	le_begin(&le);
	assert_int_equal(feed("\n"), LE_PENDING);
	assert_int_equal(feed("\r"), LE_DONE); /* CR CR: two lines */
	assert_string_equal(le.line, "");
	le_begin(&le);
	assert_int_equal(feed("\r"), LE_DONE);
	le_begin(&le);
	assert_int_equal(feed("x"), LE_PENDING); /* only the byte right after CR */
	assert_int_equal(feed("\n"), LE_DONE);
	assert_string_equal(le.line, "x");
	le_begin(&le);
	assert_int_equal(feed("\n"), LE_DONE); /* LF LF: two lines */
	le_begin(&le);
	assert_int_equal(feed("\n"), LE_DONE);
}

static void test_too_long(void **state)
{
	(void)state;
	char big[LE_LINE_MAX + 50];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	term_len = 0;
	assert_int_equal(feed(big), LE_PENDING);
	assert_int_equal(le.len, LE_LINE_MAX - 1); /* kept what fits */
	assert_true(le.overflow);
	assert_int_equal(memchr(term, '\a', term_len) != NULL, 1);
	assert_int_equal(feed("\r"), LE_TOO_LONG);
	ASSERT_LINE("", 0); /* nothing to execute */
	assert_int_equal(le_history_count(&le), 0);
	le_begin(&le);
	assert_false(le.overflow);
	enter("ok", "ok");

	/* the longest line that fits is accepted */
	big[LE_LINE_MAX - 1] = 0;
	enter(big, big);
	assert_string_equal(le_history_at(&le, 1), big);

	/* a completion that does not fit overflows too */
	memset(big, 'a', LE_LINE_MAX - 3);
	big[LE_LINE_MAX - 3] = 0;
	feed(big);
	feed("\x01" "dm\t"); /* "dmesg " would need 4 more bytes */
	assert_true(le.overflow);
	assert_int_equal(feed("\r"), LE_TOO_LONG);
	le_begin(&le);
	/* history recall of a full line, then typing: overflow, refused */
	feed("\x1b[A");
	assert_int_equal(le.len, LE_LINE_MAX - 1);
	assert_false(le.overflow);
	feed("z");
	assert_true(le.overflow);
	assert_int_equal(feed("\n"), LE_TOO_LONG);
}

static void test_unknown_escapes_swallowed(void **state)
{
	(void)state;
	static const char *const seqs[] = {
		"\x1b[Z",        /* Shift-Tab */
		"\x1b[1;5C",     /* Ctrl-Right: modifiers are ignored */
		"\x1b[5~",       /* Page Up */
		"\x1b[200~",     /* bracketed paste start */
		"\x1b[15;2~",    /* F5 with Shift */
		"\x1bOP",        /* F1 */
		"\x1bOA",        /* SS3 Up is history: no history here */
		"\x1b[12345678901234567890m", /* parameters longer than the buffer */
		"\x1bx",         /* ESC + key: both dropped */
		"\x1b[?25h",
		"\x1b[\x01",     /* malformed: abandoned with its byte */
	};
	for (size_t i = 0; i < ARRAY_SIZE(seqs); i++) {
		feed("ab\x1b[D");
		term_len = 0;
		feed(seqs[i]);
		if (strcmp(le.line, "ab") || le.cur != 1 || le.esc != 0)
			fail_msg("sequence #%zu changed the line: \"%s\" cur %zu esc %d", i, le.line, le.cur, le.esc);
		for (size_t k = 0; k < term_len; k++)
			assert_true(term[k] != 'Z' && term[k] != '~' && term[k] != 'm' && term[k] != 'x');
		feed("\x15\x0b");
	}
	/* control and non-ASCII bytes: a bell, nothing inserted */
	term_len = 0;
	feed("\x07\x11\x80\xff\xc3\xa9");
	ASSERT_LINE("", 0);
	assert_string_equal(term, "\a\a\a\a\a\a");
	/* Ctrl-L clears the screen and redraws */
	feed("k");
	term_len = 0;
	feed("\x0c");
	assert_string_equal(term, "\x1b[2J\x1b[H\r> k\x1b[K");
	ASSERT_LINE("k", 1);
}

/* ---- fuzz ---- */

static u64 rng = 0xf00dfacecafebeefULL;
static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void test_fuzz_invariants(void **state)
{
	(void)state;
	static const char *const pieces[] = {
		"\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D", "\x1b[H", "\x1b[F", "\x1b[3~", "\x1b[1~", "\x1b[4~",
		"\x1bOH", "\x1bOF", "\x1b[", "\x1bO", "\x1b", "\t", "\r", "\n", "\r\n", "\x7f", "\x03",
		"\x15", "\x0b", "\x17", "\x01", "\x05", "\x10", "\x0e", "he", "met", "  ", "\x1b[1;5D",
	};
	int done = 0, too_long = 0, cancelled = 0;
	for (int iter = 0; iter < 120000; iter++) {
		enum le_status st;
		u64 r = rnd();
		if (r % 4 == 0) {
			st = le_feed(&le, (u8)(r >> 8)); /* any byte */
		} else if (r % 4 == 1) {
			const char *p = pieces[(r >> 8) % ARRAY_SIZE(pieces)];
			st = LE_PENDING;
			for (; *p && st == LE_PENDING; p++) {
				st = le_feed(&le, (u8)*p);
				if (p[1] && st == LE_PENDING)
					check_invariants();
			}
		} else {
			/* printable runs, sometimes long enough to overflow */
			int n = (r >> 8) % 8 == 0 ? 120 : 1;
			st = LE_PENDING;
			for (int k = 0; k < n && st == LE_PENDING; k++) {
				st = le_feed(&le, (u8)(' ' + (rnd() % 95)));
				check_invariants();
			}
		}
		check_invariants();
		if (st != LE_PENDING) {
			if (st == LE_DONE) {
				done++;
				assert_false(le.overflow);
			}
			too_long += st == LE_TOO_LONG;
			cancelled += st == LE_CANCELLED;
			assert_true(st == LE_DONE || st == LE_TOO_LONG || st == LE_CANCELLED);
			le_begin(&le);
			check_invariants();
		}
	}
	/* the run reached every outcome and filled the history ring */
	assert_true(done > 100);
	assert_true(too_long > 0);
	assert_true(cancelled > 100);
	assert_int_equal(le_history_count(&le), LE_HISTORY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_insert_and_echo, setup),
		cmocka_unit_test_setup(test_cursor_keys_all_encodings, setup),
		cmocka_unit_test_setup(test_redraw_output, setup),
		cmocka_unit_test_setup(test_delete_keys, setup),
		cmocka_unit_test_setup(test_kill_keys, setup),
		cmocka_unit_test_setup(test_history, setup),
		cmocka_unit_test_setup(test_history_empty_and_ring, setup),
		cmocka_unit_test_setup(test_tab_completion, setup),
		cmocka_unit_test_setup(test_ctrl_c, setup),
		cmocka_unit_test_setup(test_cr_lf_crlf, setup),
		cmocka_unit_test_setup(test_too_long, setup),
		cmocka_unit_test_setup(test_unknown_escapes_swallowed, setup),
		cmocka_unit_test_setup(test_fuzz_invariants, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
