#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "telegram/api.h"
#include "telegram/texts.h"

/* s, or def when s is NULL or empty. */
static const char *
fallback(const char *s, const char *def)
{
	return s != NULL && *s != '\0' ? s : def;
}

const struct texts_sale texts_test_sale = {
	.team = "Kenesary",
	.client = "Иван Тестовый",
	.amount = "5000",
	.product = "Tripwire",
	.test = 1,
};

void
texts_amount(struct buf *out, const char *amount)
{
	char digits[32];
	double v = amount != NULL ? strtod(amount, NULL) : 0;
	size_t n, i;

	if (!isfinite(v) || v < 0 || v > 1e15)
		v = 0;
	n = (size_t)snprintf(digits, sizeof(digits), "%.0f", v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf_addc(out, ',');
		buf_addc(out, digits[i]);
	}
	buf_adds(out, " \xe2\x82\xb8");
}

enum err
texts_sale(const struct texts_sale *a, struct buf *out)
{
	const char *team = fallback(a->team, "Unknown");

	buf_adds(out, "\xf0\x9f\x8e\x89 <b>НОВАЯ ПРОДАЖА!</b>");
	if (a->test)
		buf_adds(out, " (ТЕСТ)");
	buf_adds(out, "\n\n");
	text_html_escape(out, fallback(a->emoji, "\xf0\x9f\x8e\xaf"));
	buf_adds(out, " <b>Таргетолог:</b> ");
	text_html_escape(out, team);
	buf_adds(out, "\n\xf0\x9f\x91\xa4 <b>Клиент:</b> ");
	text_html_escape(out, fallback(a->client, "Без имени"));
	buf_adds(out, "\n\xf0\x9f\x92\xb0 <b>Сумма:</b> ");
	texts_amount(out, a->amount);
	buf_adds(out, "\n\xf0\x9f\x93\xa6 <b>Продукт:</b> ");
	text_html_escape(out, fallback(a->product, "—"));
	if (!a->test) {
		buf_adds(out,
		    "\n\xf0\x9f\x8f\xb7\xef\xb8\x8f <b>Кампания:</b> ");
		text_html_escape(out, fallback(a->campaign, "—"));
	}
	buf_adds(out, "\n\n<b>");
	text_html_escape(out, team);
	buf_adds(out,
	    ", ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ ПРОДАЖУ!</b> "
	    "\xf0\x9f\x94\xa5");
	if (a->test)
		buf_adds(out, "\n\n<i>Это тестовое уведомление</i>");
	return buf_err(out);
}

/* Appends s escaped, cut to at most max characters ("…" when cut). */
static void
field(struct buf *out, const char *s, size_t max)
{
	struct buf cut = { 0 };
	unsigned long cp;
	size_t i = 0, k, n = 0, len = strlen(s);

	while (i < len && n < max) {
		if ((k = text_utf8_dec(s + i, len - i, &cp)) == 0)
			break; /* not UTF-8: stop before it */
		i += k;
		n++;
	}
	buf_add(&cut, s, i);
	if (i < len)
		buf_adds(&cut, "\xe2\x80\xa6");
	text_html_escape(out, buf_err(&cut) == ERR_OK ? buf_str(&cut) : "");
	buf_free(&cut);
}

/* Appends one digest line for sale a. */
static void
digest_line(struct buf *out, const struct texts_sale *a)
{
	buf_adds(out, "\n");
	field(out, fallback(a->emoji, "\xf0\x9f\x8e\xaf"), 4);
	buf_adds(out, " <b>");
	field(out, fallback(a->team, "Unknown"), TEXTS_DIGEST_FIELD);
	buf_adds(out, "</b>: ");
	field(out, fallback(a->client, "Без имени"), TEXTS_DIGEST_FIELD);
	buf_adds(out, " \xe2\x80\x94 ");
	texts_amount(out, a->amount);
	buf_adds(out, " \xe2\x80\x94 ");
	field(out, fallback(a->product, "\xe2\x80\x94"), TEXTS_DIGEST_FIELD);
}

enum err
texts_digest(const struct texts_sale *a, size_t n, size_t max, struct buf *out)
{
	struct buf line = { 0 }, tail = { 0 };
	char total[64];
	double sum = 0, v;
	size_t i, used, shown;

	for (i = 0; i < n; i++) {
		v = a[i].amount != NULL ? strtod(a[i].amount, NULL) : 0;
		if (isfinite(v) && v > 0 && v <= 1e15)
			sum += v;
	}
	snprintf(total, sizeof(total), "%.0f", sum);
	buf_printf(out,
	    "\xf0\x9f\x8e\x89 <b>НОВЫЕ ПРОДАЖИ: %zu</b>\n"
	    "\xf0\x9f\x92\xb0 <b>Итого:</b> ",
	    n);
	texts_amount(out, total);
	buf_adds(out, "\n");
	if (buf_err(out) != ERR_OK)
		return buf_err(out);
	used = tg_text_units(buf_str(out));
	for (shown = 0; shown < n; shown++) {
		buf_reset(&line);
		digest_line(&line, &a[shown]);
		if (buf_err(&line) != ERR_OK)
			break;
		/* Room for this line and for the "… и ещё K" line after it. */
		buf_reset(&tail);
		buf_printf(&tail, "\n\xe2\x80\xa6 и ещё %zu", n - shown);
		if (used + tg_text_units(buf_str(&line)) +
		        (shown + 1 < n ? tg_text_units(buf_str(&tail)) : 0) >
		    max)
			break;
		buf_add(out, line.data, line.len);
		used += tg_text_units(buf_str(&line));
	}
	if (shown < n)
		buf_printf(out, "\n\xe2\x80\xa6 и ещё %zu", n - shown);
	buf_free(&line);
	buf_free(&tail);
	return buf_err(out);
}

void
texts_alert_failing(struct buf *out, const char *msg)
{
	buf_printf(out, "\xf0\x9f\x94\xb4 amosync: %s", msg);
}

void
texts_alert_reminder(struct buf *out, const char *since, const char *msg)
{
	buf_printf(out,
	    "\xf0\x9f\x9f\xa0 amosync, всё ещё не в порядке (с %s): %s", since,
	    msg);
}

void
texts_alert_recovered(struct buf *out, const char *secs, const char *msg)
{
	buf_printf(out,
	    "\xe2\x9c\x85 amosync, восстановлено через %s с / recovered: %s",
	    secs, msg);
}

void
texts_sweep(struct buf *out, int recovered, const char *ids)
{
	buf_printf(out,
	    "\xf0\x9f\xa7\xb9 Сверка с amoCRM нашла %d продаж без вебхука и "
	    "сохранила их (сделки %s) / the sweep recovered %d sales whose "
	    "webhook never came: check the webhooks",
	    recovered, ids, recovered);
}
