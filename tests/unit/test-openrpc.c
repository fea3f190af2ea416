/* SPDX-License-Identifier: MIT */
/* proto/chaoslet.openrpc.json is the one source of truth: the agent's method table, its error codes and the
 * members fault.apply accepts must be exactly what the document says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonrpc.h"
#include "rpc.h"
#include "spec.h"
#include "tap.h"

static cJSON *load(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf;
        long n;
        cJSON *j;

        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = malloc(n + 1);
        if (fread(buf, 1, n, f) != (size_t) n) {
                fclose(f);
                free(buf);
                return NULL;
        }
        buf[n] = 0;
        fclose(f);
        j = cJSON_Parse(buf);
        free(buf);
        return j;
}

/* Follow {"$ref": "#/components/schemas/X"}. */
static const cJSON *deref(const cJSON *doc, const cJSON *schema) {
        const cJSON *ref = cJSON_GetObjectItem(schema, "$ref");
        const char *p;

        if (!cJSON_IsString(ref))
                return schema;
        p = strrchr(ref->valuestring, '/');
        return cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "components"), "schemas"), p + 1);
}

static void test_methods(const cJSON *doc) {
        const cJSON *methods = cJSON_GetObjectItem(doc, "methods"), *m;
        size_t n_doc = 0, n_agent = 0;

        cJSON_ArrayForEach(m, methods) {
                const char *name = cJSON_GetObjectItem(m, "name")->valuestring;
                bool found = false;

                n_doc++;
                for (size_t i = 0; agent_methods[i].name; i++)
                        found = found || strcmp(agent_methods[i].name, name) == 0;
                if (!found) {
                        fprintf(stderr, "documented method %s is not in the agent\n", name);
                        tap_failures++;
                }
        }
        for (size_t i = 0; agent_methods[i].name; i++)
                n_agent++;
        CHECK_EQ_INT(n_agent, n_doc);
}

static void test_errors(const cJSON *doc) {
        const cJSON *errors = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "components"), "errors"), *e;
        size_t n_doc = 0, n_agent = 0;

        cJSON_ArrayForEach(e, errors) {
                int code = cJSON_GetObjectItem(e, "code")->valueint;

                n_doc++;
                if (strcmp(rpc_error_message(code), "Server error") == 0) {
                        fprintf(stderr, "documented error %d is unknown to the agent\n", code);
                        tap_failures++;
                }
        }
        /* Every code the agent can send is documented. */
        for (int code = -32768; code <= -32000; code++)
                if (strcmp(rpc_error_message(code), "Server error") != 0) {
                        bool found = false;
                        n_agent++;
                        cJSON_ArrayForEach(e, errors)
                                found = found || cJSON_GetObjectItem(e, "code")->valueint == code;
                        if (!found) {
                                fprintf(stderr, "the agent's error %d is not documented\n", code);
                                tap_failures++;
                        }
                }
        CHECK_EQ_INT(n_agent, n_doc);
}

/* A member name the parser rejects as unknown. */
static bool rejected_as_unknown(const char *json, const char *field) {
        cJSON *params = cJSON_Parse(json);
        FaultSpec spec = {};
        SpecError err = {};
        bool r;

        r = fault_spec_from_json(params, &spec, &err) < 0 && strcmp(err.field, field) == 0 &&
            strstr(err.reason, "unknown");
        fault_spec_done(&spec);
        cJSON_Delete(params);
        return r;
}

static void test_apply_members(const cJSON *doc) {
        const cJSON *methods = cJSON_GetObjectItem(doc, "methods"), *m, *p, *props, *prop;
        char json[512], field[128];
        unsigned n_members = 0;

        cJSON_ArrayForEach(m, methods) {
                if (strcmp(cJSON_GetObjectItem(m, "name")->valuestring, "fault.apply") != 0)
                        continue;
                /* Each documented param is a member the parser knows. */
                cJSON_ArrayForEach(p, cJSON_GetObjectItem(m, "params")) {
                        const char *name = cJSON_GetObjectItem(p, "name")->valuestring;
                        snprintf(json, sizeof(json), "{\"%s\":null}", name);
                        if (rejected_as_unknown(json, name)) {
                                fprintf(stderr, "documented param %s is unknown to the parser\n", name);
                                tap_failures++;
                        }
                        /* And each documented member of the objects whose members the parser walks. */
                        if (strcmp(name, "netem") == 0 || strcmp(name, "bandwidth") == 0) {
                                props = cJSON_GetObjectItem(deref(doc, cJSON_GetObjectItem(p, "schema")), "properties");
                                CHECK(props != NULL);
                                cJSON_ArrayForEach(prop, props) {
                                        snprintf(json, sizeof(json), "{\"target\":{\"pid\":1},\"%s\":{\"%s\":null}}",
                                                 name, prop->string);
                                        snprintf(field, sizeof(field), "%s.%s", name, prop->string);
                                        if (rejected_as_unknown(json, field)) {
                                                fprintf(stderr, "documented %s is unknown to the parser\n", field);
                                                tap_failures++;
                                        }
                                        n_members++;
                                }
                        }
                }
        }
        /* netem's 18 members and bandwidth's 5, at least: the walk above found the schemas. */
        CHECK(n_members >= 23);
        /* Each member of each documented target form is one the parser knows. */
        {
                const cJSON *schemas = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "components"), "schemas"), *form;
                size_t n_forms = 0;

                cJSON_ArrayForEach(form, cJSON_GetObjectItem(cJSON_GetObjectItem(schemas, "Target"), "oneOf"))
                        cJSON_ArrayForEach(prop, cJSON_GetObjectItem(form, "properties")) {
                                snprintf(json, sizeof(json), "{\"target\":{\"%s\":null},\"partition\":true}",
                                         prop->string);
                                snprintf(field, sizeof(field), "target.%s", prop->string);
                                n_forms++;
                                if (rejected_as_unknown(json, field)) {
                                        fprintf(stderr, "documented %s is unknown to the parser\n", field);
                                        tap_failures++;
                                }
                        }
                CHECK_EQ_INT(n_forms, 4);
        }
        /* And the parser is strict, so the checks above can fail. */
        CHECK(rejected_as_unknown("{\"target\":{\"uid\":null},\"partition\":true}", "target.uid"));
        CHECK(rejected_as_unknown("{\"target\":{\"pid\":1},\"netem\":{\"latncy\":\"1ms\"}}", "netem.latncy"));
        CHECK(rejected_as_unknown("{\"bogus\":1}", "bogus"));
        CHECK(rejected_as_unknown("{\"target\":{\"pid\":1},\"bandwidth\":{\"burts\":1}}", "bandwidth.burts"));
}

int main(void) {
        cJSON *doc = load("../../proto/chaoslet.openrpc.json");

        CHECK(doc != NULL);
        if (!doc)
                TAP_EXIT();
        CHECK_STREQ(cJSON_GetObjectItem(doc, "openrpc")->valuestring, "1.2.6");
        test_methods(doc);
        test_errors(doc);
        test_apply_members(doc);
        cJSON_Delete(doc);
        TAP_EXIT();
}
