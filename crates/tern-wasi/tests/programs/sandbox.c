// Sandbox escape attempts, for wasm32-wasi only (natively nothing stops
// them). argv[1] is the pre-opened directory; the test prepares, beside
// it, a file `outside.txt`, and inside it a symlink `link-out` pointing at
// ../outside.txt and `abs-link` pointing at the absolute host path of
// outside.txt. Every attempt must fail and leave the outside untouched.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *err_name(int e) {
    switch (e) {
    case 0: return "ok";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ELOOP: return "ELOOP";
    default: return strerror(e);
    }
}

static char buf[3][512];
static const char *in(int i, const char *base, const char *rel) {
    snprintf(buf[i], sizeof buf[i], "%s/%s", base, rel);
    return buf[i];
}

#define TRY(label, expr)                                                                   \
    do {                                                                                   \
        errno = 0;                                                                         \
        long r_ = (long)(expr);                                                            \
        printf("%s: %s\n", label, r_ < 0 ? err_name(errno) : "ESCAPED");                   \
    } while (0)

int main(int argc, char **argv) {
    const char *d = argv[1];
    struct stat st;
    char b[64];
    TRY("open ../outside.txt", open(in(0, d, "../outside.txt"), O_RDONLY));
    TRY("open via dir/..", open(in(0, d, "sub/../../outside.txt"), O_RDONLY));
    TRY("create ../new.txt", open(in(0, d, "../new.txt"), O_CREAT | O_WRONLY, 0644));
    TRY("open /etc/passwd", open("/etc/passwd", O_RDONLY));
    TRY("stat ../outside.txt", stat(in(0, d, "../outside.txt"), &st));
    TRY("open symlink to ..", open(in(0, d, "link-out"), O_RDONLY));
    TRY("open absolute symlink", open(in(0, d, "abs-link"), O_RDONLY));
    TRY("stat symlink to ..", stat(in(0, d, "link-out"), &st));
    TRY("write through symlink", open(in(0, d, "link-out"), O_WRONLY | O_TRUNC));
    TRY("mkdir ../x", mkdir(in(0, d, "../x"), 0755));
    TRY("rename out", rename(in(0, d, "inside.txt"), in(1, d, "../moved.txt")));
    TRY("rename in", rename(in(0, d, "../outside.txt"), in(1, d, "stolen.txt")));
    TRY("link out", link(in(0, d, "inside.txt"), in(1, d, "../hard.txt")));
    TRY("symlink created pointing out then opened",
        (symlink("../outside.txt", in(0, d, "mine")), open(in(1, d, "mine"), O_RDONLY)));
    TRY("unlink ../outside.txt", unlink(in(0, d, "../outside.txt")));
    TRY("rmdir ..", rmdir(in(0, d, "..")));
    TRY("readlink ../", readlink(in(0, d, "../outside-link"), b, sizeof b));
    TRY("chdir .. then open", (chdir(d), open("../outside.txt", O_RDONLY)));
    printf("inside readable: %d\n", open(in(0, d, "inside.txt"), O_RDONLY) >= 0);
    return 0;
}
