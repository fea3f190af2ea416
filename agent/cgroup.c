/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"

/* The scopes the runtimes create for a container under the systemd driver ("<prefix><id>.scope"), and under the
 * cgroupfs driver CRI-O's "crio-<id>" (containerd and docker name the directory by the bare ID). */
static const char *const container_scope_prefixes[] = {
        "cri-containerd-",      /* containerd */
        "crio-",                /* CRI-O */
        "docker-",              /* docker, cri-dockerd */
        "libpod-",              /* podman */
};

/* The pod slices of kubelet's systemd driver: "kubepods-pod<uid>.slice" (Guaranteed QoS), and the Burstable and
 * BestEffort ones, with the UID's dashes turned into underscores (a dash is systemd's slice separator). */
static const char *const pod_slice_prefixes[] = {
        "kubepods-pod",
        "kubepods-burstable-pod",
        "kubepods-besteffort-pod",
};

static bool has_prefix(const char *c, size_t n, const char *prefix, size_t *ret_len) {
        size_t l = strlen(prefix);

        if (n < l || memcmp(c, prefix, l) != 0)
                return false;
        *ret_len = l;
        return true;
}

/* c[0..n) is exactly prefix + id + suffix. */
static bool is_framed(const char *c, size_t n, const char *prefix, const char *id, const char *suffix) {
        size_t p, i = strlen(id), s = strlen(suffix);

        if (!has_prefix(c, n, prefix, &p))
                return false;
        return n == p + i + s && memcmp(c + p, id, i) == 0 && memcmp(c + p + i, suffix, s) == 0;
}

bool cgroup_component_matches(const char *c, size_t n, TargetKind kind, const char *id) {
        if (kind == TARGET_CONTAINER) {
                if (is_framed(c, n, "", id, ""))
                        return true;
                for (size_t i = 0; i < ELEMENTSOF(container_scope_prefixes); i++)
                        if (is_framed(c, n, container_scope_prefixes[i], id, ".scope"))
                                return true;
                return is_framed(c, n, "crio-", id, "");
        }

        if (kind == TARGET_POD) {
                char uid_[TARGET_POD_UID_MAX + 1];

                /* cgroupfs driver: "pod<uid>", dashes as they are. */
                if (is_framed(c, n, "pod", id, ""))
                        return true;
                snprintf(uid_, sizeof(uid_), "%s", id);
                for (char *p = uid_; *p; p++)
                        if (*p == '-')
                                *p = '_';
                for (size_t i = 0; i < ELEMENTSOF(pod_slice_prefixes); i++)
                        if (is_framed(c, n, pod_slice_prefixes[i], uid_, ".slice"))
                                return true;
        }
        return false;
}

/* One line "hierarchy:controllers:path": the path, and whether it is the v2 line ("0::"). */
static bool line_path(const char *line, size_t n, const char **ret_path, size_t *ret_n, bool *ret_v2) {
        const char *c1 = memchr(line, ':', n), *c2;

        if (!c1)
                return false;
        c2 = memchr(c1 + 1, ':', n - (size_t) (c1 + 1 - line));
        if (!c2)
                return false;
        *ret_v2 = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
        *ret_path = c2 + 1;
        *ret_n = n - (size_t) (c2 + 1 - line);
        return true;
}

/* What follows a pod's component in a path: a process of the pod's containers sits in a cgroup below the pod's
 * (its container's scope, or the pause container's). One in the pod's own cgroup, or in CRI-O's
 * "crio-conmon-<id>.scope", is CRI-O's monitor (conmon_cgroup = "pod"), which lives in the node's namespace. */
static bool in_pod_container(const char *rest, size_t n) {
        static const char conmon[] = "crio-conmon-";

        while (n > 0 && *rest == '/') {
                rest++;
                n--;
        }
        if (n == 0)
                return false;
        return !(n >= strlen(conmon) && memcmp(rest, conmon, strlen(conmon)) == 0);
}

/* Walk the components of path; the first that matches ends the walk. Returns the end of that component in path
 * (0: none) and its depth; *ret_outside when a ".." came first (a path outside our cgroup namespace). */
static size_t path_match(const char *path, size_t n, TargetKind kind, const char *id, unsigned *ret_level,
                         bool *ret_outside) {
        unsigned level = 0;
        bool outside = false;

        for (size_t i = 0; i < n;) {
                size_t j = i;

                while (j < n && path[j] != '/')
                        j++;
                if (j > i) {
                        if (j - i == 2 && path[i] == '.' && path[i + 1] == '.')
                                outside = true;
                        level++;
                        if (cgroup_component_matches(path + i, j - i, kind, id)) {
                                if (kind == TARGET_POD && !in_pod_container(path + j, n - j))
                                        return 0;
                                *ret_level = level;
                                *ret_outside = outside;
                                return j;
                        }
                }
                i = j + 1;
        }
        return 0;
}

typedef bool (*LineFn)(const char *path, size_t n, bool v2, void *userdata);

/* Each complete line of a /proc/PID/cgroup text, until fn says stop. */
static void for_each_line(const char *text, size_t len, bool truncated, LineFn fn, void *userdata) {
        for (size_t i = 0; i < len;) {
                const char *nl = memchr(text + i, '\n', len - i), *path;
                size_t end = nl ? (size_t) (nl - text) : len, pn;
                bool v2;

                if (!nl && truncated)
                        break;
                if (line_path(text + i, end - i, &path, &pn, &v2) && !fn(path, pn, v2, userdata))
                        break;
                i = end + 1;
        }
}

typedef struct MatchState {
        TargetKind kind;
        const char *id;
        bool matched;
        CgroupMatch *ret;
} MatchState;

static bool match_line(const char *path, size_t n, bool v2, void *userdata) {
        MatchState *m = userdata;
        unsigned level = 0;
        bool outside = false;
        size_t end = path_match(path, n, m->kind, m->id, &level, &outside);

        if (end == 0)
                return true;
        m->matched = true;
        if (!v2 || !m->ret)
                return true;
        snprintf(m->ret->unit_path, sizeof(m->ret->unit_path), "%.*s", (int) end, path);
        m->ret->unit_level = outside ? 0 : level;
        return false;
}

int cgroup_text_matches(const char *text, size_t len, bool truncated, TargetKind kind, const char *id,
                        CgroupMatch *ret) {
        CgroupMatch found = {};
        MatchState m = { .kind = kind, .id = id, .ret = &found };

        if (!text || !id || !id[0])
                return 0;
        for_each_line(text, len, truncated, match_line, &m);
        if (!m.matched)
                return 0;
        if (ret)
                *ret = found;
        return 1;
}

typedef struct V2State {
        char *buf;
        size_t size;
        unsigned level;
        int r;
} V2State;

static bool v2_line(const char *path, size_t n, bool v2, void *userdata) {
        V2State *s = userdata;
        unsigned level = 0;

        if (!v2)
                return true;
        s->r = 0;
        for (size_t i = 0; i < n;) {
                size_t j = i;

                while (j < n && path[j] != '/')
                        j++;
                if (j - i == 2 && path[i] == '.' && path[i + 1] == '.')
                        s->r = -ERANGE;
                if (j > i)
                        level++;
                i = j + 1;
        }
        if (n >= s->size)
                s->r = -ENAMETOOLONG;
        if (s->r == 0) {
                memcpy(s->buf, path, n);
                s->buf[n] = 0;
                s->level = level;
        }
        return false;
}

int cgroup_text_v2_path(const char *text, size_t len, char *buf, size_t size, unsigned *ret_level) {
        V2State s = { .buf = buf, .size = size, .r = -ENOENT };

        for_each_line(text, len, false, v2_line, &s);
        if (s.r == 0 && ret_level)
                *ret_level = s.level;
        return s.r;
}

/* Up to 8 KiB of /proc/PID/cgroup: a v1 node has a dozen lines of well under 300 bytes. */
#define CGROUP_FILE_READ_MAX 8192

static int read_cgroup_file(int dirfd, const char *pid, char *buf, size_t size, size_t *ret_len, bool *ret_trunc) {
        char path[300];
        size_t len = 0;
        int fd;

        snprintf(path, sizeof(path), "%s/cgroup", pid);
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        while (len < size) {
                ssize_t k = read(fd, buf + len, size - len);
                if (k < 0) {
                        k = negative_errno();
                        safe_close(fd);
                        return (int) k;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        safe_close(fd);
        *ret_len = len;
        *ret_trunc = len == size;
        return 0;
}

static int netns_of(int dirfd, const char *pid, NetnsId *ret) {
        char path[300];
        struct stat st;

        /* stat() follows the magic link to the nsfs inode without opening anything. */
        snprintf(path, sizeof(path), "%s/ns/net", pid);
        if (fstatat(dirfd, path, &st, 0) < 0)
                return negative_errno();
        *ret = (NetnsId) { .dev = st.st_dev, .ino = st.st_ino };
        return 0;
}

int cgroup_scan(const char *proc, TargetKind kind, const char *id, const NetnsId *want, CgroupScan *ret) {
        static char text[CGROUP_FILE_READ_MAX];
        CgroupScan s = {};
        struct dirent *de;
        DIR *d;
        int r = -ENOENT;

        d = opendir(proc);
        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                CgroupMatch m;
                NetnsId ns;
                size_t len;
                bool trunc;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                /* A process that exits half-way is simply not there. */
                if (read_cgroup_file(dirfd(d), de->d_name, text, sizeof(text), &len, &trunc) < 0)
                        continue;
                s.n_procs++;
                if (!cgroup_text_matches(text, len, trunc, kind, id, &m))
                        continue;
                if (netns_of(dirfd(d), de->d_name, &ns) < 0)
                        continue;
                if (want && (ns.dev != want->dev || ns.ino != want->ino))
                        continue;
                s.n_matched++;
                if (s.n_matched == 1) {
                        s.pid = (pid_t) atoi(de->d_name);
                        s.netns = ns;
                        s.match = m;
                        r = 0;
                        if (want)
                                break;
                } else if (ns.dev != s.netns.dev || ns.ino != s.netns.ino) {
                        s.other_pid = (pid_t) atoi(de->d_name);
                        r = -EXDEV;
                        break;
                }
        }
        closedir(d);
        *ret = s;
        return r;
}

int cgroup_pid_v2_path(pid_t pid, char *buf, size_t size, unsigned *ret_level) {
        static char text[CGROUP_FILE_READ_MAX];
        char name[32];
        size_t len;
        bool trunc;
        int k;

        snprintf(name, sizeof(name), "/proc/%d", (int) pid);
        k = read_cgroup_file(AT_FDCWD, name, text, sizeof(text), &len, &trunc);
        if (k < 0)
                return k;
        return cgroup_text_v2_path(text, len, buf, size, ret_level);
}

/* Where cgroup2 is mounted: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one. */
static const char *cgroup2_root(void) {
        static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        struct statfs sfs;

        for (size_t i = 0; i < ELEMENTSOF(roots); i++)
                if (statfs(roots[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
                        return roots[i];
        return NULL;
}

int cgroup_id_of_path(const char *path, uint64_t *ret) {
        union {
                struct file_handle h;
                uint8_t space[sizeof(struct file_handle) + sizeof(uint64_t)];
        } fh = {};
        const char *root = cgroup2_root();
        char full[CGROUP_PATH_MAX + 64];
        int mnt;

        if (!root)
                return -ENOMEDIUM;
        fh.h.handle_bytes = sizeof(uint64_t);
        if (snprintf(full, sizeof(full), "%s%s", root, path) >= (int) sizeof(full))
                return -ENAMETOOLONG;
        /* kernfs hands out the node id as the handle (kernfs_encode_fh); no capability needed to ask. */
        if (name_to_handle_at(AT_FDCWD, full, &fh.h, &mnt, 0) < 0)
                return negative_errno();
        if (fh.h.handle_bytes != sizeof(uint64_t))
                return -EOPNOTSUPP;
        memcpy(ret, fh.h.f_handle, sizeof(uint64_t));
        return 0;
}
