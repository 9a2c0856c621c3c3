#include <string.h>

#include "sales/ctx.h"

void
sales_ctx_init(struct sales_ctx *s, struct app *app)
{
	memset(s, 0, sizeof(*s));
	s->app = app;
	amo_opts_from_cfg(&s->amo, &app->cfg);
	rules_init(&s->rules);
}

void
sales_ctx_free(struct sales_ctx *s)
{
	if (s == NULL)
		return;
	rules_free(&s->rules);
	memset(s, 0, sizeof(*s));
}

void
sales_lead_utm(struct attr_utm *utm, const struct amo_lead *l)
{
	static const enum amo_utm from[ATTR_FIELD__MAX] = {
		AMO_UTM_SOURCE,   /* ATTR_FIELD_SOURCE */
		AMO_UTM_MEDIUM,   /* ATTR_FIELD_MEDIUM */
		AMO_UTM_CAMPAIGN, /* ATTR_FIELD_CAMPAIGN */
		AMO_UTM_CONTENT,  /* ATTR_FIELD_CONTENT */
		AMO_UTM_TERM,     /* ATTR_FIELD_TERM */
	};
	size_t i;

	for (i = 0; i < ATTR_FIELD__MAX; i++)
		utm->v[i] = l->utm[from[i]];
}

enum err
sales_attribute(struct sales_ctx *s, struct db *db, const struct amo_lead *l,
    struct attr_result *res)
{
	struct attr_utm utm;

	sales_lead_utm(&utm, l);
	return rules_match(&s->rules, db, &utm, res);
}

enum err
sales_attribute_cached(struct sales_ctx *s, struct db *db,
    const struct amo_lead *l, struct attr_result *res)
{
	const struct attr_set *set;
	struct attr_utm utm;

	if ((set = rules_cached(&s->rules)) == NULL)
		return sales_attribute(s, db, l, res);
	sales_lead_utm(&utm, l);
	return attr_match(set, &utm, res);
}
