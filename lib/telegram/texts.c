#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/money.h"
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
	long long c;
	size_t n, i;

	/* Whole tenge, rounded half up: 4952.5 is 4,953 (base/money). */
	money_cents(amount, &c);
	n = (size_t)snprintf(digits, sizeof(digits), "%lld", money_whole(c));
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf_addc(out, ',');
		buf_addc(out, digits[i]);
	}
	buf_adds(out, " \xe2\x82\xb8");
}

/* Appends s cut to at most max characters ("…" when cut), as it is. */
static void
cut(struct buf *out, const char *s, size_t max)
{
	unsigned long cp;
	size_t i = 0, k, n = 0, len = strlen(s);

	while (i < len && n < max) {
		if ((k = text_utf8_dec(s + i, len - i, &cp)) == 0)
			break; /* not UTF-8: stop before it */
		i += k;
		n++;
	}
	buf_add(out, s, i);
	if (i < len)
		buf_adds(out, "\xe2\x80\xa6");
}

/* Appends s escaped, cut to at most max characters ("…" when cut). */
static void
field(struct buf *out, const char *s, size_t max)
{
	struct buf c = { 0 };

	cut(&c, s, max);
	text_html_escape(out, buf_err(&c) == ERR_OK ? buf_str(&c) : "");
	buf_free(&c);
}

enum err
texts_sale(const struct texts_sale *a, struct buf *out)
{
	const char *team = fallback(a->team, "Unknown");

	buf_adds(out, "\xf0\x9f\x8e\x89 <b>НОВАЯ ПРОДАЖА!</b>");
	if (a->test)
		buf_adds(out, " (ТЕСТ)");
	buf_adds(out, "\n\n");
	field(out, fallback(a->emoji, "\xf0\x9f\x8e\xaf"), 4);
	buf_adds(out, " <b>Таргетолог:</b> ");
	field(out, team, TEXTS_SALE_FIELD);
	buf_adds(out, "\n\xf0\x9f\x91\xa4 <b>Клиент:</b> ");
	field(out, fallback(a->client, "Без имени"), TEXTS_SALE_FIELD);
	buf_adds(out, "\n\xf0\x9f\x92\xb0 <b>Сумма:</b> ");
	texts_amount(out, a->amount);
	buf_adds(out, "\n\xf0\x9f\x93\xa6 <b>Продукт:</b> ");
	field(out, fallback(a->product, "—"), TEXTS_SALE_FIELD);
	if (!a->test) {
		buf_adds(out,
		    "\n\xf0\x9f\x8f\xb7\xef\xb8\x8f <b>Кампания:</b> ");
		field(out, fallback(a->campaign, "—"), TEXTS_SALE_FIELD);
	}
	buf_adds(out, "\n\n<b>");
	field(out, team, TEXTS_SALE_FIELD);
	buf_adds(out,
	    ", ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ ПРОДАЖУ!</b> "
	    "\xf0\x9f\x94\xa5");
	if (a->test)
		buf_adds(out, "\n\n<i>Это тестовое уведомление</i>");
	return buf_err(out);
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

/* Appends the header of part k (from 1) of m of a digest to out. */
static void
digest_header(struct buf *out, size_t n, const char *total, size_t k, size_t m)
{
	buf_printf(out, "\xf0\x9f\x8e\x89 <b>НОВЫЕ ПРОДАЖИ: %zu</b>", n);
	if (m > 1)
		buf_printf(out, " (%zu/%zu)", k, m);
	buf_adds(out, "\n\xf0\x9f\x92\xb0 <b>Итого:</b> ");
	texts_amount(out, total);
	buf_adds(out, "\n");
}

void
texts_parts_free(struct texts_part *parts, size_t nparts)
{
	size_t i;

	for (i = 0; parts != NULL && i < nparts; i++)
		buf_free(&parts[i].text);
	free(parts);
}

enum err
texts_digest(const struct texts_sale *a, size_t n, size_t max,
    struct texts_part **parts, size_t *nparts)
{
	struct texts_part *p = NULL;
	struct buf line = { 0 }, head = { 0 };
	size_t *units = NULL, room, used, i, m = 0, k;
	char total[64];
	long long sum = 0, c;
	enum err rc = ERR_NOMEM;

	*parts = NULL;
	*nparts = 0;
	/* The sum in tiyn, exactly; rounded once, half up. */
	for (i = 0; i < n; i++)
		if (money_cents(a[i].amount, &c))
			sum += c;
	snprintf(total, sizeof(total), "%lld", money_whole(sum));
	/* Room for the lines under the widest header: "(n/n)". */
	digest_header(&head, n, total, n, n > 1 ? n : 2);
	if ((units = calloc(n + 1, sizeof(*units))) == NULL ||
	    (p = calloc(n + 1, sizeof(*p))) == NULL || buf_err(&head) != ERR_OK)
		goto out;
	room = tg_text_units(buf_str(&head));
	rc = ERR_INPUT;
	if (room >= max)
		goto out;
	room = max - room;
	/* The lines, packed in order into as few messages as fit. */
	for (i = 0, used = room; i < n; i++) {
		buf_reset(&line);
		digest_line(&line, &a[i]);
		if ((rc = buf_err(&line)) != ERR_OK)
			goto out;
		if ((units[i] = tg_text_units(buf_str(&line))) > room) {
			rc = ERR_INPUT;
			goto out;
		}
		if (used + units[i] > room) {
			p[m++].first = i;
			used = 0;
		}
		p[m - 1].n++;
		used += units[i];
	}
	for (k = 0; k < m; k++) {
		digest_header(&p[k].text, n, total, k + 1, m);
		for (i = p[k].first; i < p[k].first + p[k].n; i++)
			digest_line(&p[k].text, &a[i]);
		if ((rc = buf_err(&p[k].text)) != ERR_OK)
			goto out;
	}
	*parts = p;
	*nparts = m;
	p = NULL;
	rc = ERR_OK;
out:
	texts_parts_free(p, n + 1);
	free(units);
	buf_free(&line);
	buf_free(&head);
	return rc;
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

void
texts_alert_unattributed(struct buf *out, const char *field_name,
    const char *value, const char *sales, const char *revenue, const char *link)
{
	if (field_name == NULL || value == NULL || *value == '\0')
		buf_adds(out,
		    "\xe2\x9a\xa0\xef\xb8\x8f Продажи без команды и без "
		    "UTM-меток");
	else {
		buf_printf(out,
		    "\xe2\x9a\xa0\xef\xb8\x8f Продажи без команды: utm_%s «",
		    field_name);
		cut(out, value, TEXTS_ALERT_VALUE);
		buf_adds(out, "»");
	}
	buf_printf(out, " — сегодня продаж: %s, ", sales);
	texts_amount(out, revenue);
	buf_printf(out, ". Ни одно правило не подошло. Разобрать: %s", link);
}

void
texts_alert_unattributed_more(struct buf *out, long long n, const char *link)
{
	buf_printf(out,
	    "\xe2\x9a\xa0\xef\xb8\x8f И ещё %lld новых значений UTM без "
	    "команды сегодня. Разобрать: %s",
	    n, link);
}
