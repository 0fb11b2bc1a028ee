/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenlab.h - the old name of the lab library's header (../lib/lab.h), for
 * the programs not moved onto it yet.
 */
#ifndef XENLAB_H
#define XENLAB_H

#include "lab.h"

#endif /* XENLAB_H */
