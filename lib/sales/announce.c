#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/text.h"
#include "sales/announce.h"

static const char * or (const char *s, const char *def)
{
	return s != NULL && *s != '\0' ? s : def;
}

void
announce_amount(struct buf *out, const char *amount)
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
announce_text(const struct announce *a, struct buf *out)
{
	const char *team = or (a->team, "Unknown");

	buf_adds(out, "\xf0\x9f\x8e\x89 <b>НОВАЯ ПРОДАЖА!</b>");
	if (a->test)
		buf_adds(out, " (ТЕСТ)");
	buf_adds(out, "\n\n");
	text_html_escape(out, or (a->emoji, "\xf0\x9f\x8e\xaf"));
	buf_adds(out, " <b>Таргетолог:</b> ");
	text_html_escape(out, team);
	buf_adds(out, "\n\xf0\x9f\x91\xa4 <b>Клиент:</b> ");
	text_html_escape(out, or (a->client, "Без имени"));
	buf_adds(out, "\n\xf0\x9f\x92\xb0 <b>Сумма:</b> ");
	announce_amount(out, a->amount);
	buf_adds(out, "\n\xf0\x9f\x93\xa6 <b>Продукт:</b> ");
	text_html_escape(out, or (a->product, "—"));
	if (!a->test) {
		buf_adds(out,
		    "\n\xf0\x9f\x8f\xb7\xef\xb8\x8f <b>Кампания:</b> ");
		text_html_escape(out, or (a->campaign, "—"));
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
