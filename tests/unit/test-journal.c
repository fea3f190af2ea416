/* SPDX-License-Identifier: MIT */
/* The fault journal: an entry's encode/decode round trip (native and NetworkChaos specs, the largest legal one),
 * and a journal directory with a torn entry, a wrong version and an oversized file, each reported and set aside
 * while the good entry loads. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classifier.h"
#include "journal.h"
#include "macro.h"
#include "spec.h"
#include "tap.h"

static void spec_of(const char *json, FaultSpec *ret) {
        cJSON *o = cJSON_Parse(json);
        SpecError se = {};

        CHECK(o);
        CHECK_EQ_INT(fault_spec_from_json(o, ret, &se), 0);
        if (se.field[0])
                fprintf(stderr, "%s: %s\n", se.field, se.reason);
        cJSON_Delete(o);
}

static void entry_of(const char *json, JournalEntry *e) {
        *e = (JournalEntry) {
                .netns = { .dev = 4, .ino = 4026532301ull },
                .order = 7,
                .applied_at_ns = 1764685671123456789ll,
                .expires_at_ns = 1764685971123456789ll,
                .deadline_ns = 987654321012345678ll,
                .counter_key = 1023,
                .n_devices = 2,
                .devices = {
                        { .link_ifindex = 2, .link_name = "eth0", .direction = CLASSIFIER_DIR_EGRESS, .minor = 3, .key = 0x101 },
                        { .link_ifindex = 2, .link_name = "eth0", .direction = CLASSIFIER_DIR_INGRESS, .key = 0x102 },
                },
        };
        spec_of(json, &e->spec);
        snprintf(e->id, sizeof(e->id), "%s", e->spec.id);
        snprintf(e->boot_id, sizeof(e->boot_id), "5d2f3c3e-9c4b-4d3e-8f1a-0123456789ab");
}

static void check_same(const JournalEntry *a, const JournalEntry *b) {
        CHECK_STREQ(a->id, b->id);
        CHECK(fault_spec_equal(&a->spec, &b->spec));
        CHECK_EQ_INT(a->netns.dev, b->netns.dev);
        CHECK(a->netns.ino == b->netns.ino);
        CHECK(a->order == b->order);
        CHECK(a->applied_at_ns == b->applied_at_ns);
        CHECK(a->expires_at_ns == b->expires_at_ns);
        CHECK(a->deadline_ns == b->deadline_ns);
        CHECK_STREQ(a->boot_id, b->boot_id);
        CHECK_EQ_INT(a->counter_key, b->counter_key);
        CHECK_EQ_INT(a->n_devices, b->n_devices);
        for (size_t i = 0; i < a->n_devices && i < b->n_devices; i++) {
                CHECK_EQ_INT(a->devices[i].link_ifindex, b->devices[i].link_ifindex);
                CHECK_STREQ(a->devices[i].link_name, b->devices[i].link_name);
                CHECK_EQ_INT(a->devices[i].direction, b->devices[i].direction);
                CHECK_EQ_INT(a->devices[i].minor, b->devices[i].minor);
                CHECK_EQ_INT(a->devices[i].key, b->devices[i].key);
        }
        CHECK_EQ_INT(!!a->spec.ignored, !!b->spec.ignored);
        for (size_t i = 0; a->spec.ignored && b->spec.ignored && a->spec.ignored[i]; i++)
                CHECK_STREQ(a->spec.ignored[i], b->spec.ignored[i]);
}

static char *encode(const JournalEntry *e) {
        cJSON *o = journal_entry_to_json(e);
        char *text = cJSON_PrintUnformatted(o);

        cJSON_Delete(o);
        return text;
}

static void round_trip(const char *json) {
        JournalEntry e, back = {};
        char why[300] = "";
        char *text;

        entry_of(json, &e);
        text = encode(&e);
        CHECK_EQ_INT(journal_entry_from_json(text, strlen(text), &back, why, sizeof(why)), 0);
        if (why[0])
                fprintf(stderr, "decode: %s\n", why);
        check_same(&e, &back);
        journal_entry_done(&back);
        journal_entry_done(&e);
        free(text);
}

static const char *NATIVE = "{\"id\":\"cut-db\",\"target\":{\"netns\":\"/run/netns/blue\"},\"direction\":\"both\","
                            "\"netem\":{\"latency\":\"90ms\",\"jitter\":\"10ms\",\"loss\":25},\"duration\":\"3m\","
                            "\"match\":{\"cidrs\":[\"192.0.2.0/24\",\"2001:db8:5::/48\"],\"ports\":[80,\"9000-9010\"],"
                            "\"protocol\":\"tcp\"},\"device\":[\"eth0\"]}";
static const char *CHAOS = "{\"id\":\"nc\",\"target\":{\"pid\":4242},\"networkchaos\":{\"action\":\"delay\","
                           "\"mode\":\"one\",\"selector\":{\"labelSelectors\":{\"name\":\"carts\"}},"
                           "\"delay\":{\"latency\":\"90ms\"}}}";

static void write_file(const char *dir, const char *name, const char *text, size_t len) {
        char path[512];
        int fd;

        snprintf(path, sizeof(path), "%s/faults/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        CHECK(write(fd, text, len) == (ssize_t) len);
        close(fd);
}

static bool exists(const char *dir, const char *name) {
        char path[512];

        snprintf(path, sizeof(path), "%s/faults/%s", dir, name);
        return access(path, F_OK) == 0;
}

static void count_entry(JournalEntry *e, void *userdata) {
        JournalEntry *want = userdata;

        check_same(want, e);
        want->order++; /* counts the calls */
}

static void count_netns(NetnsId id, const FaultTarget *hint, void *userdata) {
        CHECK(id.ino == 4026532301ull);
        CHECK(hint && hint->kind == TARGET_NETNS && strcmp(hint->netns, "/run/netns/blue") == 0);
        (*(int *) userdata)++;
}

static void directory(void) {
        char dir[] = "/tmp/test-journal-XXXXXX", path[600];
        Journal *j = NULL;
        JournalEntry e;
        char *text;
        int fd, n = 0;
        uint64_t order;

        CHECK(mkdtemp(dir));
        CHECK_EQ_INT(journal_open(dir, &j), 0);
        entry_of(NATIVE, &e);
        CHECK_EQ_INT(journal_write(j, &e), 0);
        CHECK_EQ_INT(journal_entries(j), 1);

        text = encode(&e);
        write_file(dir, "torn.json", text, strlen(text) / 2);
        free(text);
        e.order = 99;
        text = encode(&e);
        e.order = 7;
        memcpy(strstr(text, "\"version\":1"), "\"version\":2", 11);
        write_file(dir, "future.json", text, strlen(text));
        free(text);
        snprintf(path, sizeof(path), "%s/faults/big.json", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        CHECK(fd >= 0 && ftruncate(fd, JOURNAL_ENTRY_MAX + 1) == 0);
        close(fd);
        write_file(dir, "stale.json.tmp", "{", 1);

        order = e.order;
        CHECK_EQ_INT(journal_load(j, count_entry, &e), 1);
        CHECK_EQ_INT(e.order - order, 1);
        e.order = order;
        CHECK_EQ_INT(journal_corrupt(j), 3);
        CHECK(exists(dir, "torn.json.corrupt") && !exists(dir, "torn.json"));
        CHECK(exists(dir, "future.json.corrupt"));
        CHECK(exists(dir, "big.json.corrupt"));
        CHECK(!exists(dir, "stale.json.tmp"));
        CHECK(exists(dir, "cut-db.json"));
        CHECK_EQ_INT(journal_remove(j, "cut-db"), 0);
        CHECK_EQ_INT(journal_entries(j), 0);
        CHECK_EQ_INT(journal_remove(j, "cut-db"), 0); /* gone already: fine */

        CHECK_EQ_INT(journal_netns_note(j, e.netns, &e.spec.target), 0);
        CHECK_EQ_INT(journal_netns_note(j, e.netns, &e.spec.target), 0);
        CHECK_EQ_INT(journal_netns_load(j, count_netns, &n), 0);
        CHECK_EQ_INT(n, 1);
        CHECK_EQ_INT(journal_netns_forget(j, e.netns), 0);
        n = 0;
        CHECK_EQ_INT(journal_netns_load(j, count_netns, &n), 0);
        CHECK_EQ_INT(n, 0);

        journal_entry_done(&e);
        journal_free(j);
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        CHECK(system(path) == 0);
}

/* The default state directory's parent (/run/chaoslet) need not exist: it is made, 0700 like the directory. A file
 * where a parent should be is an error, not a crash. */
static void missing_parents(void) {
        char dir[] = "/tmp/test-journal-XXXXXX", path[600];
        struct stat st;
        Journal *j = NULL;

        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/run/chaoslet/state", dir);
        CHECK_EQ_INT(journal_open(path, &j), 0);
        journal_free(j);
        j = NULL;
        snprintf(path, sizeof(path), "%s/run/chaoslet/state/faults", dir);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
        snprintf(path, sizeof(path), "%s/run/chaoslet", dir);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
        snprintf(path, sizeof(path), "%s/file", dir);
        CHECK(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == 0);
        snprintf(path, sizeof(path), "%s/file/state", dir);
        CHECK_EQ_INT(journal_open(path, &j), -ENOTDIR);
        CHECK(!j);
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        CHECK(system(path) == 0);
}

/* 65,536 distinct IPv6 prefixes, the most a fault may have: well inside JOURNAL_ENTRY_MAX. */
static void largest(void) {
        size_t cap = 65536 * 40 + 256, len;
        char *json = malloc(cap), *text;
        JournalEntry e, back = {};
        char why[300] = "";

        len = (size_t) snprintf(json, cap, "{\"id\":\"big\",\"target\":{\"pid\":1},\"partition\":true,\"match\":{\"cidrs\":[");
        for (unsigned i = 0; i < 65536; i++)
                len += (size_t) snprintf(json + len, cap - len, "%s\"2001:db8:%x:%x::/64\"", i ? "," : "", i >> 8, i & 0xff);
        snprintf(json + len, cap - len, "]}}");
        entry_of(json, &e);
        text = encode(&e);
        fprintf(stderr, "an entry with 65,536 IPv6 CIDRs: %zu bytes\n", strlen(text));
        CHECK(strlen(text) < JOURNAL_ENTRY_MAX);
        CHECK_EQ_INT(journal_entry_from_json(text, strlen(text), &back, why, sizeof(why)), 0);
        CHECK_EQ_INT(back.spec.match.n_cidrs, 65536);
        journal_entry_done(&back);
        journal_entry_done(&e);
        free(text);
        free(json);
}

int main(void) {
        JournalEntry e = {};
        char why[300];

        round_trip(NATIVE);
        round_trip(CHAOS);
        CHECK_EQ_INT(journal_entry_from_json("{\"version\":1,", 13, &e, why, sizeof(why)), -EBADMSG);
        CHECK_EQ_INT(journal_entry_from_json("{\"version\":2}", 13, &e, why, sizeof(why)), -EPROTO);
        CHECK_EQ_INT(journal_entry_from_json("[]", 2, &e, why, sizeof(why)), -EBADMSG);
        directory();
        missing_parents();
        largest();
        TAP_EXIT();
}
