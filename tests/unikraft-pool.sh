# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by the match and build tests after lib.sh: sets POOL to the
# Unikraft 0.17 pool data beside the repository, or fails and exits.
POOL=$TOP/../shared/unikraft-pool
if [ ! -d "$POOL" ]; then
	fail "pool data present" \
		"$POOL not found: the Unikraft 0.17 pool data must sit beside the repository"
	exit 0
fi
