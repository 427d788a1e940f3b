// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Does not compile: the build loop must report the file and line. */
int main(void)
{
	return missing_semicolon
}
