// SPDX-License-Identifier: MIT
//
// What the Node tests share: results as the shell tests print them (ok:, FAIL:, skip:), the OpenRPC document,
// and an ajv that knows the OpenRPC meta-schema.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import openrpcMeta from "@open-rpc/meta-schema";
import jsonSchemaMeta from "@json-schema-tools/meta-schema";

export const srcDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const documentPath = join(srcDir, "proto", "chaoslet.openrpc.json");

let failures = 0;

export function ok(what) {
        console.log(`ok: ${what}`);
}

// Records the failure and goes on, so one run shows every discrepancy; done() sets the exit status.
export function fail(what) {
        console.error(`FAIL: ${what}`);
        failures++;
}

export function check(cond, what) {
        if (cond)
                ok(what);
        else
                fail(what);
        return cond;
}

export function skip(why) {
        console.log(`skip: ${why}`);
        process.exit(77);
}

export function done() {
        console.log(failures ? `${failures} failed` : "all passed");
        process.exit(failures ? 1 : 0);
}

export function readDocument() {
        return JSON.parse(readFileSync(documentPath, "utf8"));
}

const draft07 = "http://json-schema.org/draft-07/schema#";

// ajv is a draft-07 validator. The OpenRPC meta-schema declares its schemas with json-schema-tools' meta-schema
// (https://meta.json-schema.tools/), which is draft-07 with named definitions; both are given to ajv as draft-07.
export function newAjv() {
        const ajv = new Ajv({ strict: false, allErrors: true });
        addFormats(ajv);
        ajv.addSchema({ ...jsonSchemaMeta.default, $schema: draft07 }, "https://meta.json-schema.tools");
        return ajv;
}

export function compileMetaSchema(ajv) {
        return ajv.compile({ ...openrpcMeta.openrpcDocument, $schema: draft07 });
}

export function errorsText(errors) {
        return (errors || []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
}

// What the agent sends must say nothing the document does not: in the schemas of results and error data, an
// object schema that lists its properties and says nothing of others is read as closed (additionalProperties
// false). Schemas that are combined (allOf, anyOf, oneOf beside properties) are left as they are.
export function closeSchemas(node) {
        if (Array.isArray(node))
                return node.map(closeSchemas);
        if (node === null || typeof node !== "object")
                return node;
        const out = {};
        for (const [k, v] of Object.entries(node))
                out[k] = k === "examples" || k === "example" ? v : closeSchemas(v);
        if (out.properties && typeof out.properties === "object" && !("additionalProperties" in out) &&
            !("patternProperties" in out) && !out.allOf && !out.anyOf && !out.oneOf)
                out.additionalProperties = false;
        return out;
}
