/* SPDX-License-Identifier: MIT */
#pragma once

/* NULL-terminated arrays of owned strings, such as a fault's device list. */

/* Frees every string and the array. Accepts NULL and returns NULL. */
char **strv_free(char **l);
