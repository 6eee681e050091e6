/* ktests/log.c — in-kernel tests of the kernel log (suite log): a record
 * written appears in log_for_each with its level, subsystem and text, a
 * sequence number after every earlier record and a timestamp not before
 * the one of the record written just before it; the per-level counters
 * behind rayos_log_messages_total count it. Records are written below the
 * console level so nothing is echoed into the KTAP output. Timestamps are
 * only compared, never checked against wall time (the clock may not be
 * calibrated). */
#include <rayos/ktest.h>
#include <rayos/log.h>
#include <rayos/printf.h>
#include <rayos/string.h>

struct find {
	const char *text;
	bool found;
	u64 seq, time_ns;
	u8 level;
	char subsys[14];
	/* the record written just before it */
	bool have_prev;
	u64 prev_seq, prev_time_ns;
	/* whole-ring checks */
	u64 last_seq;
	bool first;
	bool seq_ordered;
};

static void visit(const struct log_record *r, void *ctx)
{
	struct find *f = ctx;
	if (!f->first && r->seq != f->last_seq + 1)
		f->seq_ordered = false;
	f->first = false;
	f->last_seq = r->seq;
	if (!strcmp(r->text, f->text)) {
		f->found = true;
		f->seq = r->seq;
		f->time_ns = r->time_ns;
		f->level = r->level;
		strlcpy(f->subsys, r->subsys, sizeof(f->subsys));
	} else if (!f->found) {
		f->have_prev = true;
		f->prev_seq = r->seq;
		f->prev_time_ns = r->time_ns;
	}
}

static u32 serial;

/* Writes one uniquely-texted record below the console level and finds it. */
static void write_and_find(struct ktest_ctx *t, struct find *f, char *text, size_t size)
{
	enum log_level saved = log_console_level();
	log_set_console_level(LOG_CRIT);
	snprintf(text, size, "ktest log record %u", ++serial);
	klog(LOG_DEBUG, "ktest", "%s", text);
	log_set_console_level(saved);
	memset(f, 0, sizeof(*f));
	f->text = text;
	f->first = true;
	f->seq_ordered = true;
	log_for_each(visit, f);
	KT_EXPECT(f->seq_ordered);
}

KTEST(log, record_appears_in_order)
{
	char text[48];
	struct find f;
	u64 before = log_count(LOG_DEBUG);
	write_and_find(t, &f, text, sizeof(text));
	KT_ASSERT(f.found);
	KT_EXPECT_EQ(f.level, LOG_DEBUG);
	KT_EXPECT_STR(f.subsys, "ktest");
	KT_EXPECT_EQ(log_count(LOG_DEBUG), before + 1);
	KT_EXPECT(f.last_seq >= f.seq); /* newest, unless an interrupt logged since */
	if (f.have_prev) {
		KT_EXPECT_EQ(f.prev_seq + 1, f.seq);
		KT_EXPECT(f.time_ns >= f.prev_time_ns);
	}
}

KTEST(log, timestamps_never_go_back)
{
	char text[48];
	struct find f;
	u64 last_seq = 0, last_time = 0;
	for (int i = 0; i < 20; i++) {
		write_and_find(t, &f, text, sizeof(text));
		KT_ASSERT(f.found);
		if (i) {
			KT_EXPECT(f.seq > last_seq);
			KT_EXPECT(f.time_ns >= last_time);
		}
		last_seq = f.seq;
		last_time = f.time_ns;
	}
}
