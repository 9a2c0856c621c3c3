#ifndef AMOSYNC_REPORT_FUNNEL_H
#define AMOSYNC_REPORT_FUNNEL_H

#include <stddef.h>

#include "io/db.h"
#include "report/out.h"

/*
 * GET /api/traffic/funnel (R16): the stages of a pipeline (funnel_stages,
 * in their order) over the lead events of the days [start, end] of time
 * zone tz. A lead reached a stage when one of its events in the period
 * entered it or left it, or a later stage: a lead that skipped stages
 * passed them, and one that went back and forth counts once. Per stage:
 * leads, conversion from the previous and from the first stage (percent,
 * 2 decimals; null when the base is 0), the median seconds from entering
 * the previous stage to entering this one (leads that entered both), and
 * how many of its leads were won (142) and lost (143) in the period.
 *
 * targetologist: only leads whose sale carries that team (a lead's team
 * is known once it is sold, from all_sales_tracking; "Unknown" is a sale
 * without one), so such a funnel shows the path of sold leads.
 */
struct funnel_q {
	const char *pipeline_id;
	const char *start, *end;
	const char *tz;
	const char *targetologist; /* NULL: every lead */
};

extern const struct report_col funnel_cols[];
extern const size_t funnel_ncols;

/*
 * Runs the report and writes it through out: JSON the period's distinct
 * leads with an event ("leads"), "won", "lost", "pending" ({"sales",
 * "leads"}: not counted yet, funnel_catch_up()), and the rows of
 * funnel_cols in stage order as "stages"; CSV: the stages.
 * ERR_NOTFOUND: the pipeline has no stages (nothing written).
 */
enum err funnel(struct db *db, const struct funnel_q *q,
    const struct report_out *out);

/*
 * One batch of the catch-up of funnel_day_* and funnel_team_day_*: at
 * most batch sales of the sales statistics first (stats_catch_up(),
 * which marks the new sales' leads, 047), then, once fewer than batch
 * sales were left, at most batch marked leads
 * (sql/traffic/functions/funnel.sql), each in its own transaction; *sales and *leads how many each took. The worker calls it
 * until both are 0; several callers may run at once. funnel() only tries
 * a small batch that needs no wait, then answers from the applied sums
 * and says in "pending" how many sales and leads they do not count yet.
 */
enum err funnel_catch_up(struct db *db, int batch, long long *sales,
    long long *leads);

#endif
