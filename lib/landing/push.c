#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/text.h"
#include "io/outbox.h"
#include "landing/leads.h"
#include "landing/push.h"

enum err
landing_push_queue(struct db *landing, struct db *traffic, const char *id,
    long long *total, long long *queued, long long *skipped, long long *jobs,
    struct jw *lead)
{
	long long n, k, jid;
	enum err rc;

	*jobs = 0;
	/*
	 * The leads are marked first, the jobs enqueued after: a worker that
	 * takes a job at once finds its leads queued. (The other way round, a
	 * quick worker found nothing, finished the job and left the leads
	 * queued with none.) At least one job even when nothing new was
	 * queued, so leads left queued by an earlier failure are taken too.
	 */
	if ((rc = landing_leads_queue(landing, id, total, queued, skipped,
	         lead)) != ERR_OK)
		return rc;
	n = id == NULL && *queued > 0 ? *queued : 1;
	for (k = 0; k < n; k += AMOCRM_COMPLEX_MAX) {
		if ((rc = outbox_enqueue(traffic, OUTBOX_LANDING_PUSH, "{}",
		         NULL, &jid)) != ERR_OK)
			return rc;
		(*jobs)++;
	}
	return ERR_OK;
}

/*
 * Finds the amoCRM contact of a phone or an e-mail: a contact that
 * amoCRM's full-text search returns and whose value, normalised, is the
 * same. *id is 0 when there is none.
 */
static enum err
find(struct amocrm *a, const char *value, int phone, long long *id,
    struct amocrm_status *st)
{
	struct amocrm_contacts cs;
	char *want, *got;
	size_t i, k, n;
	enum err rc;

	*id = 0;
	want = phone ? text_phone_norm(value) : text_email_norm(value);
	if (want == NULL)
		return ERR_OK;
	/* The query: a phone's last ten digits match every way of writing. */
	rc = amocrm_contacts_find(a,
	    phone && strlen(want) > 10 ? want + strlen(want) - 10 : want, &cs,
	    st);
	for (i = 0; rc == ERR_OK && i < cs.n && *id == 0; i++) {
		n = phone ? cs.v[i].nphones : cs.v[i].nemails;
		for (k = 0; k < n && *id == 0; k++) {
			got = phone ? text_phone_norm(cs.v[i].phones[k])
			            : text_email_norm(cs.v[i].emails[k]);
			if (got != NULL && strcmp(got, want) == 0)
				*id = cs.v[i].id;
			free(got);
		}
	}
	amocrm_contacts_free(&cs);
	free(want);
	return rc;
}

static void
outcome(struct landing_push_outcome *out, enum err rc,
    const struct amocrm_status *st)
{
	out->permanent = rc == ERR_AUTH || rc == ERR_PERM || rc == ERR_INPUT;
	out->retry_after = rc == ERR_RATE ? st->retry_after : 0;
	snprintf(out->error, sizeof(out->error), "%s",
	    st->reason[0] != '\0' ? st->reason : err_str(rc));
}

enum err
landing_push_run(struct db *landing, struct amocrm *a,
    const struct landing_push_opts *o, struct landing_push_outcome *out)
{
	struct amocrm_new_lead nl[AMOCRM_COMPLEX_MAX];
	struct amocrm_created made[AMOCRM_COMPLEX_MAX];
	long long lids[AMOCRM_COMPLEX_MAX], cids[AMOCRM_COMPLEX_MAX];
	char *names[AMOCRM_COMPLEX_MAX] = { NULL };
	struct landing_push_batch b;
	struct amocrm_status st;
	const struct landing_push_lead *l;
	enum err rc;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	memset(nl, 0, sizeof(nl));
	if ((rc = landing_leads_claim(landing, o->pipeline_id,
	         AMOCRM_COMPLEX_MAX, &b)) != ERR_OK) {
		snprintf(out->error, sizeof(out->error),
		    "could not claim leads: %s", err_str(rc));
		return rc;
	}
	if (b.n == 0)
		goto out;
	for (i = 0; i < b.n; i++) {
		l = &b.v[i];
		nl[i].request_id = l->id;
		if (asprintf(&names[i], "Профтест: %s", l->name) == -1) {
			names[i] = NULL;
			rc = ERR_NOMEM;
			st.reason[0] = '\0';
			goto fail;
		}
		nl[i].name = names[i];
		nl[i].pipeline_id = o->pipeline_id;
		nl[i].status_id = o->status_id;
		nl[i].price = l->price;
		nl[i].field_ids = o->utm_fields;
		nl[i].field_values = l->utm;
		nl[i].nfields = 5;
		nl[i].contact_name = l->name;
		nl[i].phone = l->phone;
		nl[i].email = l->email;
		/* An existing contact is linked, never made twice. */
		if ((rc = find(a, l->phone, 1, &nl[i].contact_id, &st)) !=
		        ERR_OK ||
		    (nl[i].contact_id == 0 &&
		        (rc = find(a, l->email, 0, &nl[i].contact_id, &st)) !=
		            ERR_OK))
			goto fail;
	}
	if ((rc = amocrm_leads_complex(a, nl, b.n, made, &st)) != ERR_OK)
		goto fail;
	for (i = 0; i < b.n; i++) {
		lids[i] = made[i].id;
		cids[i] = made[i].contact_id;
	}
	if ((rc = landing_leads_pushed(landing, &b, lids, cids)) != ERR_OK) {
		/* Created in amoCRM: never again. Say so loudly. */
		log_errx("%zu leads were created in amoCRM but their ids "
		         "could not be stored: %s",
		    b.n, err_str(rc));
		snprintf(out->error, sizeof(out->error),
		    "created in amoCRM, ids not stored: %s", err_str(rc));
		out->permanent = 1;
		goto out;
	}
	out->pushed = (long long)b.n;
	log_info("%zu landing leads created in amoCRM", b.n);
	goto out;
fail:
	outcome(out, rc, &st);
	if (landing_leads_push_failed(landing, &b, out->permanent,
	        out->error) != ERR_OK)
		log_warnx("could not record a failed push of %zu leads", b.n);
out:
	for (i = 0; i < AMOCRM_COMPLEX_MAX; i++)
		free(names[i]);
	landing_push_batch_free(&b);
	return rc;
}
