// SPDX-License-Identifier: MIT
//
// unit-openrpc-schema: proto/chaoslet.openrpc.json is a valid OpenRPC document (@open-rpc/meta-schema, with ajv
// as a draft-07 validator), and the check can fail: broken copies of it, made in memory, are each refused.

import { check, compileMetaSchema, done, errorsText, fail, newAjv, ok, readDocument } from "./lib.mjs";

const validate = compileMetaSchema(newAjv());
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
done();
