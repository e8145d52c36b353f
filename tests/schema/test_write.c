/*
 * test_write.c - atomic writing of output sets, unchanged files not rewritten
 * (but their mtime brought to now),
 * failures leave nothing behind, depfiles. Works in a fresh temp directory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "write.h"

typedef struct fixture {
    char root[64];
    char path[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    strcpy(f->root, "/tmp/ddbc-write-XXXXXX");
    if (mkdtemp(f->root) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int remove_tree(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = remove_tree(f->root);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* f->root + "/" + rel, in f->path. */
static const char *at(fixture *f, const char *rel)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->root, rel);
    return f->path;
}

/* The content of `path` (caller frees), NULL if it cannot be read. */
static char *slurp(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return NULL;
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, in);
    buf[n] = '\0';
    fclose(in);
    return buf;
}

static void assert_file(const char *path, const char *want)
{
    char *got = slurp(path);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static ddbc_output_file file(const char *name, const char *data)
{
    ddbc_output_file o = {(char *)name, (char *)data, strlen(data), NULL};
    return o;
}

static void test_writes_set_into_new_dirs(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file files[] = {file("forum.h", "header\n"), file("forum.c", "source\n"),
                                file("empty.txt", "")};
    assert_int_equal(ddbc_write_files(files, 3, at(f, "gen/deep/"), &d), 0);
    assert_int_equal(ddbc_diag_count(&d), 0);
    assert_file(at(f, "gen/deep/forum.h"), "header\n");
    assert_file(at(f, "gen/deep/forum.c"), "source\n");
    assert_file(at(f, "gen/deep/empty.txt"), "");
    assert_int_equal(count_entries(at(f, "gen/deep")), 3); /* no temporaries left */
    ddbc_diag_free(&d);
}

static time_t mtime_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mtime;
}

static ino_t inode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

/*
 * An unchanged output is not rewritten (same inode: no window where it is
 * partial or missing) but its mtime becomes now, so that make, which
 * compares mtimes and has no restat, sees it newer than the schema that
 * was touched and does not run ddbc again on every build.
 */
static void test_unchanged_file_is_touched_not_rewritten(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file v1[] = {file("a.h", "same\n"), file("b.c", "old\n")};
    ddbc_output_file v2[] = {file("a.h", "same\n"), file("b.c", "new\n")};
    assert_int_equal(ddbc_write_files(v1, 2, f->root, &d), 0);
    struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimes(at(f, "a.h"), old), 0);
    assert_int_equal(utimes(at(f, "b.c"), old), 0);
    ino_t a_inode = inode_of(at(f, "a.h"));
    time_t before = time(NULL);
    assert_int_equal(ddbc_write_files(v2, 2, f->root, &d), 0);
    assert_true(mtime_of(at(f, "a.h")) >= before); /* the old rule left 1000000000 */
    assert_true(inode_of(at(f, "a.h")) == a_inode); /* touched in place, not replaced */
    assert_file(at(f, "a.h"), "same\n");
    assert_true(mtime_of(at(f, "b.c")) > 1000000000);
    assert_file(at(f, "b.c"), "new\n");
    /* same length, different bytes */
    ddbc_output_file v3[] = {file("a.h", "SAME\n")};
    assert_int_equal(ddbc_write_files(v3, 1, f->root, &d), 0);
    assert_file(at(f, "a.h"), "SAME\n");
    assert_int_equal(ddbc_diag_count(&d), 0);
    ddbc_diag_free(&d);
}

/*
 * The writer's utimensat, wrapped at link time (-Wl,--wrap=utimensat in
 * tests/schema/meson.build): with `touch_errno` set it fails as it does
 * for a file of another user, which the tests cannot make as root.
 */
static int touch_errno;
int __real_utimensat(int dirfd, const char *path, const struct timespec times[2], int flags);
int __wrap_utimensat(int dirfd, const char *path, const struct timespec times[2], int flags);

int __wrap_utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
    if (touch_errno != 0) {
        errno = touch_errno;
        return -1;
    }
    return __real_utimensat(dirfd, path, times, flags);
}

/* Not allowed to set the mtime (EPERM, EACCES): the same content is renamed into place. */
static void test_untouchable_file_is_rewritten(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file v[] = {file("a.h", "same\n")};
    assert_int_equal(ddbc_write_files(v, 1, f->root, &d), 0);
    static const int refusals[] = {EPERM, EACCES};
    for (size_t i = 0; i < 2; i++) {
        struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};
        assert_int_equal(utimes(at(f, "a.h"), old), 0);
        ino_t before = inode_of(at(f, "a.h"));
        touch_errno = refusals[i];
        int rc = ddbc_write_files(v, 1, f->root, &d);
        touch_errno = 0;
        assert_int_equal(rc, 0);
        assert_true(inode_of(at(f, "a.h")) != before); /* replaced by a new file */
        assert_true(mtime_of(at(f, "a.h")) > 1000000000);
        assert_file(at(f, "a.h"), "same\n");
        assert_int_equal(count_entries(f->root), 1); /* no temporary left */
    }
    assert_int_equal(ddbc_diag_count(&d), 0);
    ddbc_diag_free(&d);
}

/* Any other failure to set the mtime is an error that names the file. */
static void test_touch_failure_is_reported(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file v[] = {file("a.h", "same\n")};
    assert_int_equal(ddbc_write_files(v, 1, f->root, &d), 0);
    touch_errno = EIO;
    int rc = ddbc_write_files(v, 1, f->root, &d);
    touch_errno = 0;
    assert_int_equal(rc, -1);
    assert_int_equal(ddbc_diag_count(&d), 1);
    assert_file(at(f, "a.h"), "same\n");
    assert_int_equal(count_entries(f->root), 1);
    ddbc_diag_free(&d);
}

static void test_bad_names_write_nothing(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file slash[] = {file("ok.h", "x"), file("sub/x.c", "y")};
    ddbc_output_file dots[] = {file("..", "x")};
    ddbc_output_file twice[] = {file("x.h", "1"), file("x.h", "2")};
    assert_int_equal(ddbc_write_files(slash, 2, at(f, "out"), &d), -1);
    assert_int_equal(ddbc_write_files(dots, 1, at(f, "out"), &d), -1);
    assert_int_equal(ddbc_write_files(twice, 2, at(f, "out"), &d), -1);
    assert_int_equal(ddbc_diag_count(&d), 3);
    struct stat st;
    assert_int_not_equal(stat(at(f, "out"), &st), 0); /* not even the directory */
    ddbc_diag_free(&d);
}

static void test_directory_in_the_way_writes_nothing(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    assert_int_equal(mkdir(at(f, "b.c"), 0777), 0);
    ddbc_output_file files[] = {file("a.h", "a"), file("b.c", "b")};
    assert_int_equal(ddbc_write_files(files, 2, f->root, &d), -1);
    assert_int_equal(ddbc_diag_count(&d), 1);
    assert_null(slurp(at(f, "a.h")));
    assert_int_equal(count_entries(f->root), 1);
    ddbc_diag_free(&d);
}

/* ddbc_write_tree (ddbc --vendor): relative paths, subdirectories made, same all-or-nothing rule. */
static void test_tree_writes_subdirectories(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file files[] = {file("lib.c", "l"), file("ddb/a.h", "a"), file("ddb/x/b.h", "b")};
    assert_int_equal(ddbc_write_tree(files, 3, at(f, "out"), &d), 0);
    assert_int_equal(ddbc_diag_count(&d), 0);
    assert_file(at(f, "out/lib.c"), "l");
    assert_file(at(f, "out/ddb/a.h"), "a");
    assert_file(at(f, "out/ddb/x/b.h"), "b");
    assert_int_equal(count_entries(at(f, "out")), 2);     /* lib.c, ddb: no temporaries */
    assert_int_equal(count_entries(at(f, "out/ddb")), 2); /* a.h, x */
    /* again, one file changed: only it is replaced */
    ino_t kept = inode_of(at(f, "out/ddb/a.h"));
    files[2] = file("ddb/x/b.h", "B");
    assert_int_equal(ddbc_write_tree(files, 3, at(f, "out"), &d), 0);
    assert_file(at(f, "out/ddb/x/b.h"), "B");
    assert_true(inode_of(at(f, "out/ddb/a.h")) == kept);
    ddbc_diag_free(&d);
}

static void test_tree_bad_names_write_nothing(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    static const char *const bad[] = {"/abs.h", "../up.h", "ddb/../x.h", "ddb//x.h", "ddb/./x.h",
                                      "ddb/", "", "ddb/.."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddbc_output_file files[] = {file("ok.h", "x"), file(bad[i], "y")};
        assert_int_equal(ddbc_write_tree(files, 2, at(f, "out"), &d), -1);
    }
    ddbc_output_file twice[] = {file("ddb/x.h", "1"), file("ddb/x.h", "2")};
    assert_int_equal(ddbc_write_tree(twice, 2, at(f, "out"), &d), -1);
    assert_int_equal(ddbc_diag_count(&d), sizeof bad / sizeof bad[0] + 1);
    struct stat st;
    assert_int_not_equal(stat(at(f, "out"), &st), 0); /* not even the directory */
    ddbc_diag_free(&d);
}

static void test_tree_directory_in_the_way_writes_nothing(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    assert_int_equal(mkdir(at(f, "ddb"), 0777), 0);
    assert_int_equal(mkdir(at(f, "ddb/b.h"), 0777), 0);
    ddbc_output_file files[] = {file("a.c", "a"), file("ddb/b.h", "b")};
    assert_int_equal(ddbc_write_tree(files, 2, f->root, &d), -1);
    assert_int_equal(ddbc_diag_count(&d), 1);
    assert_null(slurp(at(f, "a.c")));
    assert_int_equal(count_entries(f->root), 1);
    assert_int_equal(count_entries(at(f, "ddb")), 1);
    ddbc_diag_free(&d);
}

static void test_output_dir_is_a_file(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file files[] = {file("a.h", "a")};
    assert_int_equal(ddbc_write_files(files, 1, f->root, &d), 0);
    assert_int_equal(ddbc_write_files(files, 1, at(f, "a.h"), &d), -1);
    assert_int_equal(ddbc_write_files(files, 1, at(f, "a.h/sub"), &d), -1);
    assert_int_equal(ddbc_diag_count(&d), 2);
    ddbc_diag_free(&d);
}

static void test_depfile(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_output_file files[] = {file("forum.h", ""), file("forum.c", "")};
    const char *inputs[] = {"schemas/my forum.yaml", "a#b$c.yaml", "tmpl\\ x/t.j2", "c:d.yaml"};
    char dep[300];
    snprintf(dep, sizeof dep, "%s/deps/out.d", f->root);
    assert_int_equal(ddbc_write_depfile(dep, "gen:dir x", files, 2, inputs, 4, &d), 0);
    static const char want[] = "gen\\:dir\\ x/forum.h gen\\:dir\\ x/forum.c: \\\n"
                               "  schemas/my\\ forum.yaml \\\n"
                               "  a\\#b$$c.yaml \\\n"
                               "  tmpl\\\\\\ x/t.j2 \\\n"
                               "  c\\:d.yaml\n";
    assert_file(dep, want);
    const char *bad[] = {"new\nline.yaml", "carriage\rreturn.yaml"};
    assert_int_equal(ddbc_write_depfile(dep, "gen", files, 2, bad, 1, &d), -1);
    assert_int_equal(ddbc_diag_count(&d), 1);
    assert_int_equal(ddbc_write_depfile(dep, "gen", files, 2, bad + 1, 1, &d), -1);
    assert_int_equal(ddbc_diag_count(&d), 2);
    assert_file(dep, want);
    ddbc_diag_free(&d);
}

static void test_depfile_in_current_dir(void **state)
{
    fixture *f = *state;
    ddbc_diag d = DDBC_DIAG_INIT;
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->root), 0);
    ddbc_output_file files[] = {file("x.h", "")};
    const char *inputs[] = {"x.yaml"};
    int rc = ddbc_write_depfile("x.d", ".", files, 1, inputs, 1, &d);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_file(at(f, "x.d"), "./x.h: \\\n  x.yaml\n");
    ddbc_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_set_into_new_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unchanged_file_is_touched_not_rewritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untouchable_file_is_rewritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touch_failure_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_names_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_in_the_way_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_writes_subdirectories, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_bad_names_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_directory_in_the_way_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_dir_is_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depfile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depfile_in_current_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
