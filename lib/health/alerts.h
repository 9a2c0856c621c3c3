#ifndef AMOSYNC_HEALTH_ALERTS_H
#define AMOSYNC_HEALTH_ALERTS_H

#include "health/checks.h"
#include "io/app.h"

/*
 * Health alerts to the ops chat (TELEGRAM_ALERT_CHAT_ID), run by the
 * workers. Every AMOSYNC_ALERT_INTERVAL seconds one worker (the one that
 * moves alert_schedule forward) runs the checks of health/checks; a
 * condition that goes from healthy to failing sends one alert, one that
 * comes back sends one "recovered" message, and one that stays failing a
 * reminder every AMOSYNC_ALERT_REMIND seconds. The transitions are
 * conditional updates of alert_state, so however many workers on however
 * many hosts see a change, one message goes out. The same tick tells
 * the chat about each new UTM value of the day's sales without a team,
 * once a day per value (attribution_alerts), with a link to the Team
 * Constructor's "Без команды" panel (AMOSYNC_PUBLIC_URL +
 * /traffic/admin#teams?unattributed). Without an alert chat (or a
 * Telegram token) nothing is checked here.
 */
struct alerts {
	struct app *app; /* borrowed */
	struct health_env env;
	int on; /* an alert chat and a Telegram client */
	const char *chat;
};

/* Never fails for a missing chat or token (alerts are then off). */
enum err alerts_init(struct alerts *a, struct app *app);
void alerts_free(struct alerts *a);

/*
 * Runs the checks when this worker (me) claims the slot, and sends the
 * messages of the transitions it wins. Returns how many it sent.
 */
int alerts_tick(struct alerts *a, const char *me);

/* Sends one message of an event (the sweep recovered sales) now. */
void alerts_event(struct alerts *a, const char *text);

#endif
