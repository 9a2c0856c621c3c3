#include <stdlib.h>
#include <strings.h>

#include "amocrm/field.h"

void
amo_fields_free(struct amo_field *v, size_t n)
{
	size_t i, j;

	for (i = 0; v != NULL && i < n; i++) {
		for (j = 0; j < v[i].nvalues; j++)
			free(v[i].values[j]);
		free(v[i].values);
		free(v[i].name);
		free(v[i].code);
	}
	free(v);
}

const char *
amo_field_value(const struct amo_field *v, size_t n, long long id,
    const char *name)
{
	const struct amo_field *f;
	size_t i;

	for (i = 0; id != 0 && i < n; i++)
		if (v[i].id == id && v[i].nvalues > 0)
			return v[i].values[0];
	for (i = 0; name != NULL && i < n; i++) {
		f = &v[i];
		if (f->nvalues > 0 &&
		    ((f->code != NULL && strcasecmp(f->code, name) == 0) ||
		        (f->name != NULL && strcasecmp(f->name, name) == 0)))
			return f->values[0];
	}
	return NULL;
}
