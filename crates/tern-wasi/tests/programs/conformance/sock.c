// sock_* on descriptors that are not sockets (ENOTSOCK) and on descriptors
// that are not open (EBADF). Run with a pre-opened directory as fd 3.
#include "check.h"

int main(void) {
    make_file(ROOT, "sock.file", "x");
    int file = open_at(ROOT, "sock.file", 0, __WASI_RIGHTS_FD_READ, 0);
    int closed = open_at(ROOT, "sock.file", 0, __WASI_RIGHTS_FD_READ, 0);
    __wasi_fd_close(closed);
    uint8_t byte;
    __wasi_iovec_t iov = {&byte, 1};
    __wasi_ciovec_t ciov = {&byte, 1};
    __wasi_size_t n;
    __wasi_roflags_t roflags;
    __wasi_fd_t accepted;
    T("sock_shutdown file", __wasi_sock_shutdown(file, __WASI_SDFLAGS_RD));
    T("sock_shutdown dir", __wasi_sock_shutdown(ROOT, __WASI_SDFLAGS_WR));
    T("sock_shutdown stdin", __wasi_sock_shutdown(0, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR));
    T("sock_shutdown stdout", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    T("sock_shutdown closed", __wasi_sock_shutdown(closed, __WASI_SDFLAGS_RD));
    T("sock_shutdown never opened", __wasi_sock_shutdown(1000, __WASI_SDFLAGS_RD));
    T("sock_accept dir", __wasi_sock_accept(ROOT, 0, &accepted));
    T("sock_accept never opened", __wasi_sock_accept(1000, 0, &accepted));
    T("sock_recv file", __wasi_sock_recv(file, &iov, 1, 0, &n, &roflags));
    T("sock_recv never opened", __wasi_sock_recv(1000, &iov, 1, 0, &n, &roflags));
    T("sock_send stdout", __wasi_sock_send(1, &ciov, 1, 0, &n));
    T("sock_send never opened", __wasi_sock_send(1000, &ciov, 1, 0, &n));
    __wasi_fd_close(file);
    T("unlink", __wasi_path_unlink_file(ROOT, "sock.file"));
    return 0;
}
