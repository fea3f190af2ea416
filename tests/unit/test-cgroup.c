/* SPDX-License-Identifier: MIT */
/* The cgroup matcher against /proc/PID/cgroup texts of every layout kubelet and the runtimes write, and the near
 * misses that must not match. */
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "tap.h"

#define CID "4f3a9c1b2d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
#define CID2 "0f3a9c1b2d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
#define UID "6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
#define UID_ "6b7d1e2f_3a4b_4c5d_8e9f_0a1b2c3d4e5f"
#define STATIC_UID "7c8b4f7f0a3d5a0bb5a8ffbfa30a1c4e"

/* systemd driver, cgroup v2, per runtime and QoS class. */
#define SD_BE "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice"
#define SD_BU "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define SD_GU "/kubepods.slice/kubepods-pod" UID_ ".slice"

typedef struct Case {
        const char *what;
        const char *text;
        int container, pod;     /* expected match by CID, by UID */
        const char *unit;       /* expected v2 unit path of the container match (NULL: not checked) */
} Case;

static const Case cases[] = {
        { "v2 systemd containerd besteffort", "0::" SD_BE "/cri-containerd-" CID ".scope\n", 1, 1,
          SD_BE "/cri-containerd-" CID ".scope" },
        { "v2 systemd containerd burstable", "0::" SD_BU "/cri-containerd-" CID ".scope\n", 1, 1, NULL },
        { "v2 systemd containerd guaranteed", "0::" SD_GU "/cri-containerd-" CID ".scope\n", 1, 1, NULL },
        { "v2 systemd cri-o", "0::" SD_BU "/crio-" CID ".scope\n", 1, 1, SD_BU "/crio-" CID ".scope" },
        { "v2 systemd cri-o with crun's container subgroup", "0::" SD_BU "/crio-" CID ".scope/container\n", 1, 1,
          SD_BU "/crio-" CID ".scope" },
        { "v2 systemd docker (cri-dockerd)", "0::" SD_BE "/docker-" CID ".scope\n", 1, 1, NULL },
        { "v2 cgroupfs containerd", "0::/kubepods/besteffort/pod" UID "/" CID "\n", 1, 1,
          "/kubepods/besteffort/pod" UID "/" CID },
        { "v2 cgroupfs guaranteed", "0::/kubepods/pod" UID "/" CID "\n", 1, 1, NULL },
        { "v2 cgroupfs cri-o", "0::/kubepods/burstable/pod" UID "/crio-" CID "\n", 1, 1, NULL },
        { "v2 inside a cgroup namespace", "0::/../../kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" CID
          ".scope\n", 1, 1, NULL },
        { "static pod (config hash as the UID)", "0::/kubepods.slice/kubepods-burstable.slice/"
          "kubepods-burstable-pod" STATIC_UID ".slice/cri-containerd-" CID ".scope\n", 1, 0, NULL },
        { "v1 cgroupfs, every controller",
          "12:pids:/kubepods/burstable/pod" UID "/" CID "\n"
          "11:memory:/kubepods/burstable/pod" UID "/" CID "\n"
          "10:cpu,cpuacct:/kubepods/burstable/pod" UID "/" CID "\n"
          "1:name=systemd:/kubepods/burstable/pod" UID "/" CID "\n", 1, 1, "" },
        { "v1 systemd, hybrid with the unified line",
          "5:memory:" SD_BE "/docker-" CID ".scope\n"
          "1:name=systemd:" SD_BE "/docker-" CID ".scope\n"
          "0::" SD_BE "/docker-" CID ".scope\n", 1, 1, SD_BE "/docker-" CID ".scope" },
        { "plain docker, cgroupfs", "0::/docker/" CID "\n", 1, 0, NULL },
        { "a v1 line without a trailing newline", "4:memory:/kubepods/pod" UID "/" CID, 1, 1, NULL },

        /* Near misses. */
        { "another container of the pod", "0::" SD_BE "/cri-containerd-" CID2 ".scope\n", 0, 1, NULL },
        { "CRI-O's conmon scope (node's namespace)", "0::" SD_BU "/crio-conmon-" CID ".scope\n", 0, 0, NULL },
        { "conmon in the pod's own cgroup (cgroupfs, conmon_cgroup=pod)",
          "0::/kubepods/burstable/pod" UID "\n", 0, 0, NULL },
        { "the pod slice itself", "0::" SD_BE "\n", 0, 0, NULL },
        { "an ID inside a longer name", "0::/system.slice/x" CID ".scope\n", 0, 0, NULL },
        { "an ID with a suffix", "0::/kubepods/pod" UID "/" CID "-init\n", 0, 1, NULL },
        { "a unit kind that is not a scope", "0::/system.slice/docker-" CID ".service\n", 0, 0, NULL },
        { "the UID with dashes under the systemd driver",
          "0::/kubepods.slice/kubepods-besteffort-pod" UID ".slice/cri-containerd-" CID ".scope\n", 1, 0, NULL },
        { "the UID with underscores under cgroupfs", "0::/kubepods/pod" UID_ "/" CID "\n", 1, 0, NULL },
        { "the UID inside a container ID's place", "0::/kubepods/x/" UID "/pod" UID "x/" CID "\n", 1, 0, NULL },
        { "a QoS slice that does not exist", "0::/kubepods.slice/kubepods-gold-pod" UID_ ".slice/x\n", 0, 0, NULL },
        { "the ID as a controller name", "3:" CID ":/\n", 0, 0, NULL },
        { "kernel threads and the root", "0::/\n", 0, 0, NULL },
        { "a malformed line", "kubepods/pod" UID "/" CID "\n", 0, 0, NULL },
        { "empty", "", 0, 0, NULL },
};

static void test_cases(void) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const Case *c = &cases[i];
                CgroupMatch m = {};
                int got_c = cgroup_text_matches(c->text, strlen(c->text), false, TARGET_CONTAINER, CID, &m);
                int got_p = cgroup_text_matches(c->text, strlen(c->text), false, TARGET_POD, UID, NULL);

                if (got_c != c->container || got_p != c->pod) {
                        fprintf(stderr, "%s: container %d (want %d), pod %d (want %d)\n", c->what, got_c,
                                c->container, got_p, c->pod);
                        tap_failures++;
                }
                if (c->unit && got_c && strcmp(m.unit_path, c->unit) != 0) {
                        fprintf(stderr, "%s: unit \"%s\", want \"%s\"\n", c->what, m.unit_path, c->unit);
                        tap_failures++;
                }
        }
}

static void test_static_pod(void) {
        const char *t = "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
                        ".slice/cri-containerd-" CID ".scope\n";
        CgroupMatch m = {};

        CHECK_EQ_INT(cgroup_text_matches(t, strlen(t), false, TARGET_POD, STATIC_UID, &m), 1);
        CHECK_STREQ(m.unit_path, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID ".slice");
        CHECK_EQ_INT(m.unit_level, 3);
}

/* The unit path and level are what the classifier's cgroup match takes. */
static void test_levels(void) {
        const char *t = "0::" SD_BE "/cri-containerd-" CID ".scope\n";
        CgroupMatch m = {};

        CHECK_EQ_INT(cgroup_text_matches(t, strlen(t), false, TARGET_POD, UID, &m), 1);
        CHECK_STREQ(m.unit_path, SD_BE);
        CHECK_EQ_INT(m.unit_level, 3);
        CHECK_EQ_INT(cgroup_text_matches(t, strlen(t), false, TARGET_CONTAINER, CID, &m), 1);
        CHECK_EQ_INT(m.unit_level, 4);

        /* Outside our cgroup namespace: matched, but no level to match sockets by. */
        t = "0::/../kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope\n";
        CHECK_EQ_INT(cgroup_text_matches(t, strlen(t), false, TARGET_CONTAINER, CID, &m), 1);
        CHECK_EQ_INT(m.unit_level, 0);
}

/* A text cut at the buffer's end: its last, partial line could end in anything, so it does not count. */
static void test_truncated(void) {
        const char *t = "1:name=systemd:/\n4:memory:/kubepods/pod" UID "/" CID;

        CHECK_EQ_INT(cgroup_text_matches(t, strlen(t), true, TARGET_CONTAINER, CID, NULL), 0);
        CHECK_EQ_INT(cgroup_text_matches(t, strlen(t), false, TARGET_CONTAINER, CID, NULL), 1);
}

static void test_v2_path(void) {
        const char *t = "1:name=systemd:/x\n0::/a.slice/b.scope\n";
        char buf[64];
        unsigned level = 99;

        CHECK_EQ_INT(cgroup_text_v2_path(t, strlen(t), buf, sizeof(buf), &level), 0);
        CHECK_STREQ(buf, "/a.slice/b.scope");
        CHECK_EQ_INT(level, 2);
        t = "0::/\n";
        CHECK_EQ_INT(cgroup_text_v2_path(t, strlen(t), buf, sizeof(buf), &level), 0);
        CHECK_EQ_INT(level, 0);
        t = "1:name=systemd:/x\n";
        CHECK_EQ_INT(cgroup_text_v2_path(t, strlen(t), buf, sizeof(buf), &level), -ENOENT);
        t = "0::/../x\n";
        CHECK_EQ_INT(cgroup_text_v2_path(t, strlen(t), buf, sizeof(buf), &level), -ERANGE);
}

static void test_ids(void) {
        char id[TARGET_CONTAINER_ID_LEN + 1], uid[TARGET_CONTAINER_ID_LEN + 1];

        CHECK_EQ_INT(fault_container_id_parse("containerd://" CID, id), 0);
        CHECK_STREQ(id, CID);
        CHECK_EQ_INT(fault_container_id_parse("cri-o://" CID, id), 0);
        CHECK_EQ_INT(fault_container_id_parse("docker://" CID, id), 0);
        CHECK_EQ_INT(fault_container_id_parse("4F3A9C1B2D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A", id), 0);
        CHECK_STREQ(id, CID);
        CHECK_EQ_INT(fault_container_id_parse("rkt://" CID, id), -EINVAL);
        CHECK_EQ_INT(fault_container_id_parse("containerd://4f3a9c1b2d8e", id), -EINVAL);
        CHECK_EQ_INT(fault_container_id_parse(CID "0", id), -EINVAL);
        snprintf(id, sizeof(id), "%s", CID);
        id[17] = 'g';
        CHECK_EQ_INT(fault_container_id_parse(id, uid), -EINVAL);
        CHECK_EQ_INT(fault_container_id_parse("", id), -EINVAL);

        CHECK_EQ_INT(fault_pod_uid_parse(UID, uid), 0);
        CHECK_STREQ(uid, UID);
        CHECK_EQ_INT(fault_pod_uid_parse(UID_, uid), 0);
        CHECK_STREQ(uid, UID);
        CHECK_EQ_INT(fault_pod_uid_parse("6B7D1E2F-3A4B-4C5D-8E9F-0A1B2C3D4E5F", uid), 0);
        CHECK_STREQ(uid, UID);
        CHECK_EQ_INT(fault_pod_uid_parse(STATIC_UID, uid), 0);
        CHECK_EQ_INT(fault_pod_uid_parse("6b7d1e2f-3a4b_4c5d-8e9f-0a1b2c3d4e5f", uid), -EINVAL);
        CHECK_EQ_INT(fault_pod_uid_parse("6b7d1e2f3a4b-4c5d-8e9f-0a1b2c3d4e5f0", uid), -EINVAL);
        CHECK_EQ_INT(fault_pod_uid_parse("6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5", uid), -EINVAL);
        CHECK_EQ_INT(fault_pod_uid_parse("6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5g", uid), -EINVAL);
}

int main(void) {
        test_cases();
        test_static_pod();
        test_levels();
        test_truncated();
        test_v2_path();
        test_ids();
        TAP_EXIT();
}
