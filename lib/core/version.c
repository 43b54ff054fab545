#include <gnnrec/version.h>

int gr_version(void) { return GR_VERSION_NUMBER; }

const char *gr_version_string(void) { return GR_VERSION_STRING; }
