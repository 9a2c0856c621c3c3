/* Unit tests for the sale announcement text and amount format. */
#include <stdlib.h>

#include "sales/announce.h"
#include "tap.h"

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

int
main(void)
{
	struct announce a = { "Kenesary", "👑", "Иван Иванов", "5000",
		"Express Course", "tripwire_test_1", 0 };
	struct announce evil = { "<b>Team</b>", NULL, "Tom & \"Jerry\" <x>",
		"490000", "<script>&", "<script>&", 0 };
	struct announce t = { NULL, NULL, NULL, "5000", "Tripwire", NULL, 1 };
	struct buf b;
	size_t i;

	plan_lazy();
	for (i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		buf_init(&b);
		announce_amount(&b, amounts[i].in);
		is_str(buf_str(&b), amounts[i].want, "amount format");
		buf_free(&b);
	}

	buf_init(&b);
	ok(announce_text(&a, &b) == ERR_OK, "seed message builds");
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
	announce_text(&evil, &b);
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
	announce_text(&t, &b);
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
	return exit_status();
}
