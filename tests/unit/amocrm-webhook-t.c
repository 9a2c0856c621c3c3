#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "amocrm/webhook.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/form.h"
#include "tap.h"

/* Bodies are written as amoCRM sends them: brackets as %5B/%5D. */
#define K(s) "%5B" s "%5D"
#define LEAD(act, n) "leads" K(act) K(n)
#define S0 LEAD("status", "0")
#define CF(i) S0 K("custom_fields") K(i)
#define ACC "account%5Bsubdomain%5D=onaiagencykz&account%5Bid%5D=31987654"
#define ACCW "acc=31987654/onaiagencykz"
#define JSON "application/json"

/* The defaults without the configured UTM field ids. */
static const struct amo_opts noids = {
	{ 1048576, 20000, 12, 512, 65536 },
	{ 0, 0, 0, 0, 0, 0, 0 },
};

/* body 200, pairs 3, depth 4, key 40, value 10; the seed's field ids */
static const struct amo_opts small = {
	{ 200, 3, 4, 40, 10 },
	{ 434731, 434727, 434729, 434725, 434733, 434735, 434761 },
};

struct tcase {
	const char *name;
	const char *ctype;           /* Content-Type; NULL: urlencoded */
	const char *body;            /* NULL: read the fixture file */
	const char *fixture;         /* under $FIXTURES/amo/ */
	const struct amo_opts *opts; /* NULL: amo_opts_default() */
	enum err rc;
	const char *want; /* dump of the event when ERR_OK */
};

/* One key=value of a body per line reads better than clang-format's. */
/* clang-format off */
static const struct tcase cases[] = {
	/* Real wire bodies. */
	{ "express sale", NULL, NULL, "status_express_142.txt", NULL, ERR_OK,
	    ACCW "; status 28471953 name=Айгерим Нурланова — Экспресс-курс "
	    "st=142/81854618 pl=10350882/0 price=5000 t=1766742011/1766830415 "
	    "acc=31987654 utm_source=fb_kenesary utm_medium=cpc "
	    "utm_campaign=tripwire_test_1 utm_content=видео_1 nf=7 "
	    "[434731,utm_source,UTM_SOURCE:fb_kenesary] "
	    "[434727,utm_medium,UTM_MEDIUM:cpc] "
	    "[434729,utm_campaign,UTM_CAMPAIGN:tripwire_test_1] "
	    "[434725,utm_content,UTM_CONTENT:видео_1] "
	    "[436799,utm_medium,UTM_MEDIUM:] "
	    "[612345,Дата оплаты,-:1766829600] "
	    "[612347,Способ оплаты,-:Kaspi]" },
	{ "flagship sale, duplicate UTM field first", NULL, NULL,
	    "status_flagship_142.txt", NULL, ERR_OK,
	    ACCW "; status 28502117 name=Ерлан Сейткали, Integrator Flagman "
	    "st=142/82290114 pl=10418746/0 price=490000 "
	    "t=1765370203/1766916021 acc=31987654 utm_source=fb_arystan "
	    "utm_medium=cpc utm_campaign=flagman_dec "
	    "utm_term=бизнес, автоматизация fbclid=IwAR2xQ8vZ_k3Lp-0aBcD nf=6 "
	    "[436797,UTM Source,-:facebook] "
	    "[434731,utm_source,UTM_SOURCE:fb_arystan] "
	    "[434727,utm_medium,UTM_MEDIUM:cpc] "
	    "[434729,utm_campaign,UTM_CAMPAIGN:flagman_dec] "
	    "[434733,utm_term,UTM_TERM:бизнес, автоматизация] "
	    "[434761,fbclid,FBCLID:IwAR2xQ8vZ_k3Lp-0aBcD]" },
	{ "lost deal, UTM fields without values", NULL, NULL,
	    "status_143.txt", NULL, ERR_OK,
	    ACCW "; status 28490361 name=Сделка #28490361 st=143/81854586 "
	    "pl=10350882/0 price=5000 t=1766400120/1766920877 acc=31987654 "
	    "nf=3 [434731,utm_source,UTM_SOURCE:] "
	    "[434727,utm_medium,UTM_MEDIUM:] "
	    "[612350,Причина отказа,-:Дорого]" },
	{ "three leads", NULL, NULL, "multi_leads.txt", NULL, ERR_OK,
	    ACCW "; status 28511001 name=Дина Ахметова st=142/81854618 "
	    "pl=10350882/0 price=5000 t=1766500000/1766931000 acc=31987654 "
	    "utm_source=fb_kenesary nf=1 "
	    "[434731,utm_source,UTM_SOURCE:fb_kenesary]; "
	    "status 28511002 name=Тимур Касымов st=81854586/82174962 "
	    "pl=10350882/0 price=5000 t=1766500001/1766931001 acc=31987654 "
	    "utm_source=ig_traf4 nf=1 "
	    "[434731,utm_source,UTM_SOURCE:ig_traf4]; "
	    "status 28511003 name=Асель Жумабаева st=143/82290114 "
	    "pl=10418746/0 t=1766500002/1766931002 acc=31987654 nf=1 "
	    "[434731,utm_source,UTM_SOURCE:]" },
	{ "contacts only", NULL, NULL, "contacts_only.txt", NULL, ERR_OK,
	    ACCW },
	{ "unsorted only", NULL, NULL, "unsorted_only.txt", NULL, ERR_OK,
	    ACCW },
	{ "digital pipeline compact form", NULL, NULL, "dp_compact.txt", NULL,
	    ERR_OK,
	    ACCW "; status 28471953 st=142/81854618 pl=10350882/10350882 nf=0" },
	{ "account block last", NULL, NULL, "account_last.txt", NULL, ERR_OK,
	    ACCW "; status 28533480 name=Мадина К. / заявка с сайта "
	    "st=142/82174962 pl=10350882/0 price=5000 t=1766610000/1766941200 "
	    "acc=31987654 utm_source=ig_traf4 utm_campaign=proftest_kz "
	    "utm_referrer=https://onai.academy/proftest?x=1&y=2 nf=3 "
	    "[434731,utm_source,UTM_SOURCE:ig_traf4] "
	    "[434729,utm_campaign,UTM_CAMPAIGN:proftest_kz] "
	    "[434735,utm_referrer,UTM_REFERRER:"
	    "https://onai.academy/proftest?x=1&y=2]" },
	{ "update and status groups", NULL, NULL, "update_and_status.txt",
	    NULL, ERR_OK,
	    ACCW "; update 28540012 name=Нурсултан Б. st=142/81854618 "
	    "pl=10350882/0 price=5000 t=1766700000/1766950000 acc=31987654 "
	    "utm_source=onai_ig utm_campaign=запуск_декабрь nf=2 "
	    "[434731,utm_source,UTM_SOURCE:onai_ig] "
	    "[434729,utm_campaign,UTM_CAMPAIGN:запуск_декабрь]; "
	    "status 28540012 name=Нурсултан Б. st=142/81854618 "
	    "pl=10350882/0 price=5000 t=1766700000/1766950000 acc=31987654 "
	    "utm_source=onai_ig utm_campaign=запуск_декабрь nf=2 "
	    "[434731,utm_source,UTM_SOURCE:onai_ig] "
	    "[434729,utm_campaign,UTM_CAMPAIGN:запуск_декабрь]" },
	{ "JSON express sale", JSON, NULL, "status_express_142.json", NULL,
	    ERR_OK,
	    ACCW "; status 28471953 name=Айгерим Нурланова — Экспресс-курс "
	    "st=142/81854618 pl=10350882/0 price=5000 t=1766742011/1766830415 "
	    "acc=31987654 utm_source=fb_kenesary utm_campaign=tripwire_test_1 "
	    "nf=5 [434731,utm_source,UTM_SOURCE:fb_kenesary] "
	    "[434729,utm_campaign,UTM_CAMPAIGN:tripwire_test_1] "
	    "[436799,utm_medium,UTM_MEDIUM:] "
	    "[612345,Дата оплаты,-:1766829600] "
	    "[612347,Способ оплаты,-:Kaspi]" },

	/* Lead order: (action, N), whatever the body order. */
	{ "N numeric, unordered, sparse", NULL,
	    LEAD("status", "10") K("id") "=10"
	    "&" LEAD("status", "2") K("id") "=2"
	    "&" S0 K("id") "=1"
	    "&" ACC,
	    NULL, NULL, ERR_OK,
	    ACCW "; status 1 st=0/0 pl=0/0 nf=0; status 2 st=0/0 pl=0/0 nf=0; "
	    "status 10 st=0/0 pl=0/0 nf=0" },
	{ "every action, reversed; note and unknown ignored", NULL,
	    LEAD("responsible", "0") K("id") "=6"
	    "&" LEAD("restore", "0") K("id") "=5"
	    "&" LEAD("delete", "0") K("id") "=4"
	    "&" S0 K("id") "=3"
	    "&" LEAD("update", "0") K("id") "=2"
	    "&" LEAD("add", "0") K("id") "=1"
	    "&" LEAD("note", "0") K("note") K("id") "=7"
	    "&" LEAD("foo", "0") K("id") "=8",
	    NULL, NULL, ERR_OK,
	    "add 1 st=0/0 pl=0/0 nf=0; update 2 st=0/0 pl=0/0 nf=0; "
	    "status 3 st=0/0 pl=0/0 nf=0; delete 4 st=0/0 pl=0/0 nf=0; "
	    "restore 5 st=0/0 pl=0/0 nf=0; responsible 6 st=0/0 pl=0/0 nf=0" },
	{ "leads and account keys interleaved", NULL,
	    LEAD("status", "1") K("name") "=B"
	    "&" S0 K("price") "=100"
	    "&account%5Bid%5D=5"
	    "&" LEAD("status", "1") K("id") "=22"
	    "&" S0 K("id") "=11"
	    "&account%5Bsubdomain%5D=x"
	    "&" S0 K("status_id") "=142",
	    NULL, NULL, ERR_OK,
	    "acc=5/x; status 11 st=142/0 pl=0/0 price=100 nf=0; "
	    "status 22 name=B st=0/0 pl=0/0 nf=0" },
	{ "delete with a bare id", NULL,
	    LEAD("delete", "0") "=6"
	    "&" LEAD("delete", "1") K("id") "=7",
	    NULL, NULL, ERR_OK,
	    "delete 6 st=0/0 pl=0/0 nf=0; delete 7 st=0/0 pl=0/0 nf=0" },
	{ "later duplicate key wins", NULL,
	    S0 K("id") "=1"
	    "&" S0 K("name") "=a"
	    "&" S0 K("name") "=b",
	    NULL, NULL, ERR_OK, "status 1 name=b st=0/0 pl=0/0 nf=0" },

	/* Lead fields. */
	{ "created_at preferred to date_create", NULL,
	    S0 K("created_at") "=2"
	    "&" S0 K("date_create") "=1"
	    "&" S0 K("last_modified") "=3"
	    "&" S0 K("updated_at") "=4"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 t=2/4 nf=0" },
	{ "legacy date_create and last_modified", NULL,
	    S0 K("date_create") "=1"
	    "&" S0 K("last_modified") "=3"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 t=1/3 nf=0" },
	{ "empty numeric fields are absent", NULL,
	    S0 K("id") "=1"
	    "&" S0 K("status_id") "="
	    "&" S0 K("old_status_id") "="
	    "&" S0 K("account_id") "=",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=0" },
	{ "largest id", NULL,
	    S0 K("id") "=9223372036854775807",
	    NULL, NULL, ERR_OK,
	    "status 9223372036854775807 st=0/0 pl=0/0 nf=0" },
	{ "Cyrillic name, plus and escapes", NULL,
	    S0 K("id") "=1"
	    "&" S0 K("name") "=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0"
	    "+%231+%26+%2B1%C2%A0%E2%80%94",
	    NULL, NULL, ERR_OK,
	    "status 1 name=Сделка #1 & +1\xc2\xa0— st=0/0 pl=0/0 nf=0" },
	{ "price with decimals", NULL, S0 K("id") "=1&" S0 K("price") "=5000.50",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 price=5000.50 nf=0" },
	{ "price trimmed", NULL, S0 K("id") "=1&" S0 K("price") "=+5000+",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 price=5000 nf=0" },
	{ "price empty", NULL, S0 K("id") "=1&" S0 K("price") "=",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=0" },
	{ "price not a number", NULL, S0 K("id") "=1&" S0 K("price") "=abc",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=0" },
	{ "price with a comma", NULL, S0 K("id") "=1&" S0 K("price") "=5%2C000",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=0" },
	{ "price two dots", NULL, S0 K("id") "=1&" S0 K("price") "=1.2.3",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=0" },
	{ "price leading dot", NULL, S0 K("id") "=1&" S0 K("price") "=.5",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=0" },
	{ "price trailing dot", NULL, S0 K("id") "=1&" S0 K("price") "=5.",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=0" },

	/* Custom fields. */
	{ "custom fields: positions, bare values, enums, no values", NULL,
	    CF("1") K("values") K("1") K("value") "=b"
	    "&" CF("1") K("id") "=20"
	    "&" CF("0") K("values") K("0") "=1615845600"
	    "&" CF("0") K("id") "=10"
	    "&" CF("1") K("values") K("0") K("value") "=a"
	    "&" CF("1") K("values") K("0") K("enum") "=777"
	    "&" CF("1") K("values") K("2") K("enum") "=778"
	    "&" CF("2") K("id") "=30"
	    "&" CF("2") K("name") "=Empty"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 nf=3 [10,-,-:1615845600] [20,-,-:a|b] "
	    "[30,Empty,-:]" },
	{ "custom field values in j order", NULL,
	    CF("0") K("values") K("10") K("value") "=c"
	    "&" CF("0") K("values") K("2") K("value") "=b"
	    "&" CF("0") K("values") K("0") K("value") "=a"
	    "&" CF("0") K("id") "=5"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=1 [5,-,-:a|b|c]" },
	{ "custom field without id", NULL,
	    CF("0") K("name") "=x"
	    "&" CF("0") K("id") "="
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK, "status 1 st=0/0 pl=0/0 nf=1 [0,x,-:]" },

	/* UTM extraction. */
	{ "434731 wins over a duplicate before it", NULL,
	    CF("0") K("id") "=436797"
	    "&" CF("0") K("name") "=utm_source"
	    "&" CF("0") K("values") K("0") K("value") "=dup"
	    "&" CF("0") K("code") "=UTM_SOURCE"
	    "&" CF("1") K("id") "=434731"
	    "&" CF("1") K("name") "=utm_source"
	    "&" CF("1") K("values") K("0") K("value") "=real"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 utm_source=real nf=2 "
	    "[436797,utm_source,UTM_SOURCE:dup] [434731,utm_source,-:real]" },
	{ "434731 without values: fall back by code", NULL,
	    CF("0") K("id") "=434731"
	    "&" CF("0") K("name") "=utm_source"
	    "&" CF("0") K("code") "=UTM_SOURCE"
	    "&" CF("1") K("id") "=436797"
	    "&" CF("1") K("name") "=%D0%98%D1%81%D1%82%D0%BE%D1%87%D0%BD%D0%B8%D0%BA"
	    "&" CF("1") K("values") K("0") K("value") "=fallback"
	    "&" CF("1") K("code") "=UTM_SOURCE"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 utm_source=fallback nf=2 "
	    "[434731,utm_source,UTM_SOURCE:] "
	    "[436797,Источник,UTM_SOURCE:fallback]" },
	{ "434731 blank: fall back by name with a space", NULL,
	    CF("0") K("id") "=434731"
	    "&" CF("0") K("values") K("0") K("value") "=+%C2%A0%09"
	    "&" CF("1") K("id") "=436797"
	    "&" CF("1") K("name") "=UTM+Source"
	    "&" CF("1") K("values") K("0") K("value") "=+by_name+"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 utm_source=by_name nf=2 "
	    "[434731,-,-: \xc2\xa0\t] [436797,UTM Source,-: by_name ]" },
	{ "first non-blank value, trimmed", NULL,
	    CF("0") K("id") "=434731"
	    "&" CF("0") K("values") K("0") K("value") "="
	    "&" CF("0") K("values") K("1") K("value") "=+second+"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 utm_source=second nf=1 "
	    "[434731,-,-:| second ]" },
	{ "fallbacks by code and name, any case", NULL,
	    CF("0") K("id") "=1"
	    "&" CF("0") K("code") "=utm_medium"
	    "&" CF("0") K("values") K("0") K("value") "=cpc"
	    "&" CF("1") K("id") "=2"
	    "&" CF("1") K("name") "=FBCLID"
	    "&" CF("1") K("values") K("0") "=abc"
	    "&" CF("2") K("id") "=3"
	    "&" CF("2") K("name") "=UTM_Referrer"
	    "&" CF("2") K("values") K("0") K("value") "=ref"
	    "&" CF("3") K("id") "=4"
	    "&" CF("3") K("name") "=utm_sourcex"
	    "&" CF("3") K("values") K("0") K("value") "=no"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 utm_medium=cpc utm_referrer=ref "
	    "fbclid=abc nf=4 [1,-,utm_medium:cpc] [2,FBCLID,-:abc] "
	    "[3,UTM_Referrer,-:ref] [4,utm_sourcex,-:no]" },
	{ "no field ids configured: names and codes only", NULL,
	    CF("0") K("id") "=434731"
	    "&" CF("0") K("values") K("0") K("value") "=by_id"
	    "&" CF("1") K("id") "=5"
	    "&" CF("1") K("name") "=utm_source"
	    "&" CF("1") K("values") K("0") K("value") "=by_name"
	    "&" S0 K("id") "=1",
	    NULL, &noids, ERR_OK,
	    "status 1 st=0/0 pl=0/0 utm_source=by_name nf=2 "
	    "[434731,-,-:by_id] [5,utm_source,-:by_name]" },
	{ "all seven ids", NULL,
	    CF("0") K("id") "=434731&" CF("0") K("values") K("0") K("value") "=s"
	    "&" CF("1") K("id") "=434727&" CF("1") K("values") K("0") "=m"
	    "&" CF("2") K("id") "=434729&" CF("2") K("values") K("0") "=ca"
	    "&" CF("3") K("id") "=434725&" CF("3") K("values") K("0") "=co"
	    "&" CF("4") K("id") "=434733&" CF("4") K("values") K("0") "=t"
	    "&" CF("5") K("id") "=434735&" CF("5") K("values") K("0") "=r"
	    "&" CF("6") K("id") "=434761&" CF("6") K("values") K("0") "=f"
	    "&" S0 K("id") "=1",
	    NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 utm_source=s utm_medium=m utm_campaign=ca "
	    "utm_content=co utm_term=t utm_referrer=r fbclid=f nf=7 "
	    "[434731,-,-:s] [434727,-,-:m] [434729,-,-:ca] [434725,-,-:co] "
	    "[434733,-,-:t] [434735,-,-:r] [434761,-,-:f]" },

	/* Bodies without leads, and bodies that are not webhooks. */
	{ "task only", NULL, "task" K("update") K("0") K("id") "=1",
	    NULL, NULL, ERR_OK, "" },
	{ "tasks, message, talk, companies, customers, catalogs", NULL,
	    "tasks" K("add") K("0") K("id") "=1"
	    "&message" K("add") K("0") K("entity_id") "=1"
	    "&talk" K("add") K("0") K("talk_id") "=1"
	    "&companies" K("add") K("0") K("id") "=1"
	    "&customers" K("add") K("0") K("id") "=1"
	    "&catalogs" K("add") K("0") K("id") "=1",
	    NULL, NULL, ERR_OK, "" },
	{ "lead notes only", NULL,
	    LEAD("note", "0") K("note") K("id") "=1&" ACC,
	    NULL, NULL, ERR_OK, ACCW },
	{ "account only", NULL, ACC, NULL, NULL, ERR_OK, ACCW },
	{ "not amoCRM", NULL, "foo=bar&baz=1", NULL, NULL, ERR_AMO, NULL },
	{ "empty body", NULL, "", NULL, NULL, ERR_AMO, NULL },
	{ "only separators", NULL, "&&", NULL, NULL, ERR_AMO, NULL },
	{ "empty JSON body", JSON, "", NULL, NULL, ERR_AMO, NULL },

	/* Bad leads. */
	{ "id not numeric", NULL, S0 K("id") "=abc&" ACC,
	    NULL, NULL, ERR_AMO, NULL },
	{ "id empty", NULL, S0 K("id") "=&" ACC, NULL, NULL, ERR_AMO, NULL },
	{ "id zero", NULL, S0 K("id") "=0", NULL, NULL, ERR_AMO, NULL },
	{ "id negative", NULL, S0 K("id") "=-5", NULL, NULL, ERR_AMO, NULL },
	{ "id with a space", NULL, S0 K("id") "=+5",
	    NULL, NULL, ERR_AMO, NULL },
	{ "id with a plus sign", NULL, S0 K("id") "=%2B5",
	    NULL, NULL, ERR_AMO, NULL },
	{ "id overflows", NULL, S0 K("id") "=9223372036854775808",
	    NULL, NULL, ERR_AMO, NULL },
	{ "id missing", NULL, S0 K("name") "=x&" ACC,
	    NULL, NULL, ERR_AMO, NULL },
	{ "bare value for a status lead", NULL, S0 "=6",
	    NULL, NULL, ERR_AMO, NULL },
	{ "status_id not numeric", NULL,
	    S0 K("id") "=1&" S0 K("status_id") "=14a",
	    NULL, NULL, ERR_AMO, NULL },
	{ "pipeline_id with decimals", NULL,
	    S0 K("id") "=1&" S0 K("pipeline_id") "=1.0",
	    NULL, NULL, ERR_AMO, NULL },
	{ "created_at not numeric", NULL,
	    S0 K("id") "=1&" S0 K("created_at") "=yesterday",
	    NULL, NULL, ERR_AMO, NULL },
	{ "date_create not numeric though created_at is", NULL,
	    S0 K("id") "=1&" S0 K("created_at") "=2&" S0 K("date_create") "=x",
	    NULL, NULL, ERR_AMO, NULL },
	{ "account id not numeric", NULL,
	    S0 K("id") "=1&account%5Bid%5D=abc",
	    NULL, NULL, ERR_AMO, NULL },
	{ "lead index not numeric", NULL, LEAD("status", "x") K("id") "=1",
	    NULL, NULL, ERR_AMO, NULL },
	{ "lead index negative", NULL, LEAD("status", "-1") K("id") "=1",
	    NULL, NULL, ERR_AMO, NULL },
	{ "field index not numeric", NULL,
	    S0 K("id") "=1&" S0 K("custom_fields") K("a") K("id") "=1",
	    NULL, NULL, ERR_AMO, NULL },
	{ "field id not numeric", NULL,
	    S0 K("id") "=1&" CF("0") K("id") "=abc",
	    NULL, NULL, ERR_AMO, NULL },
	{ "value index not numeric", NULL,
	    S0 K("id") "=1&" CF("0") K("values") K("x") K("value") "=1",
	    NULL, NULL, ERR_AMO, NULL },
	{ "second lead bad", NULL,
	    S0 K("id") "=1&" LEAD("status", "1") K("id") "=x",
	    NULL, NULL, ERR_AMO, NULL },

	/* Broken or truncated encodings. */
	{ "bad escape", NULL, S0 K("id") "=%zz",
	    NULL, NULL, ERR_FORM_ESCAPE, NULL },
	{ "cut inside an escape", NULL,
	    S0 K("id") "=1&" S0 K("name") "=%D0%90%D",
	    NULL, NULL, ERR_FORM_ESCAPE, NULL },
	{ "cut inside a UTF-8 sequence", NULL,
	    S0 K("id") "=1&" S0 K("name") "=%D0%90%D0",
	    NULL, NULL, ERR_UTF8, NULL },
	{ "cut inside a key", NULL, S0 K("id") "=1&" S0 "%5Bna%5",
	    NULL, NULL, ERR_FORM_ESCAPE, NULL },
	{ "cut after a key's bracket", NULL, S0 K("id") "=1&" S0 "%5Bna",
	    NULL, NULL, ERR_FORM_KEY, NULL },
	{ "NUL escape", NULL, S0 K("id") "=1%00",
	    NULL, NULL, ERR_FORM_NUL, NULL },
	{ "too big for small limits", NULL,
	    ACC "&" ACC "&" ACC "&" ACC,
	    NULL, &small, ERR_TOOBIG, NULL },

	/* JSON. */
	{ "JSON lead", JSON,
	    "{\"leads\":{\"status\":[{\"id\":\"1\",\"custom_fields\":"
	    "[{\"id\":\"434731\",\"values\":[{\"value\":\"fb\"}]}]}]},"
	    "\"account\":{\"subdomain\":\"x\"}}",
	    NULL, NULL, ERR_OK,
	    "acc=0/x; status 1 st=0/0 pl=0/0 utm_source=fb nf=1 "
	    "[434731,-,-:fb]" },
	{ "JSON numbers", "application/json; charset=UTF-8",
	    "{\"leads\":{\"status\":[{\"id\":1,\"status_id\":142,"
	    "\"pipeline_id\":10350882,\"price\":5000.5}]},"
	    "\"account\":{\"id\":31987654}}",
	    NULL, NULL, ERR_OK,
	    "acc=31987654/-; status 1 st=142/0 pl=10350882/0 price=5000.5 "
	    "nf=0" },
	{ "JSON nulls are absent", "Application/JSON",
	    "{\"leads\":{\"status\":[{\"id\":2,\"name\":null,\"price\":null}]}}",
	    NULL, NULL, ERR_OK, "status 2 st=0/0 pl=0/0 nf=0" },
	{ "JSON leads as an object", " application/json ",
	    "{\"leads\":{\"status\":{\"1\":{\"id\":\"9\"},\"0\":{\"id\":\"8\"}}}}",
	    NULL, NULL, ERR_OK,
	    "status 8 st=0/0 pl=0/0 nf=0; status 9 st=0/0 pl=0/0 nf=0" },
	{ "JSON bare and object values", JSON,
	    "{\"leads\":{\"add\":[{\"id\":3,\"custom_fields\":[{\"id\":5,"
	    "\"values\":[1615845600,{\"value\":\"a\",\"enum\":3}]}]}]}}\n",
	    NULL, NULL, ERR_OK,
	    "add 3 st=0/0 pl=0/0 nf=1 [5,-,-:1615845600|a]" },
	{ "JSON deep but within limits", JSON,
	    "{\"leads\":[[[[[[[[[[[1]]]]]]]]]]]}", NULL, NULL, ERR_OK, "" },
	{ "JSON id true", JSON, "{\"leads\":{\"status\":[{\"id\":true}]}}",
	    NULL, NULL, ERR_AMO, NULL },
	{ "JSON id 1.0", JSON, "{\"leads\":{\"status\":[{\"id\":1.0}]}}",
	    NULL, NULL, ERR_AMO, NULL },
	{ "JSON id too large", JSON,
	    "{\"leads\":{\"status\":[{\"id\":99999999999999999999}]}}",
	    NULL, NULL, ERR_AMO, NULL },
	{ "JSON not amoCRM", JSON, "{\"a\":1} ", NULL, NULL, ERR_AMO, NULL },
	{ "JSON array", JSON, "[1,2]", NULL, NULL, ERR_AMO, NULL },
	{ "JSON string", JSON, "\"abc\"", NULL, NULL, ERR_AMO, NULL },
	{ "JSON empty object", JSON, "{}", NULL, NULL, ERR_AMO, NULL },
	{ "JSON unterminated", JSON, "{\"leads\":{",
	    NULL, NULL, ERR_JSON, NULL },
	{ "JSON trailing garbage", JSON, "{\"account\":{\"id\":1}}x",
	    NULL, NULL, ERR_JSON, NULL },
	{ "JSON two documents", JSON, "{\"account\":{\"id\":1}}{}",
	    NULL, NULL, ERR_JSON, NULL },
	{ "JSON trailing comma", JSON, "{\"account\":{\"id\":1},}",
	    NULL, NULL, ERR_JSON, NULL },
	{ "JSON bare number", JSON, "123", NULL, NULL, ERR_JSON, NULL },
	{ "JSON bad escape", JSON, "{\"account\":{\"subdomain\":\"\\x\"}}",
	    NULL, NULL, ERR_JSON, NULL },
	{ "JSON invalid UTF-8", JSON, "{\"account\":{\"subdomain\":\"\xff\"}}",
	    NULL, NULL, ERR_UTF8, NULL },
	{ "JSON invalid UTF-8 key", JSON, "{\"account\":{\"\xd0\":\"1\"}}",
	    NULL, NULL, ERR_UTF8, NULL },
	{ "JSON \\u0000", JSON, "{\"account\":{\"subdomain\":\"a\\u0000b\"}}",
	    NULL, NULL, ERR_FORM_NUL, NULL },
	{ "JSON empty key", JSON, "{\"\":1}", NULL, NULL, ERR_FORM_KEY, NULL },
	{ "JSON too deep", JSON, "{\"leads\":[[[[[[[[[[[[1]]]]]]]]]]]]}",
	    NULL, NULL, ERR_FORM_DEPTH, NULL },
	{ "JSON within small limits", JSON,
	    "{\"leads\":{\"status\":[{\"id\":\"1\"}]},\"account\":{\"id\":2}}",
	    NULL, &small, ERR_OK, "acc=2/-; status 1 st=0/0 pl=0/0 nf=0" },
	{ "JSON too many pairs", JSON,
	    "{\"account\":{\"id\":1,\"subdomain\":\"x\",\"a\":1,\"b\":2}}",
	    NULL, &small, ERR_FORM_PAIRS, NULL },
	{ "JSON value too long", JSON,
	    "{\"account\":{\"subdomain\":\"12345678901\"}}",
	    NULL, &small, ERR_FORM_VALLEN, NULL },
	{ "JSON key too long", JSON,
	    "{\"account\":{\"subdomain_subdomain_subdomain_subdomain\":1}}",
	    NULL, &small, ERR_FORM_KEYLEN, NULL },
	{ "JSON deeper than small limits", JSON,
	    "{\"leads\":{\"status\":[{\"cf\":[1]}]}}",
	    NULL, &small, ERR_FORM_DEPTH, NULL },
	{ "JSON too big", JSON,
	    "{\"account\":{\"subdomain\":\"onaiagencykz\",\"id\":31987654},"
	    "\"x\":\"................................................\","
	    "\"y\":\"................................................\","
	    "\"z\":\"................................................\"}",
	    NULL, &small, ERR_TOOBIG, NULL },
	{ "JSON sent as urlencoded", NULL,
	    "{\"leads\":{\"status\":[{\"id\":\"1\"}]}}",
	    NULL, NULL, ERR_FORM_KEY, NULL },
	{ "JSON under another type", "application/jsonp",
	    "{\"leads\":{\"status\":[{\"id\":\"1\"}]}}",
	    NULL, NULL, ERR_FORM_KEY, NULL },
	{ "urlencoded type", "application/x-www-form-urlencoded",
	    S0 K("id") "=1", NULL, NULL, ERR_OK,
	    "status 1 st=0/0 pl=0/0 nf=0" },
};
/* clang-format on */

/* Appends lead l in the compact form the cases are written in. */
static void
dump_lead(struct buf *b, const struct amo_lead *l)
{
	const struct amo_field *fd;
	size_t i, j;
	int t;

	buf_printf(b, "%s %lld", amo_action_names[l->action], l->id);
	if (l->name != NULL)
		buf_printf(b, " name=%s", l->name);
	buf_printf(b, " st=%lld/%lld pl=%lld/%lld", l->status_id,
	    l->old_status_id, l->pipeline_id, l->old_pipeline_id);
	if (l->price != NULL)
		buf_printf(b, " price=%s", l->price);
	if (l->created_at != 0 || l->updated_at != 0)
		buf_printf(b, " t=%lld/%lld", l->created_at, l->updated_at);
	if (l->account_id != 0)
		buf_printf(b, " acc=%lld", l->account_id);
	for (t = 0; t < AMO_UTM__MAX; t++)
		if (l->utm[t] != NULL)
			buf_printf(b, " %s=%s", amo_utm_names[t], l->utm[t]);
	buf_printf(b, " nf=%zu", l->nfields);
	for (i = 0; i < l->nfields; i++) {
		fd = &l->fields[i];
		buf_printf(b, " [%lld,%s,%s:", fd->id,
		    fd->name != NULL ? fd->name : "-",
		    fd->code != NULL ? fd->code : "-");
		for (j = 0; j < fd->nvalues; j++)
			buf_printf(b, "%s%s", j > 0 ? "|" : "", fd->values[j]);
		buf_addc(b, ']');
	}
}

static void
dump(struct buf *b, const struct amo_event *ev)
{
	size_t i;

	buf_reset(b);
	if (ev->account_id != 0 || ev->subdomain != NULL)
		buf_printf(b, "acc=%lld/%s", ev->account_id,
		    ev->subdomain != NULL ? ev->subdomain : "-");
	for (i = 0; i < ev->nleads; i++) {
		if (b->len > 0)
			buf_adds(b, "; ");
		dump_lead(b, &ev->leads[i]);
	}
}

/* Appends $FIXTURES, else $srcdir/tests/fixtures, else tests/fixtures. */
static void
fixtures_dir(struct buf *b)
{
	const char *s;

	if ((s = getenv("FIXTURES")) != NULL && *s != '\0')
		buf_adds(b, s);
	else if ((s = getenv("srcdir")) != NULL && *s != '\0')
		buf_printf(b, "%s/tests/fixtures", s);
	else
		buf_adds(b, "tests/fixtures");
}

/* Reads fixture amo/name into a new buffer (caller frees); NULL on error. */
static char *
fixture(const char *name, size_t *len)
{
	struct buf path, b;
	char chunk[4096];
	size_t n;
	FILE *fp;

	*len = 0;
	buf_init(&path);
	fixtures_dir(&path);
	buf_printf(&path, "/amo/%s", name);
	if ((fp = fopen(buf_str(&path), "rb")) == NULL) {
		diag("cannot open %s", buf_str(&path));
		buf_free(&path);
		return NULL;
	}
	buf_free(&path);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return buf_take(&b);
}

/* Gets a case's body: its literal, or its fixture (then *owned is set). */
static const char *
case_body(const struct tcase *c, size_t *len, char **owned)
{
	*owned = NULL;
	if (c->body != NULL) {
		*len = strlen(c->body);
		return c->body;
	}
	*owned = fixture(c->fixture, len);
	return *owned;
}

/* ok() for an error code, with a diagnostic on mismatch. */
static int
is_rc(enum err got, enum err want, const char *name)
{
	if (!ok(got == want, "%s: %s", name, err_name(want)))
		diag("  got %s", err_name(got));
	return got == want;
}

static int
ev_empty(const struct amo_event *ev)
{
	return ev->nleads == 0 && ev->leads == NULL && ev->subdomain == NULL &&
	    ev->account_id == 0;
}

static void
run_cases(void)
{
	struct amo_event ev;
	struct buf b;
	const char *body;
	char *owned;
	size_t i, len;
	enum err rc;

	buf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		if ((body = case_body(c, &len, &owned)) == NULL) {
			ok(0, "%s: fixture %s", c->name, c->fixture);
			continue;
		}
		rc = amo_parse(&ev, c->ctype, body, len, c->opts);
		is_rc(rc, c->rc, c->name);
		if (rc != ERR_OK)
			ok(ev_empty(&ev), "  event empty after error");
		else if (c->want != NULL) {
			dump(&b, &ev);
			is_str(buf_str(&b), c->want, "  event");
		}
		amo_event_free(&ev);
		free(owned);
	}
	buf_free(&b);
}

/*
 * Joins the n pairs of v into body in a new order: reversed (pass 0), or
 * the odd positions first, then the even ones (pass 1).
 */
static void
reorder(struct buf *body, char *const *v, size_t n, int pass)
{
	size_t j, k;

	buf_reset(body);
	for (j = 0; j < n; j++) {
		if (pass == 0)
			k = n - 1 - j;
		else if (j < n / 2)
			k = 2 * j + 1;
		else
			k = 2 * (j - n / 2);
		if (j > 0)
			buf_addc(body, '&');
		buf_adds(body, v[k]);
	}
}

/* Checks that reordering the pairs of urlencoded fixtures changes nothing. */
static void
run_shuffled(void)
{
	static const char *const names[] = {
		"status_express_142.txt",
		"status_flagship_142.txt",
		"status_143.txt",
		"multi_leads.txt",
		"contacts_only.txt",
		"unsorted_only.txt",
		"dp_compact.txt",
		"account_last.txt",
		"update_and_status.txt",
	};
	struct amo_event ev;
	struct buf want, got, body;
	char *s, *p, **v;
	size_t i, n, len;
	int pass, same;

	buf_init(&want);
	buf_init(&got);
	buf_init(&body);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((s = fixture(names[i], &len)) == NULL) {
			ok(0, "shuffled %s: fixture", names[i]);
			continue;
		}
		same = amo_parse(&ev, NULL, s, len, NULL) == ERR_OK;
		dump(&want, &ev);
		amo_event_free(&ev);
		for (n = 1, p = s; *p != '\0'; p++)
			n += *p == '&';
		if ((v = calloc(n, sizeof(*v))) == NULL)
			same = 0;
		n = 0;
		for (p = strtok(s, "&"); p != NULL && v != NULL;
		     p = strtok(NULL, "&"))
			v[n++] = p;
		for (pass = 0; pass < 2 && same; pass++) {
			reorder(&body, v, n, pass);
			if (amo_parse(&ev, NULL, body.data, body.len, NULL) !=
			    ERR_OK)
				same = 0;
			dump(&got, &ev);
			amo_event_free(&ev);
			if (strcmp(buf_str(&got), buf_str(&want)) != 0)
				same = 0;
		}
		ok(same && want.len > 0, "shuffled %s: same model", names[i]);
		free(v);
		free(s);
	}
	buf_free(&want);
	buf_free(&got);
	buf_free(&body);
}

/* Cuts a fixture at every length: no crash, no leak, never ERR_NOMEM. */
static void
run_truncated(void)
{
	struct amo_event ev;
	char *s;
	const char *p;
	size_t len, n, at, bad = 0, okcount = 0;
	enum err rc;

	if ((s = fixture("status_express_142.txt", &len)) == NULL ||
	    (p = strstr(s, "%D0")) == NULL) {
		ok(0, "truncated: fixture");
		free(s);
		return;
	}
	at = (size_t)(p - s);
	rc = amo_parse(&ev, NULL, s, at + 2, NULL);
	is_rc(rc, ERR_FORM_ESCAPE, "fixture cut inside %D0");
	amo_event_free(&ev);
	rc = amo_parse(&ev, NULL, s, at + 3, NULL);
	is_rc(rc, ERR_UTF8, "fixture cut after %D0");
	amo_event_free(&ev);
	for (n = 0; n <= len; n++) {
		rc = amo_parse(&ev, NULL, s, n, NULL);
		if (rc == ERR_NOMEM || (rc != ERR_OK && !ev_empty(&ev)))
			bad++;
		if (rc == ERR_OK)
			okcount++;
		amo_event_free(&ev);
	}
	ok(bad == 0 && okcount > 0, "every prefix of a fixture (%zu ok)",
	    okcount);
	free(s);
}

/* Does amo_lead_json(l) read back as JSON with l's id and fields? */
static int
lead_json_ok(const struct amo_lead *l, const struct amo_event *ev)
{
	struct json_object *o, *v;
	char *s;
	int good = 0;

	if ((s = amo_lead_json(l, ev)) == NULL)
		return 0;
	if ((o = json_tokener_parse(s)) != NULL &&
	    json_object_object_get_ex(o, "id", &v) &&
	    json_object_get_int64(v) == l->id &&
	    json_object_object_get_ex(o, "custom_fields", &v) &&
	    json_object_array_length(v) == l->nfields)
		good = 1;
	json_object_put(o);
	free(s);
	return good;
}

static void
run_json_out(void)
{
	static const char want[] =
	    "{\"action\":\"status\",\"id\":1,\"name\":\"Ж\\\"\\u003c\","
	    "\"status_id\":142,\"old_status_id\":null,\"pipeline_id\":10350882,"
	    "\"old_pipeline_id\":null,\"price\":5000,\"created_at\":null,"
	    "\"updated_at\":1766830415,\"account\":{\"id\":31987654,"
	    "\"subdomain\":\"onaiagencykz\"},\"utm\":{\"utm_source\":\"fb\","
	    "\"utm_medium\":null,\"utm_campaign\":null,\"utm_content\":null,"
	    "\"utm_term\":null,\"utm_referrer\":null,\"fbclid\":null},"
	    "\"custom_fields\":[{\"id\":434731,\"name\":null,\"code\":null,"
	    "\"values\":[\"fb\",\"\"]},{\"id\":null,\"name\":\"x\","
	    "\"code\":\"C\",\"values\":[]}]}";
	/* clang-format off */
	static const char body[] =
	    S0 K("id") "=1"
	    "&" S0 K("name") "=%D0%96%22%3C"
	    "&" S0 K("status_id") "=142"
	    "&" S0 K("pipeline_id") "=10350882"
	    "&" S0 K("price") "=5000"
	    "&" S0 K("updated_at") "=1766830415"
	    "&" CF("0") K("id") "=434731"
	    "&" CF("0") K("values") K("0") K("value") "=fb"
	    "&" CF("0") K("values") K("1") "="
	    "&" CF("1") K("name") "=x"
	    "&" CF("1") K("code") "=C"
	    "&" ACC;
	/* clang-format on */
	static const char *const names[] = {
		"status_express_142.txt",
		"multi_leads.txt",
		"status_express_142.json",
	};
	struct amo_event ev;
	struct amo_lead zero;
	struct json_object *o;
	const char *ct;
	char *s, *js;
	size_t i, j, len, bad;

	is_rc(amo_parse(&ev, NULL, body, sizeof(body) - 1, NULL), ERR_OK,
	    "lead for amo_lead_json");
	s = ev.nleads == 1 ? amo_lead_json(&ev.leads[0], &ev) : NULL;
	is_str(s, want, "amo_lead_json");
	free(s);
	amo_event_free(&ev);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bad = 0;
		ct = strstr(names[i], ".json") != NULL ? JSON : NULL;
		if ((js = fixture(names[i], &len)) == NULL ||
		    amo_parse(&ev, ct, js, len, NULL) != ERR_OK)
			bad++;
		for (j = 0; j < ev.nleads; j++)
			if (!lead_json_ok(&ev.leads[j], &ev))
				bad++;
		ok(bad == 0 && ev.nleads > 0, "amo_lead_json of %s is JSON",
		    names[i]);
		amo_event_free(&ev);
		free(js);
	}

	memset(&zero, 0, sizeof(zero));
	s = amo_lead_json(&zero, NULL);
	o = s != NULL ? json_tokener_parse(s) : NULL;
	ok(o != NULL, "amo_lead_json of a zeroed lead");
	json_object_put(o);
	free(s);
}

static void
run_misc(void)
{
	static const char jnul[] = "{\"account\":{\"id\":1}}\0";
	static const char fnul[] = S0 K("id") "=1\0";
	static const char json[] = "{\"a\":[1,{\"b\":true}]}";
	static const long long ids[AMO_UTM__MAX] = {
		434731, /* AMO_UTM_SOURCE */
		434727, /* AMO_UTM_MEDIUM */
		434729, /* AMO_UTM_CAMPAIGN */
		434725, /* AMO_UTM_CONTENT */
		434733, /* AMO_UTM_TERM */
		434735, /* AMO_UTM_REFERRER */
		434761, /* AMO_UTM_FBCLID */
	};
	struct amo_opts o;
	struct amo_event ev;
	struct form f;
	enum err rc;
	int t;

	amo_opts_default(&o);
	ok(memcmp(&o.limits, &form_default_limits, sizeof(o.limits)) == 0,
	    "default limits");
	for (t = 0; t < AMO_UTM__MAX; t++)
		ok(o.utm_field[t] == ids[t], "default field id of %s",
		    amo_utm_names[t]);
	is_str(amo_action_names[AMO_RESPONSIBLE], "responsible",
	    "action names");

	memset(&ev, 0, sizeof(ev));
	amo_event_free(&ev);
	amo_event_free(&ev);
	amo_event_free(NULL);
	ok(1, "amo_event_free on zeroed, twice, NULL");

	memset(&f, 0, sizeof(f));
	is_rc(amo_from_form(&ev, &f, NULL), ERR_AMO, "amo_from_form empty");
	rc = form_parse_json(&f, json, sizeof(json) - 1, NULL);
	is_rc(rc, ERR_OK, "form_parse_json");
	ok(f.npairs == 2, "  two pairs");
	is_str(form_get(&f, "a[0]"), "1", "  a[0]");
	is_str(form_get(&f, "a[1][b]"), "true", "  a[1][b]");
	form_free(&f);
	is_rc(form_parse_json(&f, "{", 1, NULL), ERR_JSON, "JSON cut short");
	ok(f.npairs == 0 && f.pairs == NULL, "  form empty after error");
	is_rc(amo_parse(&ev, JSON, jnul, sizeof(jnul) - 1, NULL), ERR_JSON,
	    "JSON body with a raw NUL");
	is_rc(amo_parse(&ev, NULL, fnul, sizeof(fnul) - 1, NULL), ERR_FORM_NUL,
	    "urlencoded body with a raw NUL");
}

int
main(void)
{
	plan_lazy();
	run_cases();
	run_shuffled();
	run_truncated();
	run_json_out();
	run_misc();
	return exit_status();
}
