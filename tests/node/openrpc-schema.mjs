// SPDX-License-Identifier: MIT
//
// unit-openrpc-schema: proto/chaoslet.openrpc.json is a valid OpenRPC document (@open-rpc/meta-schema, with ajv
// as a draft-07 validator), and the check can fail: broken copies of it, made in memory, are each refused. Then
// the document against itself: every schema compiles, its examples pass the schemas they illustrate (results and
// error data read as closed, as host-rpc-conformance reads the agent's), and the errors agree with each other.

import { check, closeSchemas, compileMetaSchema, done, errorsText, fail, newAjv, ok, readDocument } from "./lib.mjs";

const ajv = newAjv();
const validate = compileMetaSchema(ajv);
const doc = readDocument();

if (validate(doc))
        ok(`proto/chaoslet.openrpc.json is OpenRPC ${doc.openrpc}: ${doc.methods.length} methods`);
else
        fail(`proto/chaoslet.openrpc.json against the OpenRPC meta-schema: ${errorsText(validate.errors)}`);

// Each breaks one rule of the meta-schema, in a different part of it.
const broken = [
        ["params is not an array", (d) => { d.methods[0].params = {}; }],
        ["a method without a name", (d) => { delete d.methods[1].name; }],
        ["an unknown member of a method", (d) => { d.methods[2].reslt = d.methods[2].result; }],
        ["an error code that is a string", (d) => { d.methods[1].errors[0].code = "-32700"; }],
        ["a schema whose type is no JSON Schema type", (d) => { d.components.schemas.FaultId.type = "strin"; }],
        ["a version that is no OpenRPC version", (d) => { d.openrpc = "0.9"; }],
        ["info without a title", (d) => { delete d.info.title; }],
];

for (const [what, breakIt] of broken) {
        const copy = structuredClone(doc);
        breakIt(copy);
        if (validate(copy))
                fail(`a copy with ${what} passed the meta-schema`);
        else
                ok(`a copy with ${what} is refused: ${errorsText(validate.errors.slice(0, 1))}`);
}

check(JSON.stringify(doc) === JSON.stringify(readDocument()), "the document itself was not changed by the copies");

// The document against itself.
ajv.addSchema(doc, "chaoslet");
ajv.addSchema(closeSchemas(doc), "chaoslet-closed");
const at = (pointer, base = "chaoslet") => ajv.getSchema(`${base}#${pointer}`);

for (const name of Object.keys(doc.components.schemas)) {
        const v = at(`/components/schemas/${name}`);
        for (const [i, ex] of (doc.components.schemas[name].examples ?? []).entries())
                if (!v(ex))
                        fail(`components.schemas.${name} example ${i} fails its own schema: ${errorsText(v.errors)}`);
}
ok(`all ${Object.keys(doc.components.schemas).length} component schemas compile, and their examples pass them`);

doc.methods.forEach((m, mi) => {
        for (const ex of m.examples ?? []) {
                for (const p of ex.params) {
                        const pi = m.params.findIndex((q) => q.name === p.name);
                        if (pi < 0) {
                                fail(`${m.name} example "${ex.name}": param ${p.name} is not declared`);
                                continue;
                        }
                        const v = at(`/methods/${mi}/params/${pi}/schema`);
                        if (!v(p.value))
                                fail(`${m.name} example "${ex.name}": param ${p.name}: ${errorsText(v.errors)}`);
                }
                const rules = m["x-chaoslet-params-rules"] && at(`/methods/${mi}/x-chaoslet-params-rules`);
                const params = Object.fromEntries(ex.params.map((p) => [p.name, p.value]));
                if (rules && !rules(params))
                        fail(`${m.name} example "${ex.name}": x-chaoslet-params-rules: ${errorsText(rules.errors)}`);
                const v = at(`/methods/${mi}/result/schema`, "chaoslet-closed");
                if (!v(ex.result.value))
                        fail(`${m.name} example "${ex.name}": result: ${errorsText(v.errors)}`);
                else
                        ok(`${m.name} example "${ex.name}": params and result pass the method's schemas`);
        }
});

// Errors: every code a method declares is in x-chaoslet-errors, every x-chaoslet-errors entry is in
// components.errors with the same code, and every example's data passes its data schema.
const byCode = new Map(doc["x-chaoslet-errors"].map((e) => [e.code, e]));
for (const e of doc["x-chaoslet-errors"]) {
        const c = doc.components.errors[e.name];
        check(c?.code === e.code, `x-chaoslet-errors ${e.code} ${e.name} is components.errors.${e.name}`);
}
const dataOk = (what, e) => {
        const known = byCode.get(e.code);
        if (!known)
                return fail(`${what}: code ${e.code} is not in x-chaoslet-errors`);
        if (e.data === undefined)
                return;
        if (!known.data)
                return fail(`${what}: ${e.code} has data, x-chaoslet-errors declares none`);
        const v = at(known.data.$ref.slice(1), "chaoslet-closed");
        if (!v(e.data))
                fail(`${what}: ${e.code} data ${JSON.stringify(e.data)}: ${errorsText(v.errors)}`);
};
for (const [name, e] of Object.entries(doc.components.errors))
        dataOk(`components.errors.${name}`, e);
for (const m of doc.methods)
        for (const e of m.errors)
                dataOk(`${m.name} errors`, e);
ok("the errors of every method and of components.errors are declared, with data that passes their schemas");
done();
