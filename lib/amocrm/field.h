#ifndef AMOSYNC_AMOCRM_FIELD_H
#define AMOSYNC_AMOCRM_FIELD_H

#include <stddef.h>

/*
 * A custom field of an amoCRM lead, the same whether it came in a
 * webhook body (amocrm/webhook) or from the API (amocrm/api): docs/amocrm.md
 * section 2.2. All strings are owned by the field.
 */
struct amo_field {
	long long id;  /* field id, 0 when absent */
	char *name;    /* NULL when absent */
	char *code;    /* NULL when absent or null */
	char **values; /* the values as text (numbers too), in order */
	size_t nvalues;
};

/* Frees the n fields of v and v itself. */
void amo_fields_free(struct amo_field *v, size_t n);

/*
 * Returns the first value of the field with this id (id 0: none), else of
 * the first field whose code or name equals name case-insensitively (name
 * may be NULL), skipping fields without values; NULL when none. Borrowed.
 */
const char *amo_field_value(const struct amo_field *v, size_t n, long long id,
    const char *name);

#endif
