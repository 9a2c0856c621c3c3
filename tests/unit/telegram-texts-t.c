/* Unit tests for the texts sent to Telegram (telegram/texts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "tap.h"
#include "telegram/api.h"
#include "telegram/texts.h"

/* Is s valid UTF-8 all through? */
static int
utf8_ok(const char *s)
{
	unsigned long cp;
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		if ((k = text_utf8_dec(s + i, n - i, &cp)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Do the <b> and </b> of s balance? */
static int
tags_ok(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++) {
		if (strncmp(s, "<b>", 3) == 0)
			depth++;
		else if (strncmp(s, "</b>", 4) == 0)
			depth--;
		else if (*s == '<')
			return 0; /* an unescaped value */
		if (depth < 0)
			return 0;
	}
	return depth == 0;
}

/* Counts the lines of s that start with the emoji of a sale. */
static int
sale_lines(const char *s)
{
	const char *p;
	int n = 0;

	for (p = strchr(s, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		if (strncmp(p + 1, "🦁 <b>", strlen("🦁 <b>")) == 0)
			n++;
	return n;
}

struct amount_case {
	const char *in;
	const char *want;
};

static const struct amount_case amounts[] = {
	{ "5000", "5,000 ₸" },
	{ "490000", "490,000 ₸" },
	{ "490000.00", "490,000 ₸" },
	{ "4952.5", "4,953 ₸" }, /* rounded half up, not to even */
	{ "4952.50", "4,953 ₸" },
	{ "4952.49", "4,952 ₸" },
	{ "4953.6", "4,954 ₸" },
	{ "4954.5", "4,955 ₸" },
	{ "0.5", "1 ₸" },
	{ "9999999999999.99", "10,000,000,000,000 ₸" },
	{ "0", "0 ₸" },
	{ "999", "999 ₸" },
	{ "1000", "1,000 ₸" },
	{ "1234567", "1,234,567 ₸" },
	{ NULL, "0 ₸" },
	{ "abc", "0 ₸" },
	{ "-5", "0 ₸" },
};

/* The ops chat's texts, plain (escaped when sent), word for word. */
static void
run_ops(void)
{
	struct buf b = { 0 };

	texts_alert_failing(&b, "База данных traffic недоступна");
	is_str(buf_str(&b), "🔴 amosync: База данных traffic недоступна",
	    "alert: failing");
	buf_reset(&b);
	texts_alert_reminder(&b, "2026-01-02 03:04:05 UTC", "a <b> & c");
	is_str(buf_str(&b),
	    "🟠 amosync, всё ещё "
	    "не в порядке "
	    "(с 2026-01-02 03:04:05 UTC): a <b> & c",
	    "alert: reminder");
	buf_reset(&b);
	texts_alert_recovered(&b, "125", "spool");
	is_str(buf_str(&b),
	    "✅ amosync, восстановлено через 125 с / recovered: spool",
	    "alert: recovered");
	buf_reset(&b);
	texts_sweep(&b, 2, "9400001, 9400002");
	is_str(buf_str(&b),
	    "🧹 Сверка с amoCRM "
	    "нашла 2 продаж "
	    "без вебхука и "
	    "сохранила их "
	    "(сделки 9400001, 9400002) / the sweep recovered 2 sales whose "
	    "webhook never came: check the webhooks",
	    "sweep: recovered sales");
	buf_reset(&b);
	texts_alert_unattributed(&b, "source", "zhuldyz_<ads>", "2",
	    "110000.00", "https://a.example/traffic/admin#teams?unattributed");
	is_str(buf_str(&b),
	    "⚠️ Продажи без команды: utm_source «zhuldyz_<ads>» — "
	    "сегодня "
	    "продаж: 2, 110,000 ₸. Ни одно правило не подошло. Разобрать: "
	    "https://a.example/traffic/admin#teams?unattributed",
	    "unattributed: a value, plain text (escaped when sent)");
	buf_reset(&b);
	texts_alert_unattributed(&b, "none", "", "1", "5000", "/x");
	is_str(buf_str(&b),
	    "⚠️ Продажи без команды и без UTM-меток — сегодня продаж: "
	    "1, "
	    "5,000 ₸. Ни одно правило не подошло. Разобрать: /x",
	    "unattributed: sales without any UTM tag");
	buf_reset(&b);
	{
		char v[300];

		memset(v, 'x', sizeof(v) - 1);
		v[sizeof(v) - 1] = '\0';
		texts_alert_unattributed(&b, "campaign", v, "1", "1", "/x");
		ok(strstr(buf_str(&b), "«xxxx") != NULL &&
		        strstr(buf_str(&b), "x…»") != NULL && b.len < 300,
		    "unattributed: a long value is cut to %d characters",
		    TEXTS_ALERT_VALUE);
	}
	buf_reset(&b);
	texts_alert_unattributed_more(&b, 12, "/x");
	is_str(buf_str(&b),
	    "⚠️ И ещё 12 новых значений UTM без команды "
	    "сегодня. "
	    "Разобрать: /x",
	    "unattributed: the rest in one message");
	buf_free(&b);
}

/* The test sale's defaults give the test announcement. */
static void
run_test_sale(void)
{
	struct buf b = { 0 };

	ok(texts_sale(&texts_test_sale, &b) == ERR_OK, "test sale builds");
	is_str(buf_str(&b),
	    "🎉 <b>НОВАЯ ПРОДАЖА!</b> (ТЕСТ)\n\n"
	    "🎯 <b>Таргетолог:</b> Kenesary\n"
	    "👤 <b>Клиент:</b> Иван Тестовый\n"
	    "💰 <b>Сумма:</b> 5,000 ₸\n"
	    "📦 <b>Продукт:</b> Tripwire\n\n"
	    "<b>Kenesary, ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ ПРОДАЖУ!</b> 🔥\n\n"
	    "<i>Это тестовое уведомление</i>",
	    "test sale text");
	buf_free(&b);
}

/* The sales of the digest cases. */
static const struct texts_sale digest_sales[3] = {
	{ "Kenesary", "👑", "Иван", "5000", "Express Course", NULL, 0 },
	{ "Arystan", "🦁", "Tom & <Jerry>", "490000", "Flagship", NULL, 0 },
	{ NULL, NULL, NULL, "1000", NULL, NULL, 0 },
};

/* The header of a 3-sale digest's messages is 60 UTF-16 units at most. */
#define D_HEAD(part)                                                           \
	"🎉 <b>НОВЫЕ ПРОДАЖИ: 3</b>" part "\n"                                  \
	"💰 <b>Итого:</b> 496,000 ₸\n"
#define D_LINE1 "\n👑 <b>Kenesary</b>: Иван — 5,000 ₸ — Express Course"
#define D_LINE2                                                                \
	"\n🦁 <b>Arystan</b>: Tom &amp; &lt;Jerry&gt; — 490,000 ₸ — "  \
	"Flagship"
#define D_LINE3 "\n🎯 <b>Unknown</b>: Без имени — 1,000 ₸ — —"

struct digest_case {
	const char *name;
	size_t max; /* UTF-16 units a message may have */
	enum err rc;
	size_t nparts;
	const char *want[3];
};

/*
 * The lines are 52, 66 and 43 units; a header 60: whole lines packed in
 * order, every sale in exactly one message, numbered when more than one.
 */
static const struct digest_case digest_cases[] = {
	{ "one message", TG_TEXT_MAX, ERR_OK, 1,
	    { D_HEAD("") D_LINE1 D_LINE2 D_LINE3 } },
	{ "two messages", 60 + 118, ERR_OK, 2,
	    { D_HEAD(" (1/2)") D_LINE1 D_LINE2, D_HEAD(" (2/2)") D_LINE3 } },
	{ "a unit short of the first two", 60 + 117, ERR_OK, 2,
	    { D_HEAD(" (1/2)") D_LINE1, D_HEAD(" (2/2)") D_LINE2 D_LINE3 } },
	{ "three messages", 60 + 108, ERR_OK, 3,
	    { D_HEAD(" (1/3)") D_LINE1, D_HEAD(" (2/3)") D_LINE2,
	        D_HEAD(" (3/3)") D_LINE3 } },
	{ "the longest line fits exactly", 60 + 66, ERR_OK, 3,
	    { D_HEAD(" (1/3)") D_LINE1, D_HEAD(" (2/3)") D_LINE2,
	        D_HEAD(" (3/3)") D_LINE3 } },
	{ "a line that fits no message", 60 + 65, ERR_INPUT, 0, { NULL } },
	{ "not even a header", 40, ERR_INPUT, 0, { NULL } },
};

/* The digest cases: exact texts, exact codes, each within its limit. */
static void
run_digests(void)
{
	const struct digest_case *c;
	struct texts_part *parts;
	size_t i, k, nparts;
	char name[160];
	enum err rc;

	for (i = 0; i < sizeof(digest_cases) / sizeof(digest_cases[0]); i++) {
		c = &digest_cases[i];
		rc = texts_digest(digest_sales, 3, c->max, &parts, &nparts);
		ok(rc == c->rc, "digest, %s: %s", c->name, err_name(rc));
		ok(nparts == c->nparts, "digest, %s: %zu messages (want %zu)",
		    c->name, nparts, c->nparts);
		for (k = 0; k < nparts && k < c->nparts; k++) {
			snprintf(name, sizeof(name), "digest, %s: message %zu",
			    c->name, k + 1);
			is_str(buf_str(&parts[k].text), c->want[k], name);
			ok(tg_text_units(buf_str(&parts[k].text)) <= c->max,
			    "digest, %s: message %zu within %zu units", c->name,
			    k + 1, c->max);
		}
		ok(rc == ERR_OK || parts == NULL,
		    "digest, %s: no messages on failure", c->name);
		texts_parts_free(parts, nparts);
	}
}

/*
 * 500 sales with long multi-byte names, each client named apart: the
 * digest is split into messages of at most 4096 UTF-16 units, whole
 * lines, valid UTF-8, balanced tags, numbered 1/m .. m/m, the header of
 * each counting all 500 and their total, and every sale named in exactly
 * one of them, in order, its amount whole.
 */
static void
run_long_digest(void)
{
	struct texts_sale *d = calloc(500, sizeof(*d));
	struct texts_part *parts;
	char name[600], (*client)[700] = calloc(500, sizeof(*client));
	char head[128], want[800];
	size_t i, k, nparts, named = 0, next = 0, bad = 0;
	const char *t;

	for (k = 0; k + 4 < 400; k += 4)
		memcpy(name + k, "😀", 4); /* 4 bytes, 2 UTF-16 units */
	name[k] = '\0';
	for (i = 0; i < 500; i++) {
		/* A short client every other sale, a cut one else. */
		snprintf(client[i], sizeof(client[i]), "%s%zu",
		    i % 2 ? name : "Жанна & <Co> ", i);
		d[i].team = "Arystan";
		d[i].emoji = "🦁";
		d[i].client = client[i];
		d[i].amount = i == 251 ? "490000" : "5000";
		d[i].product = name;
	}
	ok(texts_digest(d, 500, TG_TEXT_MAX, &parts, &nparts) == ERR_OK,
	    "long digest builds");
	ok(nparts > 5 && nparts < 100, "long digest: %zu messages", nparts);
	for (k = 0; k < nparts; k++) {
		t = buf_str(&parts[k].text);
		snprintf(head, sizeof(head),
		    "🎉 <b>НОВЫЕ ПРОДАЖИ: 500</b> (%zu/%zu)\n"
		    "💰 <b>Итого:</b> 2,985,000 ₸\n",
		    k + 1, nparts);
		if (tg_text_units(t) > TG_TEXT_MAX || !utf8_ok(t) ||
		    !tags_ok(t) || strncmp(t, head, strlen(head)) != 0 ||
		    parts[k].first != next ||
		    (size_t)sale_lines(t) != parts[k].n)
			bad++;
		next = parts[k].first + parts[k].n;
		named += (size_t)sale_lines(t);
	}
	ok(bad == 0,
	    "long digest: every message within 4096 units, valid, numbered, "
	    "its lines whole (%zu not)",
	    bad);
	ok(named == 500, "long digest: %zu of 500 sales named", named);
	ok(next == 500, "long digest: in order, none twice");
	/* The short clients are named in full, the big sale's amount whole. */
	for (i = 0, bad = 0; i < 500; i += 2) {
		snprintf(want, sizeof(want), "Жанна &amp; &lt;Co&gt; %zu — ",
		    i);
		for (k = 0; k < nparts; k++)
			if (strstr(buf_str(&parts[k].text), want) != NULL)
				break;
		if (k == nparts || i < parts[k].first ||
		    i >= parts[k].first + parts[k].n)
			bad++;
	}
	ok(bad == 0, "long digest: each sale in its message (%zu not)", bad);
	for (k = 0; k < nparts; k++)
		if (251 >= parts[k].first && 251 < parts[k].first + parts[k].n)
			break;
	ok(k < nparts &&
	        strstr(buf_str(&parts[k].text), "… — 490,000 ₸ — ") != NULL,
	    "long digest: a cut client, the amount whole");
	texts_parts_free(parts, nparts);
	free(client);
	free(d);
}

/*
 * A 5,000-character contact name (and every other value as long): each
 * value is cut on its own, the message fits Telegram's limit whole and
 * still shows the amount.
 */
static void
run_long_fields(void)
{
	struct texts_sale a = { 0 };
	struct buf b, name;
	const char *t;
	char *fit;
	size_t i;

	buf_init(&name);
	for (i = 0; i < 5000; i++)
		buf_adds(&name, i % 2 ? "&" : "Я");
	a.team = a.client = a.product = a.campaign = a.emoji = buf_str(&name);
	a.amount = "123456";
	buf_init(&b);
	ok(texts_sale(&a, &b) == ERR_OK, "long values: the message builds");
	t = buf_str(&b);
	ok(tg_text_units(t) <= TG_TEXT_MAX, "long values: %zu units, within %d",
	    tg_text_units(t), TG_TEXT_MAX);
	ok(strstr(t, "<b>Сумма:</b> 123,456 ₸\n") != NULL,
	    "long values: the amount is shown");
	ok(utf8_ok(t), "long values: valid UTF-8");
	ok(strstr(t, "<b>Клиент:</b> Я&amp;Я") != NULL &&
	        strstr(t, "Я&amp;…\n") != NULL,
	    "long values: cut with …, on a character");
	fit = tg_text_fit(t, TG_TEXT_MAX);
	ok(fit != NULL && strstr(fit, "123,456 ₸") != NULL,
	    "long values: the amount survives the send path's fit");
	free(fit);
	buf_free(&b);
	buf_free(&name);
}

int
main(void)
{
	struct texts_sale a = { "Kenesary", "👑", "Иван Иванов", "5000",
		"Express Course", "tripwire_test_1", 0 };
	struct texts_sale evil = { "<b>Team</b>", NULL, "Tom & \"Jerry\" <x>",
		"490000", "<script>&", "<script>&", 0 };
	struct texts_sale t = { NULL, NULL, NULL, "5000", "Tripwire", NULL, 1 };
	struct buf b;
	size_t i;

	plan_lazy();
	run_ops();
	run_test_sale();
	for (i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		buf_init(&b);
		texts_amount(&b, amounts[i].in);
		is_str(buf_str(&b), amounts[i].want, "amount format");
		buf_free(&b);
	}

	buf_init(&b);
	ok(texts_sale(&a, &b) == ERR_OK, "seed message builds");
	is_str(buf_str(&b),
	    "🎉 <b>НОВАЯ ПРОДАЖА!</b>\n\n"
	    "👑 <b>Таргетолог:</b> Kenesary\n"
	    "👤 <b>Клиент:</b> Иван Иванов\n"
	    "💰 <b>Сумма:</b> 5,000 ₸\n"
	    "📦 <b>Продукт:</b> Express Course\n"
	    "🏷️ <b>Кампания:</b> tripwire_test_1\n\n"
	    "<b>Kenesary, ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ ПРОДАЖУ!</b> 🔥",
	    "seed message text");
	buf_free(&b);

	buf_init(&b);
	texts_sale(&evil, &b);
	is_str(buf_str(&b),
	    "🎉 <b>НОВАЯ ПРОДАЖА!</b>\n\n"
	    "🎯 <b>Таргетолог:</b> &lt;b&gt;Team&lt;/b&gt;\n"
	    "👤 <b>Клиент:</b> Tom &amp; &quot;Jerry&quot; &lt;x&gt;\n"
	    "💰 <b>Сумма:</b> 490,000 ₸\n"
	    "📦 <b>Продукт:</b> &lt;script&gt;&amp;\n"
	    "🏷️ <b>Кампания:</b> &lt;script&gt;&amp;\n\n"
	    "<b>&lt;b&gt;Team&lt;/b&gt;, ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ "
	    "ПРОДАЖУ!</b> 🔥",
	    "every value escaped");
	buf_free(&b);

	buf_init(&b);
	texts_sale(&t, &b);
	is_str(buf_str(&b),
	    "🎉 <b>НОВАЯ ПРОДАЖА!</b> (ТЕСТ)\n\n"
	    "🎯 <b>Таргетолог:</b> Unknown\n"
	    "👤 <b>Клиент:</b> Без имени\n"
	    "💰 <b>Сумма:</b> 5,000 ₸\n"
	    "📦 <b>Продукт:</b> Tripwire\n\n"
	    "<b>Unknown, ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ ПРОДАЖУ!</b> 🔥\n\n"
	    "<i>Это тестовое уведомление</i>",
	    "test variant with defaults");
	buf_free(&b);
	run_long_fields();
	run_digests();
	run_long_digest();
	return exit_status();
}
