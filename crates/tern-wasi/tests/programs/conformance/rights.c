// Rights: fd_fdstat_get reports what a descriptor can do, fd_fdstat_set_rights
// can only drop rights, an operation whose right was dropped fails
// (ENOTCAPABLE; EBADF for reading and writing), and path_open grants at most
// the directory's inheriting rights. (wasmtime answers ENOTSUP to every
// fd_fdstat_set_rights, so from "drop" on its output differs.)
#include "check.h"

#define HAS(fd, right) has((fd), (right), 0)
#define INHERITS(fd, right) has((fd), (right), 1)

static int has(int fd, __wasi_rights_t right, int inheriting) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(fd, &st)) return -1;
    __wasi_rights_t r = inheriting ? st.fs_rights_inheriting : st.fs_rights_base;
    return (r & right) == right;
}

static int drop(int fd, __wasi_rights_t base, __wasi_rights_t inheriting) {
    __wasi_fdstat_t st;
    __wasi_fd_fdstat_get(fd, &st);
    return __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base & ~base, st.fs_rights_inheriting & ~inheriting);
}

int main(void) {
    __wasi_fdstat_t st;
    for (int fd = 0; fd < 4; fd++) {
        __wasi_fd_fdstat_get(fd, &st);
        printf("fd %d base %llx inheriting %llx\n", fd, (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting);
    }
    T("mkdir", __wasi_path_create_directory(ROOT, "rights.d"));
    int dir = open_at(ROOT, "rights.d", __WASI_OFLAGS_DIRECTORY, 0, 0);
    printf("dir: readdir %d path_open %d seek %d read %d\n", HAS(dir, __WASI_RIGHTS_FD_READDIR), HAS(dir, __WASI_RIGHTS_PATH_OPEN), HAS(dir, __WASI_RIGHTS_FD_SEEK), HAS(dir, __WASI_RIGHTS_FD_READ));
    printf("dir inherits: read %d write %d seek %d path_open %d\n", INHERITS(dir, __WASI_RIGHTS_FD_READ), INHERITS(dir, __WASI_RIGHTS_FD_WRITE), INHERITS(dir, __WASI_RIGHTS_FD_SEEK), INHERITS(dir, __WASI_RIGHTS_PATH_OPEN));

    int f = open_at(dir, "f", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_PATH_FILESTAT_GET, 0);
    printf("file: read %d write %d seek %d tell %d filestat_get %d\n", HAS(f, __WASI_RIGHTS_FD_READ), HAS(f, __WASI_RIGHTS_FD_WRITE), HAS(f, __WASI_RIGHTS_FD_SEEK), HAS(f, __WASI_RIGHTS_FD_TELL), HAS(f, __WASI_RIGHTS_FD_FILESTAT_GET));
    printf("file path rights: base %d inheriting %d\n", HAS(f, __WASI_RIGHTS_PATH_FILESTAT_GET) || HAS(f, __WASI_RIGHTS_PATH_OPEN), INHERITS(f, __WASI_RIGHTS_PATH_FILESTAT_GET));
    int ro = open_at(dir, "f", 0, __WASI_RIGHTS_FD_READ, 0);
    int wo = open_at(dir, "f", 0, __WASI_RIGHTS_FD_WRITE, 0);
    printf("read-only file: read %d write %d\n", HAS(ro, __WASI_RIGHTS_FD_READ), HAS(ro, __WASI_RIGHTS_FD_WRITE));
    printf("write-only file: read %d write %d\n", HAS(wo, __WASI_RIGHTS_FD_READ), HAS(wo, __WASI_RIGHTS_FD_WRITE));

    uint8_t buf[4] = "abcd";
    __wasi_ciovec_t ciov = {buf, 4};
    __wasi_iovec_t iov = {buf, 4};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    __wasi_filestat_t fs;
    T("write", __wasi_fd_write(f, &ciov, 1, &n));
    T("drop write", drop(f, __WASI_RIGHTS_FD_WRITE, 0));
    printf("file: write %d read %d\n", HAS(f, __WASI_RIGHTS_FD_WRITE), HAS(f, __WASI_RIGHTS_FD_READ));
    T("write without the right", __wasi_fd_write(f, &ciov, 1, &n));
    T("pwrite without the right", __wasi_fd_pwrite(f, &ciov, 1, 0, &n));
    T("pread", __wasi_fd_pread(f, &iov, 1, 0, &n));
    T("regrant write", __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0));
    T("drop seek", drop(f, __WASI_RIGHTS_FD_SEEK, 0));
    T("seek without the right", __wasi_fd_seek(f, 1, __WASI_WHENCE_SET, &pos));
    T("seek cur 0 (tell)", __wasi_fd_seek(f, 0, __WASI_WHENCE_CUR, &pos));
    T("tell", __wasi_fd_tell(f, &pos));
    T("drop tell", drop(f, __WASI_RIGHTS_FD_TELL, 0));
    T("tell without the right", __wasi_fd_tell(f, &pos));
    T("drop filestat_get", drop(f, __WASI_RIGHTS_FD_FILESTAT_GET, 0));
    T("filestat_get without the right", __wasi_fd_filestat_get(f, &fs));
    T("drop read", drop(f, __WASI_RIGHTS_FD_READ, 0));
    T("read without the right", __wasi_fd_read(f, &iov, 1, &n));
    T("drop sync", drop(f, __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC, 0));
    T("sync without the right", __wasi_fd_sync(f));
    T("datasync without the right", __wasi_fd_datasync(f));
    T("drop set_flags", drop(f, __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS, 0));
    T("set_flags without the right", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_APPEND));
    T("drop set_size", drop(f, __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES, 0));
    T("set_size without the right", __wasi_fd_filestat_set_size(f, 0));
    T("set_times without the right", __wasi_fd_filestat_set_times(f, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    T("drop everything", __wasi_fd_fdstat_set_rights(f, 0, 0));
    T("fdstat still works", __wasi_fd_fdstat_get(f, &st));
    printf("after dropping everything: base %llx inheriting %llx\n", (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting);
    T("close", __wasi_fd_close(f));
    T("set_rights closed", __wasi_fd_fdstat_set_rights(f, 0, 0));
    T("set_rights stdout unchanged", drop(1, 0, 0));

    // Directories: base rights gate path operations on them; inheriting
    // rights cap what is opened beneath them.
    int sub = open_at(ROOT, "rights.d", __WASI_OFLAGS_DIRECTORY, 0, 0);
    T("drop create_directory", drop(sub, __WASI_RIGHTS_PATH_CREATE_DIRECTORY, 0));
    T("mkdir without the right", __wasi_path_create_directory(sub, "x"));
    T("mkdir through another descriptor", __wasi_path_create_directory(dir, "x"));
    T("drop readdir", drop(sub, __WASI_RIGHTS_FD_READDIR, 0));
    T("readdir without the right", __wasi_fd_readdir(sub, buf, sizeof buf, 0, &n));
    T("drop filestat", drop(sub, __WASI_RIGHTS_PATH_FILESTAT_GET, 0));
    T("path_filestat_get without the right", __wasi_path_filestat_get(sub, 0, "f", &fs));
    T("drop unlink, rmdir, rename, link, symlink, readlink", drop(sub, __WASI_RIGHTS_PATH_UNLINK_FILE | __WASI_RIGHTS_PATH_REMOVE_DIRECTORY | __WASI_RIGHTS_PATH_RENAME_SOURCE | __WASI_RIGHTS_PATH_LINK_SOURCE | __WASI_RIGHTS_PATH_LINK_TARGET | __WASI_RIGHTS_PATH_SYMLINK | __WASI_RIGHTS_PATH_READLINK, 0));
    T("unlink without the right", __wasi_path_unlink_file(sub, "f"));
    T("rmdir without the right", __wasi_path_remove_directory(sub, "x"));
    T("rename without the source right", __wasi_path_rename(sub, "f", dir, "g"));
    T("link without the source right", __wasi_path_link(sub, 0, "f", dir, "g"));
    T("link without the target right", __wasi_path_link(dir, 0, "f", sub, "g"));
    T("symlink without the right", __wasi_path_symlink("f", sub, "s"));
    T("readlink without the right", __wasi_path_readlink(sub, "f", buf, sizeof buf, &n));
    T("drop inherited write", drop(sub, 0, __WASI_RIGHTS_FD_WRITE));
    int w = open_at(sub, "f", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0);
    printf("opened beneath: fd ok %d, write %d, read %d\n", w >= 0, HAS(w, __WASI_RIGHTS_FD_WRITE), HAS(w, __WASI_RIGHTS_FD_READ));
    T("write beneath", __wasi_fd_write(w, &ciov, 1, &n));
    __wasi_fd_close(w);
    int subsub = open_at(sub, "x", __WASI_OFLAGS_DIRECTORY, 0, 0);
    printf("directory beneath inherits write: %d, mkdir right %d\n", INHERITS(subsub, __WASI_RIGHTS_FD_WRITE), HAS(subsub, __WASI_RIGHTS_PATH_CREATE_DIRECTORY));
    __wasi_fd_close(subsub);
    T("drop path_open", drop(sub, __WASI_RIGHTS_PATH_OPEN, 0));
    int denied = open_at(sub, "f", 0, __WASI_RIGHTS_FD_READ, 0);
    T("open without the right", denied < 0 ? -denied : 0);
    __wasi_fd_close(sub);

    __wasi_fd_close(ro);
    __wasi_fd_close(wo);
    T("unlink f", __wasi_path_unlink_file(dir, "f"));
    T("rmdir x", __wasi_path_remove_directory(dir, "x"));
    __wasi_fd_close(dir);
    T("rmdir", __wasi_path_remove_directory(ROOT, "rights.d"));
    return 0;
}
