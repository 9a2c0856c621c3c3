#ifndef AMOSYNC_API_PROGRAMS_H
#define AMOSYNC_API_PROGRAMS_H

#include "io/prog.h"

/*
 * Every FastCGI program, one per nginx location (or family of URLs).
 * Each is defined in the lib/api file of its name and started by the
 * cgi-bin/ program of its name with prog_main(); its socket is
 * <name>.sock. The table of locations is in docs/architecture.md.
 */
extern const struct prog api_funnel_sale;   /* api/funnel_sale.c */
extern const struct prog api_sales_webhook; /* api/sales_webhook.c */
extern const struct prog api_test_sale_notification;
/* api/test_sale_notification.c */
extern const struct prog api_admin_outbox;  /* api/admin_outbox.c */
extern const struct prog api_traffic;       /* api/traffic.c */
extern const struct prog api_sales_reports; /* api/sales_reports.c */
extern const struct prog api_utm_analytics; /* api/utm_analytics.c */
extern const struct prog api_admin_landing; /* api/admin_landing.c */
extern const struct prog api_landing;       /* api/landing.c */
extern const struct prog api_integrations;  /* api/integrations.c */

#endif
