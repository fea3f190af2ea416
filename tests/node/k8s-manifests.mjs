// SPDX-License-Identifier: MIT
//
// unit-k8s-manifests: every document in packaging/kubernetes/*.yaml is valid against the Kubernetes API schemas
// (kubernetes-models: the class for its apiVersion and kind, whose validate() throws), the DaemonSet says what
// issue 9 asks of it, and the check can fail: each document of fixtures/bad-daemonset.yaml is refused, on the
// path it names.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { check, done, fail, ok, srcDir } from "./lib.mjs";

// "apps/v1" is kubernetes-models/apps/v1, the core group's "v1" is kubernetes-models/v1.
async function modelClass(obj) {
        if (typeof obj?.apiVersion !== "string" || typeof obj?.kind !== "string")
                return null;
        let mod;
        try {
                mod = await import(`kubernetes-models/${obj.apiVersion}`);
        } catch {
                return null;
        }
        return typeof mod[obj.kind] === "function" ? mod[obj.kind] : null;
}

function readDocuments(path) {
        const docs = [];
        for (const d of parseAllDocuments(readFileSync(path, "utf8"))) {
                if (d.errors.length)
                        throw new Error(`${path}: ${d.errors[0].message}`);
                const obj = d.toJS();
                if (obj !== null && obj !== undefined)
                        docs.push(obj);
        }
        return docs;
}

// Where each complaint points: a missing property is named as the path it should have been at.
function errorPaths(err) {
        return (err.errors || []).map((e) =>
                e.params?.missingProperty ? `${e.instancePath}/${e.params.missingProperty}` : e.instancePath);
}

async function validate(obj) {
        const Class = await modelClass(obj);
        if (!Class)
                return { error: `no kubernetes-models class for ${obj?.apiVersion} ${obj?.kind}` };
        try {
                new Class(obj).validate();
                return {};
        } catch (err) {
                return { error: err.message, paths: errorPaths(err) };
        }
}

const k8sDir = join(srcDir, "packaging", "kubernetes");
const manifests = readdirSync(k8sDir).filter((f) => f.endsWith(".yaml")).sort();
check(manifests.length > 0, `${manifests.length} manifests in packaging/kubernetes`);

const all = [];
for (const file of manifests) {
        for (const obj of readDocuments(join(k8sDir, file))) {
                const what = `${file}: ${obj.kind} ${obj.metadata?.name}`;
                const r = await validate(obj);
                if (r.error)
                        fail(`${what}: ${r.error}`);
                else
                        ok(`${what} is a valid ${obj.apiVersion} ${obj.kind}`);
                all.push(obj);
        }
}

// The bad fixture: each document must be refused, and for the reason its x-expect names.
const bad = readDocuments(join(srcDir, "tests", "node", "fixtures", "bad-daemonset.yaml"));
check(bad.length >= 3, `${bad.length} bad documents in fixtures/bad-daemonset.yaml`);
for (const obj of bad) {
        const expect = obj["x-expect"];
        delete obj["x-expect"];
        const r = await validate(obj);
        if (!r.error)
                fail(`bad ${obj.metadata?.name} was accepted`);
        else if (!r.paths?.includes(expect))
                fail(`bad ${obj.metadata?.name} was refused, but not at ${expect}: ${r.error}`);
        else
                ok(`bad ${obj.metadata?.name} is refused: ${r.error}`);
}

// What issue 9 asks of the DaemonSet.
const ns = all.filter((o) => o.kind === "Namespace");
const ds = all.filter((o) => o.kind === "DaemonSet");
check(ns.length === 1 && ds.length === 1, "one Namespace and one DaemonSet");
check(!all.some((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind)), "no RBAC objects (the agent never calls the API)");
if (ds.length !== 1)
        done();
const d = ds[0];
check(d.metadata.namespace === ns[0]?.metadata.name, `the DaemonSet is in namespace ${ns[0]?.metadata.name}`);
const pod = d.spec.template.spec;
check(pod.hostPID === true, "hostPID: true");
check(pod.automountServiceAccountToken === false, "automountServiceAccountToken: false");
check(pod.priorityClassName === "system-node-critical", "priorityClassName: system-node-critical");
check(pod.tolerations?.some((t) => t.operator === "Exists" && !t.key && !t.effect),
        "tolerations: operator Exists with no key and no effect (every taint)");
check(pod.securityContext?.seccompProfile?.type === "RuntimeDefault", "seccompProfile: RuntimeDefault");
check(pod.containers.length === 1, "one container");

const c = pod.containers[0];
const sc = c.securityContext ?? {};
check(sc.privileged !== true, "not privileged: true");
check(sc.readOnlyRootFilesystem === true, "readOnlyRootFilesystem: true");
check(JSON.stringify(sc.capabilities?.drop) === '["ALL"]', "capabilities.drop: [ALL]");
const caps = [...(sc.capabilities?.add ?? [])].sort();
check(JSON.stringify(caps) === JSON.stringify(["BPF", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"]),
        `capabilities.add is exactly BPF, NET_ADMIN, SYS_ADMIN, SYS_PTRACE (agent/caps.h): ${caps.join(", ")}`);
for (const p of all.filter((o) => o.kind !== "Namespace" && o.spec?.template)) {
        for (const cc of [...p.spec.template.spec.containers, ...(p.spec.template.spec.initContainers ?? [])])
                check(cc.securityContext?.privileged !== true, `${p.metadata.name}/${cc.name} is not privileged`);
}

const probeCmd = (probe) => (probe?.exec?.command ?? []).join(" ");
check(/\bchaoslet\b.*\binfo\b/.test(probeCmd(c.livenessProbe)), `livenessProbe runs chaoslet info: ${probeCmd(c.livenessProbe)}`);
check(/\bchaoslet\b.*\binfo\b/.test(probeCmd(c.readinessProbe)), `readinessProbe runs chaoslet info: ${probeCmd(c.readinessProbe)}`);
check(c.resources?.requests?.memory && c.resources?.limits?.memory && c.resources?.requests?.cpu,
        `resources: requests ${JSON.stringify(c.resources?.requests)}, limits ${JSON.stringify(c.resources?.limits)}`);

function hostPathMount(path) {
        const vol = pod.volumes?.find((v) => v.hostPath?.path === path);
        const mount = vol && c.volumeMounts?.find((m) => m.name === vol.name);
        return { vol, mount };
}
for (const path of ["/run/chaoslet"]) {
        const { vol, mount } = hostPathMount(path);
        check(vol && mount?.mountPath === path && mount.readOnly !== true,
                `hostPath ${path} mounted read-write at ${mount?.mountPath}`);
}
{
        const { vol, mount } = hostPathMount("/run/netns");
        check(vol && mount?.mountPath === "/run/netns" && mount.mountPropagation === "HostToContainer",
                `hostPath /run/netns mounted with mountPropagation ${mount?.mountPropagation}`);
}

done();
