/* SPDX-License-Identifier: MIT */
/* A bounded load for chaosletd: C clients (threads, one connection each) doing N operations each, chosen at
 * random among apply, renew, recover and list, over faults each client owns (ids cNN-fM), on the namespaces
 * given. Each operation is logged before it is sent and when it is answered, so at the end the expected state of
 * every id is known: live, gone, or either (in flight when the agent went away).
 *
 *   chaoslet-load --socket PATH --netns PATH... [--clients 16] [--ops 1000] [--ids 4] [--seed N] [--expect FILE]
 *   chaoslet-load --socket PATH --verify FILE [--recover]
 *
 * The first form runs the load. If the agent answers to the end, it then checks fault.list against what it
 * expects; if the agent goes away mid-load (the test kills it), every client stops at its first failed call and
 * the program only writes FILE. The second form checks a restarted agent against FILE; --recover then recovers
 * every fault of the load that is listed. The kinds of fault need no sch_netem:
 *
 *   f0  partition, match 198.51.100.N/32 and 192.0.2.0/24 (so a live one drops the test's probes to its peer)
 *   f1  loss 30 % in the classifier, match 198.51.100.N/32
 *   f2  bandwidth 10mbit (htb + tbf), match 198.51.100.N/32
 *   f3  partition both ways (an IFB), match 203.0.113.N/32
 *
 * Output: one JSON line (ops, errors by code, latency percentiles per method, lost, wrong). Exit 0 when nothing
 * was lost or wrong and no call got an unexpected error, 1 otherwise, 2 for bad usage. A conflict (-32003) or a
 * device full of faults is counted, not an error: the fault's state is unchanged.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"
#include "tool-util.h"

#define CLIENTS_MAX 64
#define IDS_MAX 8
#define NETNS_MAX 256
#define OPS_MAX 100000

typedef enum { ST_GONE, ST_LIVE, ST_EITHER } IdState;
typedef enum { OP_APPLY, OP_RENEW, OP_RECOVER, OP_LIST, _OP_MAX } Op;

static const char *const op_names[_OP_MAX] = { "apply", "renew", "recover", "list" };

typedef struct IdSlot {
        char id[16];
        IdState state;
        int netns;              /* the namespace of its last apply (acknowledged or in flight) */
} IdSlot;

typedef struct Client {
        int index;
        pthread_t thread;
        uint64_t rng;
        IdSlot ids[IDS_MAX];
        double *lat_ms[_OP_MAX];
        size_t n_lat[_OP_MAX];
        unsigned n_ops;
        unsigned n_conflict;
        unsigned n_unexpected;
        char unexpected[512];   /* the first one */
        bool agent_gone;
} Client;

static const char *arg_socket;
static const char *arg_netns[NETNS_MAX];
static ino_t netns_ino[NETNS_MAX];
static unsigned n_netns;
static unsigned arg_clients = 16, arg_ops = 1000, arg_ids = 4;
static uint64_t arg_seed = 1;
static const char *arg_expect;
static const char *arg_verify;
static bool arg_recover;

static uint64_t rng_next(uint64_t *s) {
        /* xorshift64*: enough for picking operations, and reproducible from --seed. */
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        return *s * UINT64_C(2685821657736338717);
}

static unsigned rng_below(uint64_t *s, unsigned n) {
        return (unsigned) (rng_next(s) % n);
}

/* The fault's number among all the load's ids: 1..CLIENTS_MAX * IDS_MAX, for its addresses. */
static unsigned fault_number(const Client *c, unsigned f) {
        return (unsigned) c->index * IDS_MAX + f + 1;
}

static cJSON *fault_params(const Client *c, unsigned f, int netns) {
        char spec[512];
        unsigned n = fault_number(c, f);

        /* 198.51.100.N and 203.0.113.N: N ≤ 64 * 8 would overflow a byte, so fold into 1..254. */
        n = 1 + (n - 1) % 254;
        switch (f % 4) {
        case 0:
                snprintf(spec, sizeof spec, "{\"partition\":true,\"match\":{\"cidrs\":[\"198.51.100.%u/32\",\"192.0.2.0/24\"]}}", n);
                break;
        case 1:
                snprintf(spec, sizeof spec, "{\"netem\":{\"loss\":30},\"match\":{\"cidrs\":[\"198.51.100.%u/32\"]}}", n);
                break;
        case 2:
                snprintf(spec, sizeof spec, "{\"bandwidth\":{\"rate\":\"10mbit\"},\"match\":{\"cidrs\":[\"198.51.100.%u/32\"]}}", n);
                break;
        default:
                snprintf(spec, sizeof spec, "{\"direction\":\"both\",\"partition\":true,\"match\":{\"cidrs\":[\"203.0.113.%u/32\"]}}", n);
                break;
        }

        cJSON *p = cJSON_Parse(spec);
        if (!p)
                return NULL;
        cJSON *target = cJSON_AddObjectToObject(p, "target");
        cJSON_AddStringToObject(target, "netns", arg_netns[netns]);
        cJSON_AddStringToObject(p, "id", c->ids[f].id);
        cJSON_AddStringToObject(p, "duration", "10m");
        return p;
}

static int record_latency(Client *c, Op op, double ms) {
        if (c->n_lat[op] >= arg_ops)
                return 0;
        c->lat_ms[op][c->n_lat[op]++] = ms;
        return 0;
}

/* An error the load can cause and that changes nothing: the id is re-applied elsewhere than its live fault
 * (-32003), or the device holds all the faults it can. Anything else is a failure of the agent. */
static bool error_expected(const RpcError *err) {
        return err->code == RPC_CONFLICT;
}

static void note_unexpected(Client *c, const char *what, const RpcError *err, int r) {
        c->n_unexpected++;
        if (c->unexpected[0])
                return;
        if (err && r == -EPROTO)
                snprintf(c->unexpected, sizeof c->unexpected, "%s: error %d: %s", what, err->code, err->message);
        else
                snprintf(c->unexpected, sizeof c->unexpected, "%s: %s", what, strerror(-r));
}

static void *client_run(void *userdata) {
        Client *c = userdata;
        RpcClient *rpc = NULL;
        int r;

        r = rpc_client_connect(arg_socket, &rpc);
        if (r < 0) {
                c->agent_gone = true;
                return NULL;
        }

        for (unsigned i = 0; i < arg_ops; i++) {
                unsigned f = rng_below(&c->rng, arg_ids);
                IdSlot *s = &c->ids[f];
                unsigned dice = rng_below(&c->rng, 100);
                RpcError err = {};
                cJSON *params, *result = NULL;
                const char *method;
                Op op;

                if (dice < 15) {
                        op = OP_LIST;
                        method = "fault.list";
                        params = NULL;
                } else if (s->state == ST_LIVE && dice < 30) {
                        op = OP_RENEW;  /* the same spec on the same target: renews the lease */
                        method = "fault.apply";
                        params = fault_params(c, f, s->netns);
                } else if (s->state == ST_LIVE) {
                        op = OP_RECOVER;
                        method = "fault.recover";
                        params = cJSON_CreateObject();
                        cJSON_AddStringToObject(params, "id", s->id);
                } else {
                        op = OP_APPLY;
                        method = "fault.apply";
                        s->netns = (int) rng_below(&c->rng, n_netns);
                        params = fault_params(c, f, s->netns);
                }
                if (op != OP_LIST && !params) {
                        note_unexpected(c, "out of memory", NULL, -ENOMEM);
                        break;
                }

                /* Logged before it is sent: from here until the answer, the id may end up either way. */
                IdState before = s->state;
                if (op != OP_LIST)
                        s->state = ST_EITHER;

                int64_t t0 = now_ns();
                r = rpc_client_call(rpc, method, params, &result, &err);
                double ms = (double) (now_ns() - t0) / 1e6;

                if (r < 0 && r != -EPROTO) {
                        /* The agent went away (the test killed it): the id stays "either". */
                        if (op == OP_LIST)
                                s->state = before;
                        c->agent_gone = true;
                        rpc_error_done(&err);
                        break;
                }
                c->n_ops++;
                record_latency(c, op, ms);
                if (r == -EPROTO) {
                        if (error_expected(&err))
                                c->n_conflict++;
                        else
                                note_unexpected(c, method, &err, r);
                        /* A refused call changed nothing. */
                        s->state = before;
                } else if (op == OP_APPLY || op == OP_RENEW)
                        s->state = ST_LIVE;
                else if (op == OP_RECOVER)
                        s->state = ST_GONE;
                else
                        s->state = before;
                cJSON_Delete(result);
                rpc_error_done(&err);
        }
        rpc_client_free(rpc);
        return NULL;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static double percentile(const double *v, size_t n, double p) {
        size_t i = (size_t) (p * (double) (n - 1) + 0.5);
        return n == 0 ? 0 : v[i < n ? i : n - 1];
}

/* The expectation file: one line per id, "ID STATE NETNS-PATH". */
static int expect_write(const char *path, Client *clients) {
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        for (unsigned i = 0; i < arg_clients; i++)
                for (unsigned k = 0; k < arg_ids; k++) {
                        const IdSlot *s = &clients[i].ids[k];
                        static const char *const names[] = { "gone", "live", "either" };
                        fprintf(f, "%s %s %s\n", s->id, names[s->state], s->state == ST_GONE ? "-" : arg_netns[s->netns]);
                }
        if (fclose(f) != 0)
                return -errno;
        return 0;
}

typedef struct Expect {
        char id[16];
        IdState state;
        char netns[4096];
        ino_t ino;
} Expect;

static int expect_read(const char *path, Expect **ret, size_t *ret_n) {
        FILE *f = fopen(path, "re");
        Expect *v = NULL;
        size_t n = 0;
        char line[4200];

        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                char id[16], st[8], ns[4096];
                if (sscanf(line, "%15s %7s %4095s", id, st, ns) != 3)
                        continue;
                Expect *w = realloc(v, (n + 1) * sizeof *v);
                if (!w) {
                        free(v);
                        fclose(f);
                        return -ENOMEM;
                }
                v = w;
                Expect *e = &v[n++];
                *e = (Expect) {};
                snprintf(e->id, sizeof e->id, "%s", id);
                snprintf(e->netns, sizeof e->netns, "%s", ns);
                e->state = strcmp(st, "live") == 0 ? ST_LIVE : strcmp(st, "either") == 0 ? ST_EITHER : ST_GONE;
                struct stat sb;
                if (strcmp(ns, "-") != 0 && stat(ns, &sb) == 0)
                        e->ino = sb.st_ino;
        }
        fclose(f);
        *ret = v;
        *ret_n = n;
        return 0;
}

/* Compare fault.list with the expectation: a live id must be listed, active, in its namespace; a gone one must
 * not be listed; an either one may be. Counts into *lost (expected live, not there), *wrong (listed but should be
 * gone, or in another namespace), *live and *either_live. With recover, recovers every listed id of the load. */
static int verify(const Expect *v, size_t n, bool recover, unsigned *lost, unsigned *wrong, unsigned *live,
                  unsigned *either_live, unsigned *recovered) {
        RpcClient *rpc = NULL;
        RpcError err = {};
        cJSON *result = NULL;
        int r;

        r = rpc_client_connect(arg_socket, &rpc);
        if (r < 0)
                return r;
        r = rpc_client_call(rpc, "fault.list", NULL, &result, &err);
        if (r < 0) {
                fprintf(stderr, "fault.list: %s\n", r == -EPROTO ? err.message : strerror(-r));
                rpc_error_done(&err);
                rpc_client_free(rpc);
                return r;
        }

        const cJSON *faults = cJSON_GetObjectItemCaseSensitive(result, "faults");
        for (size_t i = 0; i < n; i++) {
                const cJSON *found = NULL, *fa;
                cJSON_ArrayForEach(fa, faults) {
                        const cJSON *id = cJSON_GetObjectItemCaseSensitive(fa, "id");
                        if (cJSON_IsString(id) && strcmp(id->valuestring, v[i].id) == 0) {
                                found = fa;
                                break;
                        }
                }
                const cJSON *state = cJSON_GetObjectItemCaseSensitive(found, "state");
                bool active = found && cJSON_IsString(state) && strcmp(state->valuestring, "active") == 0;
                const cJSON *target = cJSON_GetObjectItemCaseSensitive(found, "target");
                const cJSON *ino = cJSON_GetObjectItemCaseSensitive(target, "netns_inode");

                if (v[i].state == ST_LIVE && !active) {
                        fprintf(stderr, "lost: %s was acknowledged live and is %s\n", v[i].id,
                                found ? "not active" : "not listed");
                        (*lost)++;
                } else if (v[i].state == ST_GONE && found) {
                        fprintf(stderr, "wrong: %s was acknowledged recovered and is listed\n", v[i].id);
                        (*wrong)++;
                } else if (active && v[i].ino != 0 && (!cJSON_IsNumber(ino) || (ino_t) ino->valuedouble != v[i].ino)) {
                        fprintf(stderr, "wrong: %s is listed in another namespace than %s\n", v[i].id, v[i].netns);
                        (*wrong)++;
                }
                if (active && v[i].state == ST_LIVE)
                        (*live)++;
                if (active && v[i].state == ST_EITHER)
                        (*either_live)++;

                if (recover && found) {
                        cJSON *p = cJSON_CreateObject(), *res = NULL;
                        cJSON_AddStringToObject(p, "id", v[i].id);
                        RpcError e2 = {};
                        r = rpc_client_call(rpc, "fault.recover", p, &res, &e2);
                        cJSON_Delete(res);
                        if (r < 0) {
                                fprintf(stderr, "recover %s: %s\n", v[i].id, r == -EPROTO ? e2.message : strerror(-r));
                                rpc_error_done(&e2);
                                (*wrong)++;
                        } else
                                (*recovered)++;
                }
        }
        cJSON_Delete(result);
        rpc_client_free(rpc);
        return 0;
}

static void print_latency(FILE *out, Client *clients) {
        fprintf(out, "\"latency_ms\":{");
        for (int op = 0; op < _OP_MAX; op++) {
                size_t total = 0, k = 0;
                for (unsigned i = 0; i < arg_clients; i++)
                        total += clients[i].n_lat[op];
                double *all = calloc(total ? total : 1, sizeof(double));
                if (!all)
                        break;
                for (unsigned i = 0; i < arg_clients; i++) {
                        memcpy(all + k, clients[i].lat_ms[op], clients[i].n_lat[op] * sizeof(double));
                        k += clients[i].n_lat[op];
                }
                qsort(all, total, sizeof(double), cmp_double);
                fprintf(out, "%s\"%s\":{\"n\":%zu,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}", op ? "," : "", op_names[op],
                        total, percentile(all, total, 0.5), percentile(all, total, 0.99), total ? all[total - 1] : 0.0);
                free(all);
        }
        fprintf(out, "}");
}

static int run_load(void) {
        Client *clients = calloc(arg_clients, sizeof *clients);
        unsigned ops = 0, conflicts = 0, unexpected = 0, lost = 0, wrong = 0, live = 0, either_live = 0, recovered = 0;
        bool gone = false;
        int r, ret = 0;

        if (!clients)
                return -ENOMEM;
        for (unsigned i = 0; i < n_netns; i++) {
                struct stat sb;
                if (stat(arg_netns[i], &sb) < 0) {
                        fprintf(stderr, "%s: %m\n", arg_netns[i]);
                        free(clients);
                        return -errno;
                }
                netns_ino[i] = sb.st_ino;
        }

        int64_t t0 = now_ns();
        for (unsigned i = 0; i < arg_clients; i++) {
                Client *c = &clients[i];
                c->index = (int) i;
                c->rng = arg_seed * UINT64_C(0x9E3779B97F4A7C15) + i + 1;
                for (unsigned k = 0; k < arg_ids; k++)
                        snprintf(c->ids[k].id, sizeof c->ids[k].id, "c%02u-f%u", i % 100, k % 10);
                for (int op = 0; op < _OP_MAX; op++) {
                        c->lat_ms[op] = calloc(arg_ops, sizeof(double));
                        if (!c->lat_ms[op])
                                return -ENOMEM;
                }
                r = pthread_create(&c->thread, NULL, client_run, c);
                if (r != 0) {
                        fprintf(stderr, "pthread_create: %s\n", strerror(r));
                        return -r;
                }
        }
        for (unsigned i = 0; i < arg_clients; i++)
                pthread_join(clients[i].thread, NULL);
        double secs = (double) (now_ns() - t0) / 1e9;

        for (unsigned i = 0; i < arg_clients; i++) {
                ops += clients[i].n_ops;
                conflicts += clients[i].n_conflict;
                unexpected += clients[i].n_unexpected;
                gone |= clients[i].agent_gone;
                if (clients[i].unexpected[0])
                        fprintf(stderr, "client %u: unexpected %s\n", i, clients[i].unexpected);
        }

        if (arg_expect) {
                r = expect_write(arg_expect, clients);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", arg_expect, strerror(-r));
                        ret = r;
                }
        }

        if (!gone) {
                /* The agent lived to the end: check it now, from what the clients know. */
                Expect *v = calloc(arg_clients * arg_ids, sizeof *v);
                size_t n = 0;
                if (!v)
                        return -ENOMEM;
                for (unsigned i = 0; i < arg_clients; i++)
                        for (unsigned k = 0; k < arg_ids; k++) {
                                const IdSlot *s = &clients[i].ids[k];
                                Expect *e = &v[n++];
                                snprintf(e->id, sizeof e->id, "%s", s->id);
                                e->state = s->state;
                                if (s->state != ST_GONE) {
                                        snprintf(e->netns, sizeof e->netns, "%s", arg_netns[s->netns]);
                                        e->ino = netns_ino[s->netns];
                                }
                        }
                r = verify(v, n, false, &lost, &wrong, &live, &either_live, &recovered);
                free(v);
                if (r < 0)
                        ret = r;
        }

        printf("{\"clients\":%u,\"ops_per_client\":%u,\"netns\":%u,\"seed\":%" PRIu64 ",\"ops\":%u,\"seconds\":%.3f,"
               "\"ops_per_s\":%.0f,\"conflicts\":%u,\"unexpected_errors\":%u,\"agent_gone\":%s,",
               arg_clients, arg_ops, n_netns, arg_seed, ops, secs, secs > 0 ? ops / secs : 0.0, conflicts, unexpected,
               gone ? "true" : "false");
        print_latency(stdout, clients);
        if (!gone)
                printf(",\"live\":%u,\"lost\":%u,\"wrong\":%u", live, lost, wrong);
        printf("}\n");

        for (unsigned i = 0; i < arg_clients; i++)
                for (int op = 0; op < _OP_MAX; op++)
                        free(clients[i].lat_ms[op]);
        free(clients);
        if (ret < 0)
                return ret;
        return unexpected || lost || wrong ? 1 : 0;
}

static int run_verify(void) {
        Expect *v = NULL;
        size_t n = 0;
        unsigned lost = 0, wrong = 0, live = 0, either_live = 0, recovered = 0, either = 0;
        int r;

        r = expect_read(arg_verify, &v, &n);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", arg_verify, strerror(-r));
                return r;
        }
        for (size_t i = 0; i < n; i++)
                either += v[i].state == ST_EITHER;
        r = verify(v, n, arg_recover, &lost, &wrong, &live, &either_live, &recovered);
        free(v);
        if (r < 0)
                return r;
        printf("{\"ids\":%zu,\"live\":%u,\"in_flight\":%u,\"in_flight_live\":%u,\"lost\":%u,\"wrong\":%u,\"recovered\":%u}\n",
               n, live, either, either_live, lost, wrong, recovered);
        return lost || wrong ? 1 : 0;
}

static int parse_count(const char *s, unsigned max, unsigned *ret) {
        unsigned long long v;
        int r = parse_uint(s, max, &v);
        if (r < 0 || v == 0)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "netns", required_argument, NULL, 'n' },
                { "clients", required_argument, NULL, 'c' },
                { "ops", required_argument, NULL, 'o' },
                { "ids", required_argument, NULL, 'i' },
                { "seed", required_argument, NULL, 'S' },
                { "expect", required_argument, NULL, 'e' },
                { "verify", required_argument, NULL, 'v' },
                { "recover", no_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        unsigned long long seed;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        arg_socket = optarg;
                        break;
                case 'n':
                        if (n_netns >= NETNS_MAX) {
                                fprintf(stderr, "at most %d --netns\n", NETNS_MAX);
                                return 2;
                        }
                        arg_netns[n_netns++] = optarg;
                        break;
                case 'c':
                        if (parse_count(optarg, CLIENTS_MAX, &arg_clients) < 0) {
                                fprintf(stderr, "--clients: 1..%d\n", CLIENTS_MAX);
                                return 2;
                        }
                        break;
                case 'o':
                        if (parse_count(optarg, OPS_MAX, &arg_ops) < 0) {
                                fprintf(stderr, "--ops: 1..%d\n", OPS_MAX);
                                return 2;
                        }
                        break;
                case 'i':
                        if (parse_count(optarg, IDS_MAX, &arg_ids) < 0) {
                                fprintf(stderr, "--ids: 1..%d\n", IDS_MAX);
                                return 2;
                        }
                        break;
                case 'S':
                        if (parse_uint(optarg, UINT64_MAX, &seed) < 0) {
                                fprintf(stderr, "--seed: a number\n");
                                return 2;
                        }
                        arg_seed = seed;
                        break;
                case 'e':
                        arg_expect = optarg;
                        break;
                case 'v':
                        arg_verify = optarg;
                        break;
                case 'r':
                        arg_recover = true;
                        break;
                case 'h':
                        printf("usage: %s --socket PATH --netns PATH... [--clients N] [--ops N] [--ids N] [--seed N] [--expect FILE]\n"
                               "       %s --socket PATH --verify FILE [--recover]\n", argv[0], argv[0]);
                        return 0;
                default:
                        return 2;
                }
        if (!arg_socket || optind != argc || (!arg_verify && n_netns == 0)) {
                fprintf(stderr, "usage: %s --socket PATH (--netns PATH... | --verify FILE); see --help\n", argv[0]);
                return 2;
        }

        r = arg_verify ? run_verify() : run_load();
        if (r < 0) {
                fprintf(stderr, "%s\n", strerror(-r));
                return 1;
        }
        return r;
}
