/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

static void test_append(void) {
        _cleanup_(buf_done) Buf b = {};

        CHECK(!b.data);
        CHECK_EQ_INT(buf_append(&b, "", 0), 0);
        CHECK_STREQ(b.data, "");        /* storage after any append, even of nothing */
        CHECK_EQ_INT(buf_append(&b, "ab\0c", 4), 0);
        CHECK_EQ_INT(b.len, 4);
        CHECK(memcmp(b.data, "ab\0c", 5) == 0);
        CHECK_EQ_INT(buf_appendf(&b, "%d-%s", 42, "x"), 0);
        CHECK_EQ_INT(b.len, 8);
        CHECK(memcmp(b.data, "ab\0c42-x", 9) == 0);
}

static void test_grow(void) {
        _cleanup_(buf_done) Buf b = {};
        char chunk[1000];

        memset(chunk, 'z', sizeof chunk);
        for (int i = 0; i < 100; i++)
                CHECK_EQ_INT(buf_append(&b, chunk, sizeof chunk), 0);
        CHECK_EQ_INT(b.len, 100000);
        CHECK(b.cap > b.len);
        CHECK_EQ_INT(b.data[b.len], '\0');
        CHECK_EQ_INT(b.data[b.len - 1], 'z');
}

static void test_consume(void) {
        _cleanup_(buf_done) Buf b = {};

        buf_consume(&b, 3);     /* nothing there: nothing happens */
        CHECK(!b.data);
        CHECK_EQ_INT(buf_appendf(&b, "hello world"), 0);
        buf_consume(&b, 6);
        CHECK_STREQ(b.data, "world");
        CHECK_EQ_INT(b.len, 5);
        buf_consume(&b, 0);
        CHECK_STREQ(b.data, "world");
        buf_consume(&b, 99);
        CHECK_STREQ(b.data, "");
        CHECK_EQ_INT(b.len, 0);
        CHECK_EQ_INT(buf_append(&b, "again", 5), 0);
        CHECK_STREQ(b.data, "again");
}

static void test_take(void) {
        Buf b = {};
        char *s;

        CHECK(!buf_take(&b));
        CHECK_EQ_INT(buf_appendf(&b, "%s", "owned"), 0);
        s = buf_take(&b);
        CHECK_STREQ(s, "owned");
        CHECK(!b.data && b.len == 0 && b.cap == 0);
        free(s);
}

static void test_new_free(void) {
        _cleanup_(buf_freep) Buf *b = buf_new();

        CHECK(b);
        if (!b)
                return;
        CHECK_EQ_INT(buf_appendf(b, "x"), 0);
        CHECK(!buf_free(NULL));
        CHECK(!buf_free(buf_new()));
        buf_done(NULL);
}

int main(void) {
        test_append();
        test_grow();
        test_consume();
        test_take();
        test_new_free();
        TAP_EXIT();
}
