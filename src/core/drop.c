// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/drop.h"

static const char *const drop_names[DROP_MAX] = {
#define TF_DROP_NAME(id, name, desc) [DROP_##id] = name,
	TF_DROP_REASONS(TF_DROP_NAME)
#undef TF_DROP_NAME
};

static const char *const drop_descs[DROP_MAX] = {
#define TF_DROP_DESC(id, name, desc) [DROP_##id] = desc,
	TF_DROP_REASONS(TF_DROP_DESC)
#undef TF_DROP_DESC
};

const char *drop_name(enum tf_drop reason)
{
	return (unsigned int)reason < DROP_MAX ? drop_names[reason] : "unknown";
}

const char *drop_desc(enum tf_drop reason)
{
	return (unsigned int)reason < DROP_MAX ? drop_descs[reason] : "unknown";
}
