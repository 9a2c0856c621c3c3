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
	{ "4952.5", "4,952 ₸" }, /* %.0f rounds half to even */
	{ "4953.6", "4,954 ₸" },
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
	/* A digest: the count, the total, one line per sale. */
	{
		struct texts_sale d[3] = {
			{ "Kenesary", "👑", "Иван", "5000", "Express Course",
			    NULL, 0 },
			{ "Arystan", "🦁", "Tom & <Jerry>", "490000",
			    "Flagship", NULL, 0 },
			{ NULL, NULL, NULL, "1000", NULL, NULL, 0 },
		};

		buf_init(&b);
		ok(texts_digest(d, 3, TG_TEXT_MAX, &b) == ERR_OK,
		    "digest builds");
		is_str(buf_str(&b),
		    "🎉 <b>НОВЫЕ ПРОДАЖИ: 3</b>\n"
		    "💰 <b>Итого:</b> 496,000 ₸\n"
		    "\n👑 <b>Kenesary</b>: Иван — 5,000 ₸ — Express Course"
		    "\n🦁 <b>Arystan</b>: Tom &amp; &lt;Jerry&gt; — "
		    "490,000 "
		    "₸ "
		    "— Flagship"
		    "\n🎯 <b>Unknown</b>: Без имени — 1,000 ₸ — —",
		    "digest text: count, total, every sale, values escaped");
		buf_free(&b);
	}

	/*
	 * 500 sales with long multi-byte names: the digest stays within
	 * Telegram's 4096 UTF-16 units, whole lines, valid UTF-8, balanced
	 * tags, and says how many it could not list.
	 */
	{
		struct texts_sale *d = calloc(500, sizeof(*d));
		char name[600], tail[64];
		size_t k, shown;

		for (k = 0; k + 4 < sizeof(name) - 1; k += 4)
			memcpy(name + k, "😀", 4); /* 4 bytes, 2 UTF-16 units */
		name[k] = '\0';
		for (i = 0; i < 500; i++) {
			d[i].team = "Arystan";
			d[i].emoji = "🦁";
			d[i].client = i % 2 ? name : "Жанна & <Co>";
			d[i].amount = "5000";
			d[i].product = name;
		}
		buf_init(&b);
		ok(texts_digest(d, 500, TG_TEXT_MAX, &b) == ERR_OK,
		    "long digest builds");
		ok(tg_text_units(buf_str(&b)) <= TG_TEXT_MAX,
		    "long digest within 4096 UTF-16 units");
		ok(tg_text_units(buf_str(&b)) > TG_TEXT_MAX - 200,
		    "long digest uses the room it has");
		ok(utf8_ok(buf_str(&b)), "long digest is valid UTF-8");
		ok(tags_ok(buf_str(&b)), "long digest: tags balanced");
		ok(strncmp(buf_str(&b),
		       "🎉 <b>НОВЫЕ ПРОДАЖИ: 500</b>\n"
		       "💰 <b>Итого:</b> 2,500,000 ₸\n",
		       strlen("🎉 <b>НОВЫЕ ПРОДАЖИ: 500</b>\n"
		              "💰 <b>Итого:</b> 2,500,000 ₸\n")) == 0,
		    "long digest header: all 500 counted, total of all");
		shown = (size_t)sale_lines(buf_str(&b));
		ok(shown > 5 && shown < 500, "long digest lists some sales");
		snprintf(tail, sizeof(tail), "\n… и ещё %zu", 500 - shown);
		ok(b.len > strlen(tail) &&
		        strcmp(buf_str(&b) + b.len - strlen(tail), tail) == 0,
		    "long digest says how many are left: %s", tail + 1);
		buf_free(&b);

		/* A tiny limit still gives a whole, valid message. */
		buf_init(&b);
		texts_digest(d, 500, 200, &b);
		ok(tg_text_units(buf_str(&b)) <= 200 && utf8_ok(buf_str(&b)) &&
		        tags_ok(buf_str(&b)),
		    "digest at a 200-unit limit: within it, valid");
		buf_free(&b);
		free(d);
	}
	return exit_status();
}
