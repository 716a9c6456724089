/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr.h - the reservations of one logical unit (scsi_pr.c): SPC-4
 * persistent reservations and SPC-2 RESERVE/RELEASE over struct scsi_pr
 * in struct scsi_lun.  Called by scsi_exec (scsi.c) and by the tests;
 * nothing else changes a LUN's reservations.  Pure, like scsi.h.
 */
#ifndef RACKBOOT_SCSI_PR_H
#define RACKBOOT_SCSI_PR_H

#include <stddef.h>
#include <stdint.h>

#include "scsi/scsi.h"

/** 1 if @p nexus may not run @p cdb because of a reservation (SPC-4 5.9.1, Table 180). */
int scsi_pr_conflict(const struct scsi_lun *lun, uint64_t nexus, const uint8_t *cdb);

/** PERSISTENT RESERVE IN (SPC-4 6.15): builds the data in c->buf. */
void scsi_pr_in(struct scsi_lun *lun, struct scsi_cmd *c);

/** PERSISTENT RESERVE OUT (SPC-4 6.16) with its parameter list. */
void scsi_pr_out(struct scsi_lun *lun, struct scsi_cmd *c, const uint8_t *param, size_t len);

/** RESERVE(6/10) and RELEASE(6/10) (SPC-2 7.21, 7.17). */
void scsi_pr_reserve6(struct scsi_lun *lun, struct scsi_cmd *c);
void scsi_pr_release6(struct scsi_lun *lun, struct scsi_cmd *c);

/**
 * A nexus went away (logout, connection loss): its SPC-2 reservation is
 * released; its persistent registrations stay (SPC-4 5.9.1).
 */
void scsi_pr_nexus_gone(struct scsi_pr *pr, uint64_t nexus);

/**
 * A reset: the SPC-2 reservation is released (SPC-2 7.21); with @p power_on
 * (TARGET COLD RESET) the registrations and the persistent reservation go
 * too, since APTPL is not supported, and the generation restarts at 0.
 */
void scsi_pr_reset(struct scsi_pr *pr, int power_on);

#endif
