// Regular-file and stream descriptors: positions, sizes, append, flags,
// renumbering and closing, and what each operation answers on a stream.
#include "check.h"

int main(void) {
    __wasi_size_t n;
    __wasi_filesize_t pos;
    __wasi_filestat_t fs;
    __wasi_fdstat_t st;
    uint8_t buf[16];
    __wasi_iovec_t iov = {buf, 8};
    __wasi_ciovec_t hello = {(const uint8_t *)"hello", 5}, xy = {(const uint8_t *)"XY", 2};
    int f = open_at(ROOT, "f", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0);
    T("write", __wasi_fd_write(f, &hello, 1, &n));
    T("seek past the end", __wasi_fd_seek(f, 5, __WASI_WHENCE_END, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    T("write past the end", __wasi_fd_write(f, &xy, 1, &n));
    __wasi_fd_filestat_get(f, &fs);
    printf("size %llu links %llu\n", (unsigned long long)fs.size, (unsigned long long)fs.nlink);
    T("seek before the start", __wasi_fd_seek(f, -1, __WASI_WHENCE_SET, &pos));
    T("seek back too far", __wasi_fd_seek(f, -100, __WASI_WHENCE_CUR, &pos));
    T("pwrite", __wasi_fd_pwrite(f, &xy, 1, 1, &n));
    T("tell", __wasi_fd_tell(f, &pos));
    printf("position after pwrite %llu\n", (unsigned long long)pos);
    T("pread", __wasi_fd_pread(f, &iov, 1, 0, &n));
    printf("read %.*s\n", (int)n, buf);
    T("pread past the end", __wasi_fd_pread(f, &iov, 1, 100, &n));
    printf("read %u bytes\n", (unsigned)n);
    T("set size 3", __wasi_fd_filestat_set_size(f, 3));
    T("set append", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_APPEND));
    __wasi_fd_fdstat_get(f, &st);
    printf("flags %d\n", st.fs_flags);
    T("set sync", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_SYNC));
    T("set nonblock", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_NONBLOCK | __WASI_FDFLAGS_APPEND));
    T("seek 0", __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos));
    T("append", __wasi_fd_write(f, &xy, 1, &n));
    T("pwrite at 0 appends", __wasi_fd_pwrite(f, &xy, 1, 0, &n));
    __wasi_fd_filestat_get(f, &fs);
    printf("size %llu\n", (unsigned long long)fs.size);
    T("advise", __wasi_fd_advise(f, 0, 10, __WASI_ADVICE_SEQUENTIAL));
    T("allocate", __wasi_fd_allocate(f, 0, 100));
    T("datasync", __wasi_fd_datasync(f));
    T("sync", __wasi_fd_sync(f));
    T("close", __wasi_fd_close(f));
    T("close again", __wasi_fd_close(f));
    T("read closed", __wasi_fd_read(f, &iov, 1, &n));

    int r = open_at(ROOT, "f", 0, __WASI_RIGHTS_FD_READ, 0);
    T("read", __wasi_fd_read(r, &iov, 1, &n));
    printf("read %.*s\n", (int)n, buf);
    T("write read-only", __wasi_fd_write(r, &xy, 1, &n));
    T("set size read-only", __wasi_fd_filestat_set_size(r, 0));
    T("set times read-only", __wasi_fd_filestat_set_times(r, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    T("open sync", -open_at(ROOT, "f", 0, __WASI_RIGHTS_FD_WRITE, __WASI_FDFLAGS_SYNC));
    T("open dsync", -open_at(ROOT, "f", 0, __WASI_RIGHTS_FD_WRITE, __WASI_FDFLAGS_DSYNC));
    T("open rsync", -open_at(ROOT, "f", 0, __WASI_RIGHTS_FD_READ, __WASI_FDFLAGS_RSYNC));
    int t = open_at(ROOT, "f", __WASI_OFLAGS_TRUNC, 0, 0);
    T("write after truncating open", __wasi_fd_write(t, &xy, 1, &n));
    T("read after truncating open", __wasi_fd_read(t, &iov, 1, &n));
    __wasi_fd_filestat_get(t, &fs);
    printf("size %llu\n", (unsigned long long)fs.size);

    T("renumber", __wasi_fd_renumber(r, t));
    T("renumber onto itself", __wasi_fd_renumber(t, t));
    T("renumber closed", __wasi_fd_renumber(r, t));
    T("renumber onto closed", __wasi_fd_renumber(t, 200));
    T("read renumbered", __wasi_fd_pread(t, &iov, 1, 0, &n));
    printf("read %.*s\n", (int)n, buf);

    __wasi_subscription_t sub;
    __wasi_event_t ev;
    memset(&sub, 0, sizeof sub);
    sub.u.tag = __WASI_EVENTTYPE_FD_READ;
    sub.u.u.fd_read.file_descriptor = 200;
    T("poll a closed descriptor", __wasi_poll_oneoff(&sub, &ev, 1, &n));
    sub.u.u.fd_read.file_descriptor = ROOT;
    T("poll a directory", __wasi_poll_oneoff(&sub, &ev, 1, &n));
    sub.u.u.fd_read.file_descriptor = 1;
    T("poll stdout for reading", __wasi_poll_oneoff(&sub, &ev, 1, &n));

    __wasi_fd_fdstat_get(1, &st);
    printf("stdout type %d rights %llx\n", st.fs_filetype, (unsigned long long)st.fs_rights_base);
    __wasi_fd_fdstat_get(0, &st);
    printf("stdin type %d rights %llx\n", st.fs_filetype, (unsigned long long)st.fs_rights_base);
    T("filestat stdout", __wasi_fd_filestat_get(1, &fs));
    printf("stdout filestat type %d size %llu\n", fs.filetype, (unsigned long long)fs.size);
    T("set flags stdout", __wasi_fd_fdstat_set_flags(1, 0));
    T("set size stdout", __wasi_fd_filestat_set_size(1, 0));
    T("set times stdout", __wasi_fd_filestat_set_times(1, 0, 0, 0));
    T("sync stdout", __wasi_fd_sync(1));
    T("datasync stdout", __wasi_fd_datasync(1));
    T("advise stdout", __wasi_fd_advise(1, 0, 0, 0));
    T("allocate stdout", __wasi_fd_allocate(1, 0, 1));
    T("pread stdout", __wasi_fd_pread(1, &iov, 1, 0, &n));
    T("pwrite stdout", __wasi_fd_pwrite(1, &xy, 0, 0, &n));
    T("pread stdin", __wasi_fd_pread(0, &iov, 1, 0, &n));
    T("pwrite stdin", __wasi_fd_pwrite(0, &xy, 1, 0, &n));
    T("read stdout", __wasi_fd_read(1, &iov, 1, &n));
    T("write stdin", __wasi_fd_write(0, &xy, 1, &n));
    T("write stdout nothing", __wasi_fd_write(1, &xy, 0, &n));
    T("prestat of a file", __wasi_fd_prestat_get(t, &(__wasi_prestat_t){0}));

    T("close", __wasi_fd_close(t));
    T("unlink", __wasi_path_unlink_file(ROOT, "f"));
    T("close the preopen", __wasi_fd_close(ROOT));
    T("fdstat of the closed preopen", __wasi_fd_fdstat_get(ROOT, &st));
    return 0;
}
