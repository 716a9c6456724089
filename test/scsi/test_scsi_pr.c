/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr.c - reservations: PERSISTENT RESERVE IN data byte for byte,
 * PERSISTENT RESERVE OUT as scripts of commands from three nexuses (each
 * row the command, its outcome, and the state and unit attentions after
 * it, with its own line so a failure names the row), the conflict table as
 * one row per command across the six types, and SPC-2 RESERVE/RELEASE.
 * The libiscsi conformance sequences (ProutReserve Access and Ownership,
 * ProutPreempt, ProutClear, Reserve6) are replayed here.  Parameter lists
 * and Data-In buffers are heap blocks of exactly their size so that
 * AddressSanitizer sees any access past them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scsi/scsi.h"
#include "scsi/scsi_pr.h"

/* Three nexuses; N3 never registers unless a test says so. */
#define N1 0x101
#define N2 0x102
#define N3 0x103
#define K1 0x1111111111111111ULL
#define K2 0x2222222222222222ULL
#define K3 0x3333333333333333ULL

/* PERSISTENT RESERVE OUT service actions and types (SPC-4 6.16) */
#define REG   0
#define RES   1
#define REL   2
#define CLR   3
#define PRE   4
#define PAB   5
#define RAIEK 6
#define WE    1
#define EA    3
#define WERO  5
#define EARO  6
#define WEAR  7
#define EAAR  8

/* Outcomes: GOOD, RESERVATION CONFLICT, or CHECK CONDITION with that ASC. */
#define GOOD   0u
#define RC     0x18u
#define CHK(a) (0x10000u | (a))
#define ICDB   CHK(ASC_INVALID_FIELD_CDB)
#define IPARAM CHK(ASC_INVALID_FIELD_PARAM)
#define PLEN   CHK(ASC_PARAM_LIST_LENGTH)

#define PREEMPTED ASC_REGISTRATIONS_PREEMPTED
#define RELEASED  ASC_RESERVATIONS_RELEASED
#define RPREEMPT  ASC_RESERVATIONS_PREEMPTED

struct fx {
	struct scsi_lun lun;
	uint8_t *buf; /* SCSI_BUF_MIN bytes on the heap */
	uint8_t cdb[16];
	struct scsi_cmd c;
};

static const char *port_of(uint64_t nexus)
{
	switch (nexus) {
	case N1: return "iqn.2024-01.org.example:host1,i,0x23d000000001";
	case N2: return "iqn.2024-01.org.example:host2,i,0x23d000000002";
	default: return "iqn.2024-01.org.example:host3,i,0x23d000000003";
	}
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t i;

	assert_non_null(f);
	f->buf = malloc(SCSI_BUF_MIN);
	assert_non_null(f->buf);
	f->lun.blocks = 2048;
	f->lun.block_size = 512;
	f->lun.rel_port = 1;
	scsi_nexus_add(&f->lun, N1);
	scsi_nexus_add(&f->lun, N2);
	scsi_nexus_add(&f->lun, N3);
	for (i = 0; i < SCSI_NEXUS_MAX; i++)
		f->lun.ua[i].asc = ASC_NONE;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	free(f->buf);
	free(f);
	return 0;
}

/* The pending unit attention of @p nexus, cleared as reporting it would. */
static uint16_t ua_take(struct fx *f, uint64_t nexus)
{
	uint16_t asc;
	size_t i;

	for (i = 0; i < SCSI_NEXUS_MAX; i++)
		if (f->lun.ua[i].nexus == nexus) {
			asc = f->lun.ua[i].asc;
			f->lun.ua[i].asc = ASC_NONE;
			return asc;
		}
	fail_msg("nexus %#llx unknown", (unsigned long long)nexus);
	return 0;
}

static void cmd_init(struct fx *f, uint64_t nexus)
{
	memset(&f->c, 0, sizeof(f->c));
	f->c.cdb = f->cdb;
	f->c.nexus = nexus;
	f->c.port = port_of(nexus);
	f->c.buf = f->buf;
	f->c.cap = SCSI_BUF_MIN;
	f->c.action = SCSI_A_PARAM; /* must become SCSI_A_DONE */
	f->c.status = 0xff;
	f->c.in_len = 0xdead;
}

static uint32_t outcome(const struct scsi_cmd *c)
{
	assert_int_equal(c->action, SCSI_A_DONE);
	if (c->status != SCSI_CHECK_CONDITION)
		return c->status;
	assert_true(c->sense_len >= 18);
	assert_int_equal(c->sense[0] & 0x7f, 0x70);
	assert_int_equal(c->sense[2] & 0x0f, SK_ILLEGAL_REQUEST);
	return 0x10000u | (uint32_t)c->sense[12] << 8 | c->sense[13];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/*
 * PERSISTENT RESERVE OUT with PARAMETER LIST LENGTH @p plen and @p len
 * bytes of parameter data (byte 20 = @p flags).
 */
static uint32_t prout_raw(struct fx *f, uint64_t nexus, uint8_t sa, uint8_t type, uint64_t rk,
                          uint64_t sark, uint8_t flags, uint32_t plen, size_t len)
{
	uint8_t full[24] = {0};
	uint8_t *p = malloc(len ? len : 1);
	uint32_t r;

	assert_non_null(p);
	put64(full, rk);
	put64(full + 8, sark);
	full[20] = flags;
	memset(p, 0, len);
	memcpy(p, full, len < sizeof(full) ? len : sizeof(full));
	memset(f->cdb, 0, sizeof(f->cdb));
	f->cdb[0] = 0x5f;
	f->cdb[1] = sa;
	f->cdb[2] = type;
	put32(f->cdb + 5, plen);
	cmd_init(f, nexus);
	scsi_pr_out(&f->lun, &f->c, p, len);
	free(p);
	r = outcome(&f->c);
	assert_int_equal(f->c.in_len, 0);
	return r;
}

/* REGISTER AND IGNORE EXISTING KEY from @p nexus with initiator port @p port. */
static uint32_t register_port(struct fx *f, uint64_t nexus, const char *port, uint64_t key)
{
	uint8_t p[24] = {0};

	put64(p + 8, key);
	memset(f->cdb, 0, sizeof(f->cdb));
	f->cdb[0] = 0x5f;
	f->cdb[1] = RAIEK;
	f->cdb[8] = sizeof(p);
	cmd_init(f, nexus);
	f->c.port = port;
	scsi_pr_out(&f->lun, &f->c, p, sizeof(p));
	return outcome(&f->c);
}

static uint32_t prout(struct fx *f, uint64_t nexus, uint8_t sa, uint8_t type, uint64_t rk,
                      uint64_t sark)
{
	return prout_raw(f, nexus, sa, type, rk, sark, 0, 24, 24);
}

/* PERSISTENT RESERVE IN; the data is in f->buf, f->c.in_len bytes. */
static uint32_t prin(struct fx *f, uint64_t nexus, uint8_t sa, uint16_t alloc)
{
	memset(f->cdb, 0, sizeof(f->cdb));
	f->cdb[0] = 0x5e;
	f->cdb[1] = sa;
	f->cdb[7] = (uint8_t)(alloc >> 8);
	f->cdb[8] = (uint8_t)alloc;
	cmd_init(f, nexus);
	memset(f->buf, 0xee, SCSI_BUF_MIN);
	scsi_pr_in(&f->lun, &f->c);
	return outcome(&f->c);
}

/* RESERVE or RELEASE, 6- or 10-byte, with CDB byte 1 = @p b1. */
static uint32_t spc2(struct fx *f, uint64_t nexus, uint8_t op, uint8_t b1)
{
	memset(f->cdb, 0, sizeof(f->cdb));
	f->cdb[0] = op;
	f->cdb[1] = b1;
	cmd_init(f, nexus);
	if (op == 0x16 || op == 0x56)
		scsi_pr_reserve6(&f->lun, &f->c);
	else
		scsi_pr_release6(&f->lun, &f->c);
	return outcome(&f->c);
}

/* scsi_pr_conflict for a CDB given as its first bytes. */
static int conflict(struct fx *f, uint64_t nexus, const uint8_t *b, size_t n)
{
	uint8_t cdb[16] = {0};

	memcpy(cdb, b, n);
	return scsi_pr_conflict(&f->lun, nexus, cdb);
}

static const uint8_t READ10[] = {0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0};
static const uint8_t WRITE10[] = {0x2a, 0, 0, 0, 0, 1, 0, 0, 1, 0};

/*
 * A script row: the command, its outcome, then the state after it: the
 * generation, the number of registrations, the reservation type held (0:
 * none) and, unless all registrants, its holder; and the unit attentions
 * pending for N1, N2, N3 (each taken, so a row sees only its own).
 */
struct step {
	int line;
	uint64_t nexus;
	uint8_t sa, type;
	uint64_t rk, sark;
	uint32_t want;
	uint32_t gen;
	size_t nreg;
	uint8_t held;
	uint64_t holder;
	uint16_t ua[3];
};

/* A row with no unit attention after it, and one with those for N1, N2, N3. */
#define S(...)                                                                                     \
	{                                                                                          \
		__LINE__, __VA_ARGS__,                                                             \
		{                                                                                  \
			0, 0, 0                                                                    \
		}                                                                                  \
	}
#define U(...)                                                                                     \
	{                                                                                          \
		__LINE__, __VA_ARGS__                                                              \
	}

static void run_steps(struct fx *f, const struct step *s, size_t n)
{
	static const uint64_t nexus[3] = {N1, N2, N3};
	const struct scsi_pr *pr = &f->lun.pr;
	size_t i, k;

	for (i = 0; i < n; i++, s++) {
		uint32_t r = prout(f, s->nexus, s->sa, s->type, s->rk, s->sark);

		if (r != s->want)
			fail_msg("line %d: outcome %#x, want %#x", s->line, r, s->want);
		if (pr->generation != s->gen)
			fail_msg("line %d: generation %u, want %u", s->line, pr->generation,
			         s->gen);
		if (pr->nreg != s->nreg)
			fail_msg("line %d: %zu registrations, want %zu", s->line, pr->nreg,
			         s->nreg);
		if ((pr->held ? pr->type : 0) != s->held)
			fail_msg("line %d: reservation type %d, want %d", s->line,
			         pr->held ? pr->type : 0, s->held);
		if (s->held && s->held != WEAR && s->held != EAAR && pr->holder != s->holder)
			fail_msg("line %d: holder %#llx", s->line, (unsigned long long)pr->holder);
		for (k = 0; k < 3; k++) {
			uint16_t ua = ua_take(f, nexus[k]);

			if (ua != s->ua[k])
				fail_msg("line %d: N%zu unit attention %#x, want %#x", s->line,
				         k + 1, ua, s->ua[k]);
		}
	}
}

#define RUN(f, steps) run_steps((f), (steps), sizeof(steps) / sizeof((steps)[0]))

/* --- PERSISTENT RESERVE OUT scripts --- */

/* SPC-4 5.9.7: REGISTER and REGISTER AND IGNORE EXISTING KEY. */
static void test_register(void **state)
{
	static const struct step s[] = {
	        /* unregistered: a reservation key other than 0 conflicts */
	        S(N1, REG, 0, 5, K1, RC, 0, 0, 0, 0),
	        S(N1, REG, 0, 0, 0, GOOD, 1, 0, 0, 0), /* nothing to do, still counted */
	        S(N1, REG, 0, 0, K1, GOOD, 2, 1, 0, 0),
	        /* libiscsi ProutRegister: registering again with key 0 conflicts */
	        S(N1, REG, 0, 0, K1 + 1, RC, 2, 1, 0, 0),
	        S(N1, REG, 0, K2, K3, RC, 2, 1, 0, 0),
	        S(N1, REG, 0, K1, K3, GOOD, 3, 1, 0, 0), /* new key */
	        S(N2, RAIEK, 0, 99, K2, GOOD, 4, 2, 0, 0),
	        S(N2, RAIEK, 0, 98, K1, GOOD, 5, 2, 0, 0), /* keys may repeat */
	        S(N1, REG, 0, K3, 0, GOOD, 6, 1, 0, 0),    /* unregister */
	        S(N2, RAIEK, 0, 0, 0, GOOD, 7, 0, 0, 0),
	        S(N2, RAIEK, 0, 0, 0, GOOD, 8, 0, 0, 0),
	};
	struct fx *f = *state;

	RUN(f, s);
}

/* SPC-4 5.9.9, 5.9.11.2: RESERVE and RELEASE; neither changes the generation. */
static void test_reserve_release(void **state)
{
	static const struct step s[] = {
	        S(N1, RAIEK, 0, 0, K1, GOOD, 1, 1, 0, 0),
	        S(N2, RAIEK, 0, 0, K2, GOOD, 2, 2, 0, 0),
	        S(N3, RES, WE, 0, 0, RC, 2, 2, 0, 0),  /* unregistered */
	        S(N1, RES, WE, K2, 0, RC, 2, 2, 0, 0), /* wrong key */
	        S(N1, RES, 2, K1, 0, ICDB, 2, 2, 0, 0),
	        S(N1, RES, 0x10 | WE, K1, 0, ICDB, 2, 2, 0, 0), /* scope */
	        S(N1, RES, WE, K1, 0, GOOD, 2, 2, WE, N1),
	        S(N1, RES, WE, K1, 0, GOOD, 2, 2, WE, N1), /* again: no change */
	        S(N1, RES, EA, K1, 0, RC, 2, 2, WE, N1),   /* another type */
	        S(N2, RES, WE, K2, 0, RC, 2, 2, WE, N1),
	        S(N2, REL, WE, K2, 0, GOOD, 2, 2, WE, N1), /* not the holder: no-op */
	        S(N3, REL, WE, 0, 0, RC, 2, 2, WE, N1),
	        S(N1, REL, EA, K1, 0, CHK(ASC_INVALID_RELEASE_PR), 2, 2, WE, N1),
	        S(N1, REL, WE, K1, 0, GOOD, 2, 2, 0, 0),
	        S(N1, REL, WE, K1, 0, GOOD, 2, 2, 0, 0), /* nothing held */
	        /* registrants only: releasing tells the other registrants */
	        S(N2, RES, WERO, K2, 0, GOOD, 2, 2, WERO, N2),
	        U(N2, REL, WERO, K2, 0, GOOD, 2, 2, 0, 0, {RELEASED, 0, 0}),
	        /* all registrants: any registrant holds it, and may release it */
	        S(N1, RES, EAAR, K1, 0, GOOD, 2, 2, EAAR, 0),
	        S(N2, RES, EAAR, K2, 0, GOOD, 2, 2, EAAR, 0),
	        S(N2, RES, WEAR, K2, 0, RC, 2, 2, EAAR, 0),
	        U(N2, REL, EAAR, K2, 0, GOOD, 2, 2, 0, 0, {RELEASED, 0, 0}),
	};
	struct fx *f = *state;

	RUN(f, s);
}

/*
 * SPC-4 5.9.11.3: unregistering the holder releases its reservation (and
 * tells the registrants of a registrants only type); an all registrants
 * reservation stays until the last registrant goes.  This is libiscsi's
 * ProutReserve.Ownership* for each type.
 */
static void test_ownership(void **state)
{
	static const struct step s[] = {
	        S(N1, RAIEK, 0, 0, K1, GOOD, 1, 1, 0, 0),
	        S(N2, RAIEK, 0, 0, K2, GOOD, 2, 2, 0, 0),

	        S(N1, RES, EA, K1, 0, GOOD, 2, 2, EA, N1),
	        S(N1, REG, 0, K1, 0, GOOD, 3, 1, 0, 0),
	        S(N1, RAIEK, 0, 0, K1, GOOD, 4, 2, 0, 0),
	        S(N1, RES, WE, K1, 0, GOOD, 4, 2, WE, N1),
	        S(N1, REG, 0, K1, 0, GOOD, 5, 1, 0, 0),
	        S(N1, RAIEK, 0, 0, K1, GOOD, 6, 2, 0, 0),
	        S(N1, RES, EARO, K1, 0, GOOD, 6, 2, EARO, N1),
	        U(N1, REG, 0, K1, 0, GOOD, 7, 1, 0, 0, {0, RELEASED, 0}),
	        S(N1, RAIEK, 0, 0, K1, GOOD, 8, 2, 0, 0),
	        S(N1, RES, WERO, K1, 0, GOOD, 8, 2, WERO, N1),
	        U(N1, REG, 0, K1, 0, GOOD, 9, 1, 0, 0, {0, RELEASED, 0}),
	        S(N1, RAIEK, 0, 0, K1, GOOD, 10, 2, 0, 0),
	        S(N1, RES, EAAR, K1, 0, GOOD, 10, 2, EAAR, 0),
	        S(N1, REG, 0, K1, 0, GOOD, 11, 1, EAAR, 0), /* shared: stays */
	        S(N2, REL, EAAR, K2, 0, GOOD, 11, 1, 0, 0),
	        S(N1, RAIEK, 0, 0, K1, GOOD, 12, 2, 0, 0),
	        S(N1, RES, WEAR, K1, 0, GOOD, 12, 2, WEAR, 0),
	        S(N1, REG, 0, K1, 0, GOOD, 13, 1, WEAR, 0),
	        S(N2, REG, 0, K2, 0, GOOD, 14, 0, 0, 0), /* the last one: released */
	        /* a key change keeps the reservation with the nexus */
	        S(N1, RAIEK, 0, 0, K1, GOOD, 15, 1, 0, 0),
	        S(N1, RES, WE, K1, 0, GOOD, 15, 1, WE, N1),
	        S(N1, REG, 0, K1, K3, GOOD, 16, 1, WE, N1),
	        S(N1, REL, WE, K3, 0, GOOD, 16, 1, 0, 0),
	};
	struct fx *f = *state;

	RUN(f, s);
}

/* SPC-4 5.9.11.6: CLEAR, which counts once; libiscsi ProutClear.Simple. */
static void test_clear(void **state)
{
	static const struct step s[] = {
	        S(N1, RAIEK, 0, 0, K1, GOOD, 1, 1, 0, 0),
	        S(N2, RAIEK, 0, 0, K2, GOOD, 2, 2, 0, 0),
	        S(N1, RES, EA, K1, 0, GOOD, 2, 2, EA, N1),
	        S(N3, CLR, 0, 0, 0, RC, 2, 2, EA, N1),
	        S(N2, CLR, 0, K1, 0, RC, 2, 2, EA, N1),
	        U(N2, CLR, 0, K2, 0, GOOD, 3, 0, 0, 0, {RPREEMPT, 0, 0}),
	        S(N1, RAIEK, 0, 0, K1, GOOD, 4, 1, 0, 0),
	        S(N1, CLR, 0, K1, 0, GOOD, 5, 0, 0, 0),
	};
	struct fx *f = *state;

	RUN(f, s);
}

/*
 * SPC-4 5.9.11.4: PREEMPT without a reservation removes registrations
 * (libiscsi ProutPreempt.RemoveRegistration: one generation step), of the
 * holder takes its reservation, of all registrants with key 0 takes it
 * from everyone.
 */
static void test_preempt(void **state)
{
	static const struct step s[] = {
	        S(N1, RAIEK, 0, 0, K1, GOOD, 1, 1, 0, 0),
	        S(N1, CLR, 0, K1, 0, GOOD, 2, 0, 0, 0),
	        S(N1, RAIEK, 0, 0, K1, GOOD, 3, 1, 0, 0),
	        S(N2, RAIEK, 0, 0, K2, GOOD, 4, 2, 0, 0),
	        S(N3, PRE, EA, 0, K1, RC, 4, 2, 0, 0),     /* unregistered */
	        S(N2, PRE, EA, K2, 0, IPARAM, 4, 2, 0, 0), /* key 0, no reservation */
	        S(N2, PRE, EA, K2, K3, RC, 4, 2, 0, 0),    /* nobody has K3 */
	        S(N2, PRE, 2, K2, K1, ICDB, 4, 2, 0, 0),
	        U(N2, PRE, EA, K2, K1, GOOD, 5, 1, 0, 0, {PREEMPTED, 0, 0}),

	        /* the holder's key: its reservation passes, in the new type */
	        S(N1, RAIEK, 0, 0, K1, GOOD, 6, 2, 0, 0),
	        S(N3, RAIEK, 0, 0, K3, GOOD, 7, 3, 0, 0),
	        S(N1, RES, WERO, K1, 0, GOOD, 7, 3, WERO, N1),
	        U(N2, PRE, EARO, K2, K1, GOOD, 8, 2, EARO, N2, {PREEMPTED, 0, RELEASED}),
	        /* its own, to change the type */
	        U(N2, PRE, EA, K2, K2, GOOD, 9, 2, EA, N2, {0, 0, RELEASED}),
	        /* PREEMPT AND ABORT; same type: nobody told but the preempted */
	        S(N1, RAIEK, 0, 0, K1, GOOD, 10, 3, EA, N2),
	        U(N1, PAB, EA, K1, K2, GOOD, 11, 2, EA, N1, {0, PREEMPTED, 0}),
	        S(N1, REL, EA, K1, 0, GOOD, 11, 2, 0, 0),

	        /* all registrants, key 0: everyone else goes */
	        S(N2, RAIEK, 0, 0, K2, GOOD, 12, 3, 0, 0),
	        S(N1, RES, WEAR, K1, 0, GOOD, 12, 3, WEAR, 0),
	        U(N2, PRE, EA, K2, 0, GOOD, 13, 1, EA, N2, {PREEMPTED, 0, PREEMPTED}),
	        /* its own again, same type: nothing happens but the count */
	        S(N1, RAIEK, 0, 0, K1, GOOD, 14, 2, EA, N2),
	        S(N3, RAIEK, 0, 0, K1, GOOD, 15, 3, EA, N2), /* shares K1 */
	        S(N2, PRE, EA, K2, K2, GOOD, 16, 3, EA, N2),
	        S(N2, REL, EA, K2, 0, GOOD, 16, 3, 0, 0),
	        /* all registrants, a key: only those registrations go, both */
	        S(N2, RES, EAAR, K2, 0, GOOD, 16, 3, EAAR, 0),
	        U(N2, PRE, EAAR, K2, K1, GOOD, 17, 1, EAAR, 0, {PREEMPTED, 0, PREEMPTED}),
	};
	struct fx *f = *state;

	RUN(f, s);
}

/* --- PERSISTENT RESERVE OUT parameter list --- */

struct param_vec {
	int line;
	uint8_t sa, type, flags;
	uint32_t plen;
	size_t len;
	uint32_t want;
};

static void test_prout_params(void **state)
{
	static const struct param_vec v[] = {
	        {__LINE__, RAIEK, 0, 0, 0, 0, PLEN},
	        {__LINE__, RAIEK, 0, 0, 23, 23, PLEN},
	        {__LINE__, RAIEK, 0, 0, 25, 25, PLEN},
	        {__LINE__, RAIEK, 0, 0, 24, 16, PLEN}, /* less data than announced */
	        {__LINE__, RAIEK, 0, 0, 4096, 24, PLEN},
	        {__LINE__, RAIEK, 0, 0x08, 24, 24, IPARAM}, /* SPEC_I_PT */
	        {__LINE__, RAIEK, 0, 0x08, 48, 48, IPARAM},
	        {__LINE__, RAIEK, 0, 0x04, 24, 24, IPARAM}, /* ALL_TG_PT */
	        {__LINE__, REG, 0, 0x01, 24, 24, IPARAM},   /* APTPL */
	        {__LINE__, 7, 0, 0, 24, 24, ICDB},          /* REGISTER AND MOVE */
	        {__LINE__, 8, 0, 0, 24, 24, ICDB},
	        {__LINE__, 0x1f, 0, 0, 24, 24, ICDB},
	        {__LINE__, RAIEK, 0, 0, 24, 24, GOOD},
	        {__LINE__, RAIEK, 0, 0, 24, 100, GOOD},  /* trailing data ignored */
	        {__LINE__, RES, WE, 0x05, 24, 24, GOOD}, /* ignored but for registering */
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t r = prout_raw(f, N1, v[i].sa, v[i].type, K1, K1, v[i].flags, v[i].plen,
		                       v[i].len);

		if (r != v[i].want)
			fail_msg("line %d: outcome %#x, want %#x", v[i].line, r, v[i].want);
	}
	assert_int_equal(f->lun.pr.nreg, 1);
	assert_int_equal(f->lun.pr.generation, 2);
}

/* SPC-4 5.9.7: no room for one more registration; re-keying still works. */
static void test_registrations_full(void **state)
{
	struct fx *f = *state;
	uint64_t n;

	for (n = 1; n <= SCSI_PR_MAX; n++)
		assert_int_equal(prout(f, 0x1000 + n, RAIEK, 0, 0, n), GOOD);
	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), CHK(ASC_INSUFFICIENT_REG_RESOURCES));
	assert_int_equal(f->lun.pr.nreg, SCSI_PR_MAX);
	assert_int_equal(f->lun.pr.generation, SCSI_PR_MAX);
	assert_int_equal(prout(f, 0x1001, REG, 0, 1, K1), GOOD);
	assert_int_equal(prout(f, 0x1001, REG, 0, K1, 0), GOOD);
	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
}

/* --- PERSISTENT RESERVE IN --- */

static void test_read_keys(void **state)
{
	struct fx *f = *state;

	assert_int_equal(prin(f, N1, 0, 16384), GOOD);
	assert_int_equal(f->c.in_len, 8);
	assert_int_equal(get32(f->buf), 0);
	assert_int_equal(get32(f->buf + 4), 0);

	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
	assert_int_equal(prout(f, N2, RAIEK, 0, 0, K2), GOOD);
	assert_int_equal(prin(f, N3, 0, 16384), GOOD); /* anyone may read */
	assert_int_equal(f->c.in_len, 24);
	assert_int_equal(get32(f->buf), 2);
	assert_int_equal(get32(f->buf + 4), 16);
	assert_true(get64(f->buf + 8) == K1);
	assert_true(get64(f->buf + 16) == K2);

	/* libiscsi PrinReadKeys.Truncate: the length is not cut with the data */
	assert_int_equal(prin(f, N1, 0, 8), GOOD);
	assert_int_equal(f->c.in_len, 8);
	assert_int_equal(get32(f->buf + 4), 16);
	assert_int_equal(f->buf[8], 0xee);
	assert_int_equal(prin(f, N1, 0, 12), GOOD);
	assert_int_equal(f->c.in_len, 12);
	assert_int_equal(f->buf[11], 0x11);
	assert_int_equal(f->buf[12], 0xee);
	assert_int_equal(prin(f, N1, 0, 0), GOOD);
	assert_int_equal(f->c.in_len, 0);
}

static void test_read_reservation(void **state)
{
	static const uint8_t none[] = {0, 0, 0, 2, 0, 0, 0, 0};
	static const uint8_t we[] = {0,    0,    0,    2,    0, 0, 0, 16, 0x22, 0x22, 0x22, 0x22,
	                             0x22, 0x22, 0x22, 0x22, 0, 0, 0, 0,  0,    0x01, 0,    0};
	static const uint8_t eaar[] = {0, 0, 0, 2, 0, 0, 0, 16, 0, 0,    0, 0,
	                               0, 0, 0, 0, 0, 0, 0, 0,  0, 0x08, 0, 0};
	struct fx *f = *state;

	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
	assert_int_equal(prout(f, N2, RAIEK, 0, 0, K2), GOOD);
	assert_int_equal(prin(f, N1, 1, 100), GOOD);
	assert_int_equal(f->c.in_len, sizeof(none));
	assert_memory_equal(f->buf, none, sizeof(none));

	assert_int_equal(prout(f, N2, RES, WE, K2, 0), GOOD);
	assert_int_equal(prin(f, N1, 1, 100), GOOD);
	assert_int_equal(f->c.in_len, sizeof(we));
	assert_memory_equal(f->buf, we, sizeof(we));
	assert_int_equal(prout(f, N2, REL, WE, K2, 0), GOOD);

	/* all registrants: key 0 (SPC-4 6.15.3) */
	assert_int_equal(prout(f, N1, RES, EAAR, K1, 0), GOOD);
	assert_int_equal(prin(f, N3, 1, 100), GOOD);
	assert_int_equal(f->c.in_len, sizeof(eaar));
	assert_memory_equal(f->buf, eaar, sizeof(eaar));
	assert_int_equal(prin(f, N3, 1, 10), GOOD);
	assert_int_equal(f->c.in_len, 10);
}

/* libiscsi PrinReportCapabilities.Simple wants length 8 and ALLOW COMMANDS <= 5. */
static void test_report_caps(void **state)
{
	static const uint8_t want[] = {0, 8, 0x00, 0xb0, 0xea, 0x01, 0, 0};
	struct fx *f = *state;

	assert_int_equal(prin(f, N1, 2, 16384), GOOD);
	assert_int_equal(f->c.in_len, sizeof(want));
	assert_memory_equal(f->buf, want, sizeof(want));
	assert_int_equal(prin(f, N1, 2, 4), GOOD);
	assert_int_equal(f->c.in_len, 4);
}

/* libiscsi PrinServiceactionRange.Range: 0 to 3 work, 4 to 0x1f do not. */
static void test_prin_service_actions(void **state)
{
	struct fx *f = *state;
	uint8_t sa;

	for (sa = 0; sa < 4; sa++)
		assert_int_equal(prin(f, N1, sa, 16384), GOOD);
	for (sa = 4; sa < 0x20; sa++) {
		assert_int_equal(prin(f, N1, sa, 16384), ICDB);
		assert_int_equal(f->c.in_len, 0);
	}
}

/* SPC-4 6.15.5, 7.6.4.6: descriptors with iSCSI initiator port TransportIDs. */
static void test_read_full_status(void **state)
{
	/* N1: 46 characters + NUL, padded to 48; N2 short: padded to 20 */
	static const char p1[] = "iqn.2024-01.org.example:host1,i,0x23d000000001";
	static const uint8_t d2[] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0,   0,
	                             0,    0,    0x00, 0x00, 0,    0,    0,    0,    0,   1,
	                             0,    0,    0,    24,   0x45, 0,    0,    20,   'i', 'q',
	                             'n',  '.',  'b',  ',',  'i',  ',',  '0',  'x',  '1', 0,
	                             0,    0,    0,    0,    0,    0,    0,    0};
	static const uint8_t d3[] = {0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0,   0,   0,
	                             0,    0,    0,    0,    0,    0,    0,    0,    1,   0,   0,
	                             0,    24,   0x05, 0,    0,    20,   'i',  'q',  'n', '.', 'c'};
	struct fx *f = *state;
	const uint8_t *d;

	assert_int_equal(register_port(f, N1, p1, K1), GOOD);
	assert_int_equal(register_port(f, N2, "iqn.b,i,0x1", K2), GOOD);
	assert_int_equal(register_port(f, N3, "iqn.c", K3), GOOD); /* no ISID: format 00b */
	assert_int_equal(prout(f, N1, RES, WERO, K1, 0), GOOD);

	assert_int_equal(prin(f, N1, 3, 16384), GOOD);
	assert_int_equal(get32(f->buf), 3);
	assert_int_equal(get32(f->buf + 4), (24 + 4 + 48) + 48 + 48);
	assert_int_equal(f->c.in_len, 8 + 76 + 48 + 48);
	d = f->buf + 8;
	assert_true(get64(d) == K1);
	assert_int_equal(d[12], 0x01); /* R_HOLDER */
	assert_int_equal(d[13], WERO);
	assert_int_equal(d[18] << 8 | d[19], 1);
	assert_int_equal(get32(d + 20), 52);
	assert_int_equal(d[24], 0x45);
	assert_int_equal(d[26] << 8 | d[27], 48);
	assert_memory_equal(d + 28, p1, sizeof(p1)); /* with its NUL */
	assert_int_equal(d[28 + 47], 0);
	assert_memory_equal(f->buf + 8 + 76, d2, sizeof(d2));
	assert_memory_equal(f->buf + 8 + 76 + 48, d3, sizeof(d3));

	/* all registrants: every descriptor is a holder */
	assert_int_equal(prout(f, N1, REL, WERO, K1, 0), GOOD);
	assert_int_equal(prout(f, N2, RES, EAAR, K2, 0), GOOD);
	assert_int_equal(prin(f, N1, 3, 16384), GOOD);
	assert_int_equal(f->buf[8 + 12], 1);
	assert_int_equal(f->buf[8 + 76 + 12], 1);
	assert_int_equal(f->buf[8 + 76 + 48 + 13], EAAR);

	/* cut anywhere, the header still counts everything */
	assert_int_equal(prin(f, N1, 3, 30), GOOD);
	assert_int_equal(f->c.in_len, 30);
	assert_int_equal(get32(f->buf + 4), 172);
	assert_int_equal(f->buf[30], 0xee);
}

/* More than the buffer holds: the data stops at it and nothing overruns. */
static void test_read_full_status_big(void **state)
{
	struct fx *f = *state;
	char port[SCSI_PORT_MAX + 16];
	uint64_t n;

	memset(port, 'x', sizeof(port));
	port[sizeof(port) - 1] = 0;
	for (n = 1; n <= SCSI_PR_MAX; n++) /* too long: cut to SCSI_PORT_MAX - 1 */
		assert_int_equal(register_port(f, 0x1000 + n, port, n), GOOD);
	assert_int_equal(prin(f, N1, 3, 0xffff), GOOD);
	assert_int_equal(f->c.in_len, SCSI_BUF_MIN);
	/* name 255 + NUL = 256; descriptor 24 + 4 + 256 */
	assert_int_equal(get32(f->buf + 4), SCSI_PR_MAX * (24 + 4 + 256));
	assert_int_equal(f->buf[8 + 24 + 2] << 8 | f->buf[8 + 24 + 3], 256);
	assert_int_equal(f->buf[8 + 24 + 4 + 254], 'x');
	assert_int_equal(f->buf[8 + 24 + 4 + 255], 0);
}

/* --- Conflicts (SPC-4 5.9.1, SBC-3 4.17) --- */

/*
 * One row per command: for WE, EA, WERO, EARO, WEAR, EAAR in turn, what
 * the holder (N1), another registrant (N2) and a nexus not registered (N3)
 * get: A allowed, C conflict.
 */
struct conflict_vec {
	int line;
	uint8_t cdb[10];
	const char *want;
};

static void test_conflict_table(void **state)
{
	static const struct conflict_vec v[] = {
	        {__LINE__, {0x28}, "AAA ACC AAA AAC AAA AAC"},       /* READ(10) */
	        {__LINE__, {0x88}, "AAA ACC AAA AAC AAA AAC"},       /* READ(16) */
	        {__LINE__, {0x2f}, "AAA ACC AAA AAC AAA AAC"},       /* VERIFY(10) */
	        {__LINE__, {0x2a}, "ACC ACC AAC AAC AAC AAC"},       /* WRITE(10) */
	        {__LINE__, {0x8a}, "ACC ACC AAC AAC AAC AAC"},       /* WRITE(16) */
	        {__LINE__, {0x89}, "ACC ACC AAC AAC AAC AAC"},       /* COMPARE AND WRITE */
	        {__LINE__, {0x42}, "ACC ACC AAC AAC AAC AAC"},       /* UNMAP */
	        {__LINE__, {0x35}, "ACC ACC AAC AAC AAC AAC"},       /* SYNCHRONIZE CACHE */
	        {__LINE__, {0x15}, "ACC ACC AAC AAC AAC AAC"},       /* MODE SELECT(6) */
	        {__LINE__, {0x1a}, "AAA ACC AAA AAC AAA AAC"},       /* MODE SENSE(6) */
	        {__LINE__, {0x00}, "AAA AAA AAA AAA AAA AAA"},       /* TEST UNIT READY */
	        {__LINE__, {0x12}, "AAA AAA AAA AAA AAA AAA"},       /* INQUIRY */
	        {__LINE__, {0x03}, "AAA AAA AAA AAA AAA AAA"},       /* REQUEST SENSE */
	        {__LINE__, {0xa0}, "AAA AAA AAA AAA AAA AAA"},       /* REPORT LUNS */
	        {__LINE__, {0x25}, "AAA AAA AAA AAA AAA AAA"},       /* READ CAPACITY(10) */
	        {__LINE__, {0x9e, 0x10}, "AAA AAA AAA AAA AAA AAA"}, /* READ CAPACITY(16) */
	        {__LINE__, {0x9e, 0x12}, "AAA ACC AAA AAC AAA AAC"}, /* GET LBA STATUS */
	        {__LINE__, {0xa3, 0x0a}, "AAA AAA AAA AAA AAA AAA"}, /* REPORT TARGET PORT GROUPS */
	        {__LINE__, {0xa3, 0x0c}, "AAA ACC AAA AAC AAA AAC"}, /* REPORT SUPPORTED OPCODES */
	        {__LINE__, {0x5e}, "AAA AAA AAA AAA AAA AAA"},       /* PERSISTENT RESERVE IN */
	        {__LINE__, {0x5f, RES}, "AAA AAA AAA AAA AAA AAA"},  /* PR OUT: decided by keys */
	        {__LINE__, {0x1b, 0, 0, 0, 0x01}, "AAA AAA AAA AAA AAA AAA"}, /* START */
	        {__LINE__, {0x1b, 0, 0, 0, 0x00}, "ACC ACC AAC AAC AAC AAC"}, /* STOP */
	        {__LINE__, {0x1e, 0, 0, 0, 0x00}, "AAA AAA AAA AAA AAA AAA"}, /* ALLOW */
	        {__LINE__, {0x1e, 0, 0, 0, 0x01}, "ACC ACC AAC AAC AAC AAC"}, /* PREVENT */
	        {__LINE__, {0x16}, "CCC CCC CCC CCC CCC CCC"},                /* RESERVE(6) */
	        {__LINE__, {0x57}, "CCC CCC CCC CCC CCC CCC"},                /* RELEASE(10) */
	        {__LINE__, {0xc0}, "ACC ACC AAC AAC AAC AAC"},                /* vendor specific */
	};
	static const uint8_t types[6] = {WE, EA, WERO, EARO, WEAR, EAAR};
	static const uint64_t who[3] = {N1, N2, N3};
	struct fx *f = *state;
	size_t i, t, w;

	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
	assert_int_equal(prout(f, N2, RAIEK, 0, 0, K2), GOOD);
	for (t = 0; t < 6; t++) {
		assert_int_equal(prout(f, N1, RES, types[t], K1, 0), GOOD);
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			for (w = 0; w < 3; w++) {
				int want = v[i].want[t * 4 + w] == 'C';
				int got = conflict(f, who[w], v[i].cdb, sizeof(v[i].cdb));

				if (got != want)
					fail_msg("line %d: type %u, N%zu: conflict %d", v[i].line,
					         types[t], w + 1, got);
			}
		assert_int_equal(prout(f, N1, REL, types[t], K1, 0), GOOD);
	}
}

/* Registered, no reservation: only RESERVE and RELEASE conflict (CRH 0). */
static void test_conflict_unreserved(void **state)
{
	static const uint8_t res6[] = {0x16}, rel6[] = {0x17}, res10[] = {0x56};
	struct fx *f = *state;

	assert_int_equal(conflict(f, N3, WRITE10, sizeof(WRITE10)), 0);
	assert_int_equal(conflict(f, N3, res6, 1), 0);
	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
	assert_int_equal(conflict(f, N3, WRITE10, sizeof(WRITE10)), 0);
	assert_int_equal(conflict(f, N3, READ10, sizeof(READ10)), 0);
	assert_int_equal(conflict(f, N1, res6, 1), 1);
	assert_int_equal(conflict(f, N3, res10, 1), 1);
	assert_int_equal(conflict(f, N3, rel6, 1), 1);
	assert_int_equal(spc2(f, N3, 0x16, 0), RC);
	assert_int_equal(spc2(f, N1, 0x17, 0), RC);
	assert_int_equal(prout(f, N1, REG, 0, K1, 0), GOOD);
	assert_int_equal(spc2(f, N3, 0x16, 0), GOOD);
}

/*
 * libiscsi ProutReserve.Access*: what registered N2 may read and write
 * while N1 holds each type, then what it may once unregistered.
 */
static void test_access(void **state)
{
	static const struct {
		uint8_t type;
		char reg_read, reg_write, unreg_read, unreg_write;
	} v[] = {
	        {EA, 0, 0, 0, 0},   {WE, 1, 0, 1, 0},   {EARO, 1, 1, 0, 0},
	        {WERO, 1, 1, 1, 0}, {EAAR, 1, 1, 0, 0}, {WEAR, 1, 1, 1, 0},
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
		assert_int_equal(prout(f, N2, RAIEK, 0, 0, K2), GOOD);
		assert_int_equal(prout(f, N1, RES, v[i].type, K1, 0), GOOD);
		assert_int_equal(conflict(f, N1, READ10, sizeof(READ10)), 0);
		assert_int_equal(conflict(f, N1, WRITE10, sizeof(WRITE10)), 0);
		assert_int_equal(!conflict(f, N2, READ10, sizeof(READ10)), v[i].reg_read);
		assert_int_equal(!conflict(f, N2, WRITE10, sizeof(WRITE10)), v[i].reg_write);
		assert_int_equal(prout(f, N2, REG, 0, K2, 0), GOOD);
		assert_int_equal(!conflict(f, N2, READ10, sizeof(READ10)), v[i].unreg_read);
		assert_int_equal(!conflict(f, N2, WRITE10, sizeof(WRITE10)), v[i].unreg_write);
		assert_int_equal(prout(f, N1, REL, v[i].type, K1, 0), GOOD);
		assert_int_equal(prout(f, N1, REG, 0, K1, 0), GOOD);
		assert_int_equal(f->lun.pr.nreg, 0);
		assert_int_equal(f->lun.pr.held, 0);
	}
}

/* --- SPC-2 RESERVE and RELEASE --- */

/* libiscsi Reserve6.Simple and 2Initiators. */
static void test_reserve6_two(void **state)
{
	static const uint8_t mode_sense[] = {0x1a, 0, 0x3f, 0, 0xff};
	static const uint8_t inquiry[] = {0x12, 0, 0, 0, 0xff};
	static const uint8_t tur[] = {0x00};
	static const uint8_t lun_rpt[] = {0xa0}, sense[] = {0x03};
	struct fx *f = *state;

	assert_int_equal(spc2(f, N1, 0x16, 0), GOOD);
	assert_int_equal(spc2(f, N1, 0x17, 0), GOOD);
	assert_int_equal(f->lun.pr.reserved6, 0);

	assert_int_equal(spc2(f, N1, 0x16, 0), GOOD);
	assert_int_equal(spc2(f, N1, 0x16, 0), GOOD); /* again */
	assert_int_equal(spc2(f, N2, 0x16, 0), RC);
	assert_int_equal(spc2(f, N2, 0x56, 0), RC);
	assert_int_equal(spc2(f, N2, 0x17, 0), GOOD); /* not the holder: no-op */
	assert_int_equal(f->lun.pr.reserved6, 1);
	assert_int_equal(conflict(f, N1, mode_sense, sizeof(mode_sense)), 0);
	assert_int_equal(conflict(f, N1, WRITE10, sizeof(WRITE10)), 0);
	assert_int_equal(conflict(f, N2, mode_sense, sizeof(mode_sense)), 1);
	assert_int_equal(conflict(f, N2, READ10, sizeof(READ10)), 1);
	assert_int_equal(conflict(f, N2, tur, sizeof(tur)), 1);
	assert_int_equal(conflict(f, N2, inquiry, sizeof(inquiry)), 0);
	assert_int_equal(conflict(f, N2, lun_rpt, sizeof(lun_rpt)), 0);
	assert_int_equal(conflict(f, N2, sense, sizeof(sense)), 0);
	assert_int_equal(spc2(f, N2, 0x16, 0), RC);
	assert_int_equal(spc2(f, N1, 0x57, 0), GOOD);
	assert_int_equal(spc2(f, N2, 0x56, 0), GOOD);
	assert_int_equal(f->lun.pr.reserve6_nexus, N2);
	assert_int_equal(spc2(f, N2, 0x17, 0), GOOD);
	assert_int_equal(f->lun.pr.reserved6, 0);
}

/* SPC-2 5.5.1: no persistent reservation business under an SPC-2 one. */
static void test_reserve6_vs_pr(void **state)
{
	struct fx *f = *state;

	assert_int_equal(spc2(f, N1, 0x16, 0), GOOD);
	assert_int_equal(prin(f, N1, 0, 100), RC);
	assert_int_equal(prin(f, N2, 0, 100), RC);
	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), RC);
	assert_int_equal(prout(f, N2, RAIEK, 0, 0, K2), RC);
	assert_int_equal(f->lun.pr.nreg, 0);
	assert_int_equal(spc2(f, N1, 0x17, 0), GOOD);
	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
	assert_int_equal(prout(f, N1, RES, EA, K1, 0), GOOD);
	assert_int_equal(spc2(f, N1, 0x16, 0), RC); /* even the holder */
	assert_int_equal(spc2(f, N2, 0x16, 0), RC);
	assert_int_equal(f->lun.pr.reserved6, 0);
}

/* Unsupported CDB bits: third-party reservations, extents. */
static void test_reserve6_fields(void **state)
{
	struct fx *f = *state;

	assert_int_equal(spc2(f, N1, 0x56, 0x10), ICDB);
	assert_int_equal(spc2(f, N1, 0x56, 0x02), ICDB);
	assert_int_equal(spc2(f, N1, 0x16, 0x01), ICDB);
	assert_int_equal(spc2(f, N1, 0x57, 0x10), ICDB);
	assert_int_equal(f->lun.pr.reserved6, 0);
}

/*
 * libiscsi Reserve6.Logout / ITNexusLoss, and the resets: the SPC-2
 * reservation goes with its nexus or a reset; persistent registrations
 * survive all but a power on.
 */
static void test_reserve6_gone(void **state)
{
	struct fx *f = *state;

	assert_int_equal(spc2(f, N1, 0x16, 0), GOOD);
	scsi_pr_nexus_gone(&f->lun.pr, N2);
	assert_int_equal(spc2(f, N2, 0x16, 0), RC);
	scsi_pr_nexus_gone(&f->lun.pr, N1);
	assert_int_equal(spc2(f, N2, 0x16, 0), GOOD);
	scsi_pr_reset(&f->lun.pr, 0);
	assert_int_equal(spc2(f, N1, 0x16, 0), GOOD);
	scsi_pr_reset(&f->lun.pr, 0);
	assert_int_equal(f->lun.pr.reserved6, 0);

	assert_int_equal(prout(f, N1, RAIEK, 0, 0, K1), GOOD);
	assert_int_equal(prout(f, N1, RES, WE, K1, 0), GOOD);
	scsi_pr_nexus_gone(&f->lun.pr, N1);
	scsi_pr_reset(&f->lun.pr, 0);
	assert_int_equal(f->lun.pr.nreg, 1);
	assert_int_equal(f->lun.pr.held, 1);
	scsi_pr_reset(&f->lun.pr, 1);
	assert_int_equal(f->lun.pr.nreg, 0);
	assert_int_equal(f->lun.pr.held, 0);
	assert_int_equal(f->lun.pr.generation, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_register),
	        T(test_reserve_release),
	        T(test_ownership),
	        T(test_clear),
	        T(test_preempt),
	        T(test_prout_params),
	        T(test_registrations_full),
	        T(test_read_keys),
	        T(test_read_reservation),
	        T(test_report_caps),
	        T(test_prin_service_actions),
	        T(test_read_full_status),
	        T(test_read_full_status_big),
	        T(test_conflict_table),
	        T(test_conflict_unreserved),
	        T(test_access),
	        T(test_reserve6_two),
	        T(test_reserve6_vs_pr),
	        T(test_reserve6_fields),
	        T(test_reserve6_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
