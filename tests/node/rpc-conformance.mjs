// SPDX-License-Identifier: MIT
//
// host-rpc-conformance, the Node half (rpc-conformance.sh sets up the namespaces and the agent): a client in a
// second language, Node's standard library (net) plus ajv, against proto/chaoslet.openrpc.json. It calls every
// method the document declares, with good params and with bad ones, and checks
//
//   - each params object it sends against the document's params schemas (good ones pass, and bad ones that a
//     schema can tell are refused by it too), so the document and the agent are checked against each other;
//   - each reply against JSON-RPC 2.0's response object;
//   - each result against the method's result schema;
//   - each error against the document: a code the method declares (or a protocol-level one, -32700, -32600,
//     -32601), a message (which may be more specific than components.errors', x-chaoslet-transport.errorMessages),
//     and data against the data schema x-chaoslet-errors names;
//
// and batches, notifications, and ids (a string with escapes, 9007199254740991 and 9007199254740993 echoed as
// written, null). Faults are only kinds this kernel has without sch_netem: partition, loss decided by the
// classifier, and bandwidth (tbf); every one is recovered at the end.
//
//   node rpc-conformance.mjs --socket PATH --netns NS_PATH --device DEV --peer ADDR --foreign NS_PATH

import net from "node:net";
import { parseArgs } from "node:util";
import { check, closeSchemas, done, errorsText, fail, newAjv, ok, readDocument, skip } from "./lib.mjs";

const { values: opt } = parseArgs({
        options: {
                socket: { type: "string" },
                netns: { type: "string" },
                device: { type: "string" },
                peer: { type: "string" },
                foreign: { type: "string" },
        },
});
for (const k of ["socket", "netns", "device", "peer", "foreign"])
        if (!opt[k])
                throw new Error(`--${k} is required`);

const doc = readDocument();
const ajv = newAjv();
ajv.addSchema(doc, "chaoslet");

// What the agent sends must say nothing the document does not (lib.mjs, closeSchemas).
ajv.addSchema(closeSchemas(doc), "chaoslet-closed");
const methods = new Map(doc.methods.map((m, i) => [m.name, { ...m, index: i }]));
const errorByCode = new Map(doc["x-chaoslet-errors"].map((e) => [e.code, e]));
const protocolCodes = [-32700, -32600, -32601];

function schemaAt(pointer, base = "chaoslet") {
        const v = ajv.getSchema(`${base}#${pointer}`);
        if (!v)
                throw new Error(`no schema at ${pointer}`);
        return v;
}

// The JSON-RPC 2.0 response object, as the agent sends it.
const validateResponse = ajv.compile({
        type: "object",
        required: ["jsonrpc", "id"],
        additionalProperties: false,
        properties: {
                jsonrpc: { const: "2.0" },
                id: { type: ["string", "number", "null"] },
                result: {},
                error: {
                        type: "object",
                        required: ["code", "message"],
                        additionalProperties: false,
                        properties: { code: { type: "integer" }, message: { type: "string" }, data: {} },
                },
        },
        oneOf: [{ required: ["result"] }, { required: ["error"] }],
});

// --- The client: one connection, newline-framed, replies in order (x-chaoslet-transport.framing).

class Client {
        constructor(path) {
                this.sock = net.createConnection(path);
                this.sock.setEncoding("utf8");
                this.buf = "";
                this.lines = [];
                this.waiters = [];
                this.closed = false;
                this.sock.on("data", (chunk) => {
                        this.buf += chunk;
                        let nl;
                        while ((nl = this.buf.indexOf("\n")) >= 0) {
                                this.lines.push(this.buf.slice(0, nl));
                                this.buf = this.buf.slice(nl + 1);
                        }
                        this.wake();
                });
                this.sock.on("close", () => { this.closed = true; this.wake(); });
                this.sock.on("error", (err) => { this.error = err; this.closed = true; this.wake(); });
        }

        connected() {
                return new Promise((resolve, reject) => {
                        this.sock.once("connect", resolve);
                        this.sock.once("error", reject);
                });
        }

        wake() {
                while (this.waiters.length && (this.lines.length || this.closed)) {
                        const w = this.waiters.shift();
                        clearTimeout(w.timer);
                        w.resolve(this.lines.length ? this.lines.shift() : null);
                }
        }

        // The next line, or null once the agent closed the connection. Bounded: 10 s.
        nextLine(timeoutMs = 10000) {
                return new Promise((resolve, reject) => {
                        const w = { resolve };
                        w.timer = setTimeout(() => {
                                this.waiters.splice(this.waiters.indexOf(w), 1);
                                reject(new Error(`no reply within ${timeoutMs} ms`));
                        }, timeoutMs);
                        this.waiters.push(w);
                        this.wake();
                });
        }

        async sendRaw(line) {
                this.sock.write(line + "\n");
                const reply = await this.nextLine();
                if (reply === null)
                        throw new Error(`the agent closed the connection after: ${line.slice(0, 200)}`);
                return reply;
        }

        close() {
                this.sock.end();
        }
}

let nextId = 1;

// --- Checks of one reply.

function checkEnvelope(what, reply) {
        if (!validateResponse(reply)) {
                fail(`${what}: not a JSON-RPC 2.0 response: ${errorsText(validateResponse.errors)}: ${JSON.stringify(reply)}`);
                return false;
        }
        return true;
}

// An error reply against the document: declared for the method (protocol-level codes for anything), the
// message of components.errors, and its data schema.
function checkError(what, method, err) {
        const declared = method ? method.errors.map((e) => e.code) : [];
        const known = errorByCode.get(err.code);
        if (!known) {
                fail(`${what}: error code ${err.code} is not in x-chaoslet-errors`);
                return;
        }
        if (!declared.includes(err.code) && !protocolCodes.includes(err.code))
                fail(`${what}: error ${err.code} (${known.name}) is not among ${method?.name ?? "the method"}'s errors ${declared.join(", ")}`);
        if (!err.message)
                fail(`${what}: error ${err.code} has an empty message`);
        if (!known.data && err.data !== undefined)
                fail(`${what}: error ${err.code} has data ${JSON.stringify(err.data)}, x-chaoslet-errors declares none`);
        if (known.data && err.data !== undefined) {
                const v = schemaAt(known.data.$ref.slice(1), "chaoslet-closed");
                if (!v(err.data))
                        fail(`${what}: error ${err.code} data ${JSON.stringify(err.data)} against ${known.data.$ref}: ${errorsText(v.errors)}`);
        }
}

function checkResult(what, method, result) {
        const v = schemaAt(`/methods/${method.index}/result/schema`, "chaoslet-closed");
        if (!v(result)) {
                fail(`${what}: result against ${method.name}'s result schema: ${errorsText(v.errors)}: ${JSON.stringify(result).slice(0, 300)}`);
                return false;
        }
        return true;
}

// What the document says of params: each declared param's schema, required ones present, no others (by-name),
// and the method's x-chaoslet-params-rules. Returns the first complaint, or null.
function paramsComplaint(method, params) {
        if (params === undefined)
                params = {};
        if (typeof params !== "object" || params === null || Array.isArray(params))
                return "params is not an object (paramStructure by-name)";
        for (const p of method.params)
                if (p.required && !(p.name in params))
                        return `missing ${p.name}`;
        for (const [k, value] of Object.entries(params)) {
                const i = method.params.findIndex((p) => p.name === k);
                if (i < 0)
                        return `unknown param ${k}`;
                const v = schemaAt(`/methods/${method.index}/params/${i}/schema`);
                if (!v(value))
                        return `${k}: ${errorsText(v.errors)}`;
        }
        if (method["x-chaoslet-params-rules"]) {
                const v = schemaAt(`/methods/${method.index}/x-chaoslet-params-rules`);
                if (!v(params))
                        return `x-chaoslet-params-rules: ${errorsText(v.errors)}`;
        }
        return null;
}

// --- Calls.

// A good call: params that the document accepts, and a result that its schema accepts.
async function good(client, name, params, what) {
        const method = methods.get(name);
        what = `${name} ${what}`;
        const complaint = paramsComplaint(method, params);
        if (complaint)
                fail(`${what}: the document refuses these good params: ${complaint}`);
        const id = nextId++;
        const line = await client.sendRaw(JSON.stringify({ jsonrpc: "2.0", id, method: name, params }));
        const reply = JSON.parse(line);
        if (!checkEnvelope(what, reply))
                return null;
        check(reply.id === id, `${what}: id ${id} echoed`);
        if (reply.error) {
                fail(`${what}: error ${reply.error.code} ${reply.error.message} ${JSON.stringify(reply.error.data)}`);
                return null;
        }
        if (checkResult(what, method, reply.result))
                ok(`${what}: a result its schema accepts`);
        return reply.result;
}

// A bad call: the error code wanted, valid against the document. schema: whether the document's params
// schemas must refuse these params too (true), or cannot tell (false: the agent knows more, such as what
// exists on this node).
async function bad(client, name, params, code, what, { schema = true, field } = {}) {
        const method = methods.get(name);
        what = `${name} ${what}`;
        if (method) {
                const complaint = paramsComplaint(method, params);
                if (schema && !complaint)
                        fail(`${what}: the document's schemas accept params the agent must refuse`);
                else if (!schema && complaint)
                        fail(`${what}: the document's schemas refuse params that should pass them: ${complaint}`);
        }
        const id = nextId++;
        const req = { jsonrpc: "2.0", id, method: name };
        if (params !== undefined)
                req.params = params;
        const reply = JSON.parse(await client.sendRaw(JSON.stringify(req)));
        if (!checkEnvelope(what, reply))
                return null;
        if (!reply.error) {
                fail(`${what}: succeeded, want error ${code}: ${JSON.stringify(reply.result).slice(0, 200)}`);
                return null;
        }
        checkError(what, method, reply.error);
        const e = reply.error;
        if (e.code !== code)
                fail(`${what}: error ${e.code} ${e.message} ${JSON.stringify(e.data)}, want ${code}`);
        else if (field !== undefined && e.data?.field !== field)
                fail(`${what}: error ${code} names field ${e.data?.field}, want ${field}`);
        else
                ok(`${what}: ${code} ${e.message}${e.data ? " " + JSON.stringify(e.data) : ""}`);
        return e;
}

// A line that is not a well-formed request: the protocol-level error wanted, checked against the document, and
// the id: the request's where it could be read, else null (x-chaoslet-errors, -32600).
async function badLine(client, line, code, what, id = null) {
        const reply = JSON.parse(await client.sendRaw(line));
        if (!checkEnvelope(what, reply))
                return;
        if (reply.error?.code !== code) {
                fail(`${what}: ${JSON.stringify(reply)}, want error ${code}`);
                return;
        }
        checkError(what, null, reply.error);
        check(reply.id === id, `${what}: ${code} ${reply.error.message} ${JSON.stringify(reply.error.data ?? {})}, id ${reply.id}`);
}

// --- The run.

const c = new Client(opt.socket);
await c.connected();
const target = { netns: opt.netns };
const applied = [];

const methodsCalled = new Set();
const track = (fn) => async (client, name, ...rest) => { methodsCalled.add(name); return fn(client, name, ...rest); };
const goodCall = track(good);
const badCall = track(bad);

// agent.info
const info = await goodCall(c, "agent.info", {}, "with {}");
await goodCall(c, "agent.info", undefined, "without params");
await badCall(c, "agent.info", { verbose: true }, -32602, "with an unknown param", { field: "verbose" });
await badCall(c, "agent.info", [1], -32602, "with params by position");
if (info)
        check(info.kernel.features.sch_netem === false || info.kernel.features.sch_netem === true,
                `agent.info: kernel ${info.kernel.release}, sch_netem ${info.kernel.features.sch_netem}`);
// Partition and classifier loss need the eBPF classifier; bandwidth needs htb and tbf.
for (const f of ["bpf", "cls_bpf", "sch_htb", "sch_tbf"])
        if (info && !info.kernel.features[f])
                skip(`this kernel lacks ${f}, which the faults applied here need`);

// fault.apply: the good ones, each a kind this kernel has.
const partition = { id: "conf-partition", target, device: opt.device, partition: true,
        match: { cidrs: [`${opt.peer}/32`], ports: [9, "7000-7010"], protocol: "udp" }, duration: "2m" };
const loss = { id: "conf-loss", target, netem: { loss: "20%" }, direction: "both",
        match: { cidrs: ["198.51.100.0/24", "2001:db8::/32"] }, duration: "90s" };
const bandwidth = { id: "conf-bw", target, device: [opt.device], bandwidth: { rate: "10mbit", burst: 32768 },
        match: { cidrs: ["203.0.113.0/24"] } };
const chaos = { id: "conf-networkchaos", target, networkchaos: { action: "partition", direction: "to",
        externalTargets: ["203.0.113.7"], mode: "all", selector: { namespaces: ["default"] }, duration: "1m" } };

for (const [params, what] of [[partition, "partition, device and match"], [loss, "loss decided by the classifier, both ways"],
        [bandwidth, "bandwidth (tbf)"], [chaos, "a NetworkChaos partition"]]) {
        const r = await goodCall(c, "fault.apply", params, what);
        if (r) {
                applied.push(params.id);
                check(r.id === params.id && r.state === "active", `fault.apply ${params.id}: active`);
        }
}
const renewed = await goodCall(c, "fault.apply", partition, "the same again (a lease renewal)");
if (renewed)
        check(renewed.id === partition.id, "fault.apply renewal: same id");
const noId = await goodCall(c, "fault.apply", { target, partition: true, match: { cidrs: ["192.0.2.200/32"] },
        duration: "1m" }, "without an id (the agent names it)");
if (noId)
        applied.push(noId.id);

// fault.apply: bad params the document's schemas refuse too.
const T = target;
await badCall(c, "fault.apply", { target: T }, -32602, "with neither netem, bandwidth nor partition", { field: "netem" });
await badCall(c, "fault.apply", { target: T, partition: true, netem: { loss: "1%" } }, -32602, "partition with netem", { field: "partition" });
await badCall(c, "fault.apply", { target: T, partition: true, bandwidth: { rate: "1mbit" } }, -32602, "partition with bandwidth", { field: "partition" });
await badCall(c, "fault.apply", { target: T, partition: true, lossy: true }, -32602, "with an unknown param", { field: "lossy" });
await badCall(c, "fault.apply", { partition: true }, -32602, "without a target", { field: "target" });
await badCall(c, "fault.apply", { target: { pid: "1" }, partition: true }, -32602, "with a string pid", { field: "target.pid" });
await badCall(c, "fault.apply", { target: { pid: 1, netns: "/x" }, partition: true }, -32602, "with two targets");
await badCall(c, "fault.apply", { target: T, netem: { latncy: "10ms" } }, -32602, "with an unknown netem member", { field: "netem.latncy" });
await badCall(c, "fault.apply", { target: T, partition: true, duration: "-1s" }, -32602, "with a negative duration", { field: "duration" });
await badCall(c, "fault.apply", { target: T, partition: true, match: { cidrs: [] } }, -32602, "with an empty cidrs", { field: "match.cidrs" });
await badCall(c, "fault.apply", { target: T, partition: true, match: { ports: [70000] } }, -32602, "with port 70000", { field: "match.ports[0]" });
await badCall(c, "fault.apply", { target: T, partition: true, direction: "sideways" }, -32602, "with direction sideways", { field: "direction" });
await badCall(c, "fault.apply", { id: "bad id!", target: T, partition: true }, -32602, "with an id outside the pattern", { field: "id" });
await badCall(c, "fault.apply", { target: T, partition: true, device: "a/b" }, -32602, "with a device name with /");
await badCall(c, "fault.apply", { target: T, bandwidth: { rate: "fast" } }, -32602, "with a rate that is no rate", { field: "bandwidth.rate" });
await badCall(c, "fault.apply", { target: T, partition: true, networkchaos: { action: "loss" } }, -32602, "networkchaos with partition");
// Bad params the schemas cannot tell, but the agent can.
await badCall(c, "fault.apply", { target: T, partition: true, match: { cidrs: ["192.0.2.1/24"] } }, -32602,
        "with host bits set in a CIDR", { schema: false, field: "match.cidrs[0]" });
await badCall(c, "fault.apply", { target: T, partition: true, match: { ports: ["9000-80"] } }, -32602,
        "with a reversed port range", { schema: false, field: "match.ports[0]" });
await badCall(c, "fault.apply", { target: T, netem: { loss: "101%" } }, -32602, "with a loss of \"101%\"",
        { schema: false, field: "netem.loss" });
await badCall(c, "fault.apply", { target: T, networkchaos: { action: "loss", loss: { loss: "5" }, externalTargets: ["db.example"] } },
        -32602, "networkchaos with a hostname", { schema: false });

// fault.apply: errors of the node, not of the params.
await badCall(c, "fault.apply", { target: { netns: "/run/netns/cl-conformance-no-such-namespace" }, partition: true },
        -32001, "on a namespace that does not exist", { schema: false });
await badCall(c, "fault.apply", { target: { pid: 2147483647 }, partition: true }, -32001, "on a pid that does not exist",
        { schema: false, field: "target.pid" });
await badCall(c, "fault.apply", { target: T, device: "cl-no-such-dev", partition: true }, -32001,
        "on a device that does not exist", { schema: false });
await badCall(c, "fault.apply", { target: { pid: process.pid }, partition: true }, -32004,
        "on the node's own namespace (no --allow-host-netns)", { schema: false, field: "target" });
await badCall(c, "fault.apply", { ...partition, duration: "3m" }, -32003, "an id taken with another spec", { schema: false });
await badCall(c, "fault.apply", { target: { netns: opt.foreign }, partition: true }, -32003,
        "on a device whose root qdisc is not chaoslet's", { schema: false });
if (info && !info.kernel.features.sch_netem) {
        const e = await badCall(c, "fault.apply", { target: T, netem: { latency: "50ms" } }, -32002,
                "with latency on a kernel without sch_netem", { schema: false });
        check(e?.data?.feature === "sch_netem", "-32002 names sch_netem");
} else {
        ok("fault.apply -32002: not tried (this kernel has sch_netem)");
}

// fault.get and fault.list
for (const id of applied)
        await goodCall(c, "fault.get", { id }, `of ${id}`);
await badCall(c, "fault.get", { id: "conf-none" }, -32005, "of an unknown id", { schema: false, field: "id" });
await badCall(c, "fault.get", {}, -32602, "without an id", { field: "id" });
await badCall(c, "fault.get", { id: 7 }, -32602, "with a number id", { field: "id" });
await badCall(c, "fault.get", { id: "conf-loss", extra: 1 }, -32602, "with an unknown param", { field: "extra" });
const list = await goodCall(c, "fault.list", {}, "with the faults applied");
if (list)
        check(applied.every((id) => list.faults.some((f) => f.id === id)), `fault.list lists all ${applied.length}`);
await badCall(c, "fault.list", { all: true }, -32602, "with an unknown param", { field: "all" });

// Methods and request objects that do not exist.
await bad(c, "fault.destroy", {}, -32601, "(no such method)");
await bad(c, "Agent.Info", {}, -32601, "(methods are case-sensitive)");

// Protocol level: parse errors and invalid requests.
await badLine(c, '{"jsonrpc": "2.0", "id": 1, "method": ', -32700, "a line cut short");
await badLine(c, '{"jsonrpc": "2.0", "id": 1, "method": "agent.info", "params": {"x": NaN}}', -32700, "NaN");
await badLine(c, '{"id": 1, "method": "agent.info"}', -32600, "no jsonrpc member", 1);
await badLine(c, '{"jsonrpc": "2.0", "id": {"a": 1}, "method": "agent.info"}', -32600, "an object id");
await badLine(c, '{"jsonrpc": "2.0", "id": "p", "method": "agent.info", "params": 3}', -32600, "params a number", "p");
await badLine(c, '{"jsonrpc": "2.0", "id": 2, "method": "agent.info", "extra": 1}', -32600, "an unknown member", 2);
await badLine(c, "[]", -32600, "an empty batch");
await badLine(c, JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "agent.info" }))),
        -32600, "a batch of 101");

await badLine(c, `{"jsonrpc": "2.0", "id": 3, "method": "fault.list", "params": {"a": ${"[".repeat(70)}${"]".repeat(70)}}}`,
        -32600, "nesting deeper than 64", 3);

// A line longer than maxLineBytes: -32600, then the agent closes the connection.
{
        const max = doc["x-chaoslet-transport"].maxLineBytes;
        const long = new Client(opt.socket);
        await long.connected();
        const reply = JSON.parse(await long.sendRaw(`{"jsonrpc": "2.0", "id": 4, "method": "fault.list", "params": {"pad": "${"x".repeat(max)}"}}`));
        if (checkEnvelope("a line of more than maxLineBytes", reply) && reply.error?.code === -32600) {
                checkError("a line of more than maxLineBytes", null, reply.error);
                ok(`a line of more than ${max} bytes: -32600 ${reply.error.message} ${JSON.stringify(reply.error.data ?? {})}`);
        } else {
                fail(`a line of more than ${max} bytes: ${JSON.stringify(reply).slice(0, 200)}`);
        }
        check(await long.nextLine() === null, "then the connection is closed");
}

// ids: as written, whatever their type.
for (const [text, what] of [['"conf-\\u00e9\\"x"', "a string with escapes"], ["9007199254740991", "2^53-1"],
        ["9007199254740993", "2^53+1, no double"], ["1e3", "1e3"], ["null", "null"]]) {
        const line = await c.sendRaw(`{"jsonrpc": "2.0", "id": ${text}, "method": "fault.list"}`);
        const reply = JSON.parse(line);
        if (checkEnvelope(`id ${what}`, reply) && reply.result) {
                checkResult(`id ${what}`, methods.get("fault.list"), reply.result);
                check(line.includes(`"id":${text}`) || line.includes(`"id": ${text}`), `id ${what}: echoed as ${text}`);
        } else {
                fail(`id ${what}: ${line}`);
        }
}

// A batch: replies in order, a notification without one, a bad entry in place.
{
        const batch = [
                { jsonrpc: "2.0", id: "b1", method: "agent.info" },
                { jsonrpc: "2.0", method: "fault.list" },
                { jsonrpc: "2.0", id: "b2", method: "fault.get", params: { id: "conf-bw" } },
                { jsonrpc: "2.0", id: "b3", method: "fault.get", params: { id: "conf-none" } },
                1,
                { jsonrpc: "2.0", id: "b4", method: "no.such" },
        ];
        const replies = JSON.parse(await c.sendRaw(JSON.stringify(batch)));
        if (!Array.isArray(replies) || replies.length !== 5) {
                fail(`batch: want an array of 5 replies, got ${JSON.stringify(replies).slice(0, 300)}`);
        } else {
                check(JSON.stringify(replies.map((r) => r.id)) === '["b1","b2","b3",null,"b4"]',
                        `batch: replies in order, the notification without one: ${replies.map((r) => r.id).join(", ")}`);
                replies.forEach((r, i) => checkEnvelope(`batch entry ${i}`, r));
                checkResult("batch agent.info", methods.get("agent.info"), replies[0].result);
                checkResult("batch fault.get", methods.get("fault.get"), replies[1].result);
                check(replies[2].error?.code === -32005, "batch: fault.get of an unknown id is -32005");
                checkError("batch fault.get", methods.get("fault.get"), replies[2].error);
                check(replies[3].error?.code === -32600, "batch: an entry 1 is -32600, id null");
                check(replies[4].error?.code === -32601, "batch: an unknown method is -32601");
                for (const r of replies.slice(3))
                        if (r.error)
                                checkError("batch entry", null, r.error);
        }
}

// Notifications: executed, never answered. The next line on the connection is the next request's reply.
{
        const before = nextId++;
        c.sock.write(JSON.stringify({ jsonrpc: "2.0", method: "fault.recover", params: { id: "conf-networkchaos" } }) + "\n");
        c.sock.write(JSON.stringify([{ jsonrpc: "2.0", method: "agent.info" }, { jsonrpc: "2.0", method: "fault.list" }]) + "\n");
        const reply = JSON.parse(await c.sendRaw(JSON.stringify({ jsonrpc: "2.0", id: before, method: "fault.get",
                params: { id: "conf-networkchaos" } })));
        check(reply.id === before, "a notification and a batch of notifications: no reply to either");
        check(reply.error?.code === -32005, "the notification was executed: conf-networkchaos is recovered");
        methodsCalled.add("fault.recover");
        applied.splice(applied.indexOf("conf-networkchaos"), 1);
}

// fault.recover: every fault applied, then the bad ones.
for (const id of applied) {
        const r = await goodCall(c, "fault.recover", { id }, `of ${id}`);
        if (r)
                check(r.id === id && r.state === "recovered", `fault.recover ${id}: recovered`);
}
await badCall(c, "fault.recover", { id: "conf-partition" }, -32005, "of a recovered id", { schema: false, field: "id" });
await badCall(c, "fault.recover", {}, -32602, "without an id", { field: "id" });
await badCall(c, "fault.recover", { id: "" }, -32602, "with an empty id", { field: "id" });
const after = await goodCall(c, "fault.list", {}, "at the end");
if (after)
        check(after.faults.length === 0, `fault.list at the end: ${after.faults.length} faults`);

// Every method of the document was called.
for (const name of methods.keys())
        check(methodsCalled.has(name), `${name} was called`);
check(methodsCalled.size === methods.size, `all ${methods.size} methods of the document called`);
ok("error -32010 (KernelRefused) and -32603 (InternalError): not provoked here (a kernel refusal, out of memory, 256 busy clients)");

c.close();
done();
